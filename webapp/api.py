"""JSON API /api/v1 (see shared/API.md): HTTP Basic or Bearer auth, JSON errors only."""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, Response, g, jsonify, request

from engine.accounts import actor_of, check_password, user_for_token
from engine.library import InvalidProcess
from engine.directory import DirectoryError, LastMember
from engine.service import (Conflict, InvalidData, NotAllowed, NotFound, ProcessError, TaskClosed, TaskTaken)
from engine.work.inbox import BadQuery

from .common import service
from .errors import json_error
from .serialize import instance_json, links_json, task_json

bp = Blueprint("api", __name__, url_prefix="/api/v1")
health_bp = Blueprint("health", __name__)
ERRORS = [  # exception -> (status, code)
    (InvalidData, 422, "invalid"), (InvalidProcess, 422, "invalid_process"), (NotAllowed, 403, "forbidden"),
    (NotFound, 404, "not_found"), (TaskClosed, 409, "conflict"), (Conflict, 409, "conflict"),
    (ProcessError, 422, "process_error"), (TaskTaken, 409, "taken"), (LastMember, 409, "last_member"),
    (DirectoryError, 422, "invalid"), (BadQuery, 422, "invalid"),
]


def _authenticate():
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return user_for_token(service().store, header[7:].strip())
    auth = request.authorization
    if auth and auth.type == "basic":
        user = service().store.get_user(auth.username or "")
        return user if check_password(user, auth.password or "") else None
    return None


def api_view(view):
    """Authenticate, then map domain exceptions to the contract's status codes."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        user = _authenticate()
        if user is None:
            response = json_error(401, "unauthorized", "HTTP Basic or Bearer token required")
            response.headers["WWW-Authenticate"] = 'Basic realm="api"'
            return response
        g.actor = actor_of(user)
        try:
            return view(*args, **kwargs)
        except tuple(e for e, _, _ in ERRORS) as exc:
            return _error_response(exc)
    return wrapper


def _error_response(exc):
    status, code = next((s, c) for e, s, c in ERRORS if isinstance(exc, e))
    extra = {"fields": exc.fields} if isinstance(exc, InvalidData) else {}
    if isinstance(exc, InvalidProcess):
        extra = {"problems": exc.problems}
    if isinstance(exc, (DirectoryError, BadQuery)) and not isinstance(exc, LastMember):
        extra = {"fields": getattr(exc, "fields", None) or {str(exc): "invalid"}}
    if isinstance(exc, TaskTaken):
        return json_error(409, code, f"taken by {exc.holder}", holder=exc.holder)
    if isinstance(exc, LastMember):
        return json_error(409, code, str(exc), tasks=[t.task_id for t in exc.tasks])
    message = {403: "not allowed", 404: "not found", 409: "task is no longer ready"}.get(status, str(exc))
    return json_error(status, code, message, **extra)


def _body_data() -> dict:
    body = request.get_json(silent=True)
    if body is None:
        if request.data.strip():
            raise InvalidData({"": "body is not valid JSON"})
        return {}
    if not isinstance(body, dict) or not isinstance(body.get("data", {}), dict):
        raise InvalidData({"data": "expected {\"data\": {...}}"})
    return body.get("data") or {}


@bp.route("/processes")
@api_view
def processes():
    return jsonify([{"key": d.process_key, "name": d.name, "version": d.version, "bundle_hash": d.bundle_hash,
                     "can_start": can} for d, can in service().processes(g.actor)])


@bp.route("/processes/<key>/bpmn")
@api_view
def process_bpmn(key):
    dep, compiled = service().current(key)
    return Response(compiled.bundle.files[f"{key}.bpmn"], mimetype="application/xml")


@bp.route("/processes/<key>/instances", methods=["POST"])
@api_view
def start(key):
    rec = service().start(key, _body_data(), g.actor)
    return jsonify(instance_json(rec, service().ready_tasks(rec.id), service().case_data(rec, g.actor))), 201


@bp.route("/tasks/<task_id>")
@api_view
def task(task_id):
    d = service().task(task_id, g.actor)
    return jsonify({**task_json(d.row), "status": d.row.status, "data": d.data,
                    "form": {"schema": d.form.schema, "ui_schema": d.form.ui}})


@bp.route("/tasks/<task_id>/complete", methods=["POST"])
@api_view
def complete(task_id):
    rec = service().complete(task_id, _body_data(), g.actor)
    return jsonify(instance_json(rec, service().ready_tasks(rec.id), service().case_data(rec, g.actor)))


@bp.route("/instances")
@api_view
def instances():
    rows = service().instances(g.actor, request.args.get("process") or None, request.args.get("status") or None)
    return jsonify([instance_json(r, None, service().case_data(r, g.actor)) for r in rows])


@bp.route("/instances/<instance_id>")
@api_view
def instance(instance_id):
    rec = service().instance(instance_id, g.actor)
    body = instance_json(rec, service().ready_tasks(rec.id), service().case_data(rec, g.actor))
    return jsonify({**body, "links": links_json(service().links(rec))})


@bp.route("/instances/<instance_id>/history")
@api_view
def instance_history(instance_id):
    events, chain_ok = service().history(instance_id, g.actor)
    return jsonify({"events": [{"seq": e.seq, "at": e.at.isoformat(), "type": e.type, "actor": e.actor,
                                "task": e.task, "data": e.data, "hash": e.hash, "prev_hash": e.prev_hash}
                               for e in events], "chain_ok": chain_ok})


@bp.route("/instances/<instance_id>/replay", methods=["POST"])
@api_view
def replay(instance_id):
    matches, diverged_at = service().replay(instance_id, g.actor)
    return jsonify({"matches": matches, "diverged_at": diverged_at})


@bp.route("/processes/<key>/versions", methods=["POST"])
@api_view
def deploy(key):
    if not g.actor.is_designer:
        raise NotAllowed("designers only")
    if request.mimetype in ("application/xml", "text/xml"):
        files = {f"{key}.bpmn": request.get_data(as_text=True)}
    else:
        files = {f.filename: f.read().decode("utf-8", "replace") for f in request.files.values() if f.filename}
    if not files:
        raise InvalidData({"": "send the BPMN as application/xml or the files as multipart/form-data"})
    dep = service().deploy_files(key, files, g.actor.name)
    return jsonify({"key": dep.process_key, "version": dep.version, "bundle_hash": dep.bundle_hash}), 201


@health_bp.route("/healthz")
def healthz():
    try:
        service().store.ping()
    except Exception:  # any database failure means not healthy
        return json_error(503, "unavailable", "database unreachable")
    return jsonify({"status": "ok"})


from . import api_staff  # noqa: E402,F401  (its routes are on bp)
