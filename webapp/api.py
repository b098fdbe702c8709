"""JSON API /api/v1 (see shared/API.md): HTTP Basic or Bearer auth, JSON errors only."""
from __future__ import annotations

import json
from functools import wraps
from pathlib import Path

from flask import Blueprint, abort, current_app, g, jsonify, request

from engine.accounts.users import actor_of
from engine.design.problems import localized, summary
from engine.letters import letters
from engine.library import InvalidProcess
from engine.directory import DirectoryError, LastMember
from engine.service import (Conflict, InvalidData, NotAllowed, NotFound, ProcessError, TaskClosed, TaskTaken)
from engine.work.inbox import BadQuery

from .common import service
from .errors import json_error
from .guard import Refused, api_user, check_not_cross_site, check_rate
from .security import no_constant
from .serialize import instance_json, links_json, task_json
from .studio.downloads import attachment

bp = Blueprint("api", __name__, url_prefix="/api/v1")
health_bp = Blueprint("health", __name__)
OPENAPI = Path(__file__).with_name("openapi.json")
API_COMMENT = "API deploy (no comment given)"   # a deploy through the API without `comment` / X-Change-Comment
ERRORS = [  # exception -> (status, code)
    (InvalidData, 422, "invalid"), (InvalidProcess, 422, "invalid_process"), (NotAllowed, 403, "forbidden"),
    (NotFound, 404, "not_found"), (TaskClosed, 409, "conflict"), (Conflict, 409, "conflict"),
    (ProcessError, 422, "process_error"), (TaskTaken, 409, "taken"), (LastMember, 409, "last_member"),
    (DirectoryError, 422, "invalid"), (BadQuery, 422, "invalid"),
]


def _caller():
    """The authenticated user, or an error response (cross-site write, throttled, locked, unknown)."""
    try:
        check_not_cross_site()
        user = api_user()
        if user is None:
            response = json_error(401, "unauthorized", "HTTP Basic or Bearer token required")
            response.headers["WWW-Authenticate"] = 'Bearer realm="api"'    # never a browser password prompt
            return None, response
        check_rate(user)
    except Refused as exc:
        response = json_error(exc.status, exc.code, exc.message)
        if exc.status in (429, 503):
            response.headers["Retry-After"] = "60"
        return None, response
    return user, None


def api_view(view):
    """Authenticate, then map domain exceptions to the contract's status codes."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        user, refused = _caller()
        if refused is not None:
            return refused
        g.actor = actor_of(user)
        try:
            return view(*args, **kwargs)
        except tuple(e for e, _, _ in ERRORS) as exc:
            return _error_response(exc)
    return wrapper


def _error_response(exc):
    status, code = next((s, c) for e, s, c in ERRORS if isinstance(exc, e))
    extra = {"fields": exc.fields} if isinstance(exc, InvalidData) else {}
    if isinstance(exc, (DirectoryError, BadQuery)) and not isinstance(exc, LastMember):
        extra = {"fields": getattr(exc, "fields", None) or {str(exc): "invalid"}}
    if isinstance(exc, TaskTaken):
        return json_error(409, code, f"taken by {exc.holder}", holder=exc.holder)
    if isinstance(exc, LastMember):
        return json_error(409, code, str(exc), tasks=[t.task_id for t in exc.tasks])
    message = {403: "not allowed", 404: "not found", 409: "task is no longer ready"}.get(status, str(exc))
    if isinstance(exc, TaskClosed) and ": " in str(exc):        # "<id>: why", e.g. no return from this step
        message = str(exc).split(": ", 1)[1]
    if isinstance(exc, InvalidProcess):       # every problem, `message` in ?lang= (zh default), both kept
        lang = request.args.get("lang", "zh")
        extra, message = {"problems": localized(exc.problems, lang)}, summary(exc.problems, lang)
    return json_error(status, code, message, **extra)


def _body_data() -> dict:
    raw = request.get_data(as_text=True)
    if not raw.strip():
        return {}
    if not request.is_json:
        abort(415, "send the body as JSON (Content-Type: application/json)")
    try:
        body = g.json_body if "json_body" in g else json.loads(raw, parse_constant=no_constant)   # see security
    except RecursionError as exc:
        raise InvalidData({"": "JSON nested too deeply"}) from exc
    except ValueError as exc:
        raise InvalidData({"": "body is not valid JSON"}) from exc
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
    files = compiled.bundle.files
    name = f"{key}.bpmn" if f"{key}.bpmn" in files else next(n for n in sorted(files) if n.endswith(".bpmn"))
    return attachment(files[name], name)     # never rendered by a browser: nosniff, attachment, no scripts


@bp.route("/processes/<key>/instances", methods=["POST"])
@api_view
def start(key):
    return jsonify(instance_json(*service().start_view(key, _body_data(), g.actor))), 201


@bp.route("/tasks/<task_id>")
@api_view
def task(task_id):
    d = service().task(task_id, g.actor)
    return jsonify({**task_json(d.row), "status": d.row.status, "data": d.data,
                    "form": {"schema": d.form.schema, "ui_schema": d.form.ui},
                    "values": d.values, "carried": d.carried, "repeated": d.repeated})


@bp.route("/tasks/<task_id>/complete", methods=["POST"])
@api_view
def complete(task_id):
    return jsonify(instance_json(*service().complete_view(task_id, _body_data(), g.actor)))


@bp.route("/instances")
@api_view
def instances():
    return audit_api.list_instances()     # filters, cursor pages, summaries (webapp/audit/api.py)


@bp.route("/instances/<instance_id>")
@api_view
def instance(instance_id):
    rec = service().instance(instance_id, g.actor)
    body = instance_json(rec, *service().case_view(rec, g.actor))
    audit_api.audit().record(g.actor, "view", rec, via="api")
    return jsonify({**body, "links": links_json(service().links(rec))})


@bp.route("/instances/<instance_id>/history")
@api_view
def instance_history(instance_id):
    return jsonify(audit_api.history_body(instance_id))


@bp.route("/instances/<instance_id>/letters")
@api_view
def instance_letters(instance_id):
    """The letters the case has issued (engine/letters.py), each in its current version (the case page also lists
    the earlier ones a redo replaced); a letter showing a personal field hidden from the caller is left out."""
    rec = service().instance(instance_id, g.actor)
    hidden = service().hidden_fields(rec, g.actor)
    found = [x for x in letters(rec.process_key, rec.data, service().directory) if not hidden.intersection(x.personal)]
    audit_api.audit().record(g.actor, "letter", rec, via="api")
    return jsonify({"letters": [{"kind": x.kind, "title": x.title, "number": x.number, "addressee": x.addressee,
                                 "issuer": x.issuer, "date": x.date or None, "paragraphs": x.paragraphs}
                                for x in found]})


@bp.route("/instances/<instance_id>/replay", methods=["POST"])
@api_view
def replay(instance_id):
    matches, diverged_at = service().replay(instance_id, g.actor)
    audit_api.audit().record(g.actor, "replay", service().store.get_instance(instance_id), via="api")
    return jsonify({"matches": matches, "diverged_at": diverged_at})


@bp.route("/processes/<key>/versions", methods=["POST"])
@api_view
def deploy(key):
    """Deploy (or with ?dry_run=1 only check) a new version. Multipart or JSON {"files"}: the new version is
    exactly those files; an XML body (or BPMN files only): the BPMN over the current DMN tables and forms."""
    if not g.actor.is_designer:
        raise NotAllowed("designers only")
    files = _sent_files(key)
    if request.args.get("dry_run") in ("1", "true", "yes"):
        service().check_files(key, files)
        return jsonify({"ok": True})
    body = request.get_json(silent=True) if request.is_json else None
    comment = request.headers.get("X-Change-Comment") or request.form.get("comment") or \
        (body.get("comment") if isinstance(body, dict) else None) or API_COMMENT
    before = service().latest().get(key)
    dep = service().deploy_files(key, files, g.actor.name, str(comment)[:2000])
    unchanged = before is not None and before.bundle_hash == dep.bundle_hash     # the current version stays
    return jsonify({"key": dep.process_key, "version": dep.version, "bundle_hash": dep.bundle_hash,
                    "comment": dep.comment, "unchanged": unchanged}), 200 if unchanged else 201


def _sent_files(key: str) -> dict[str, str]:
    if request.mimetype in ("application/xml", "text/xml"):
        files = {f"{key}.bpmn": request.get_data(as_text=True)}
    elif request.is_json:
        body = request.get_json(silent=True) or {}
        files = body.get("files") if isinstance(body.get("files"), dict) else {}
        files = {str(k): v for k, v in files.items() if isinstance(v, str)}
    else:
        files = {f.filename: f.read().decode("utf-8", "replace") for name in request.files
                 for f in request.files.getlist(name) if f.filename}
    if not files:
        raise InvalidData({"": "send the BPMN as application/xml, the files as multipart/form-data, "
                               "or JSON {\"files\": {name: text}}"})
    return files


@bp.route("/openapi.json")
def openapi():
    """The hand-written description of this API (tests/test_openapi.py keeps it true to the routes)."""
    return current_app.response_class(OPENAPI.read_bytes(), mimetype="application/json")


@health_bp.route("/healthz")
def healthz():
    try:
        service().store.ping()
    except Exception:  # any database failure means not healthy
        return json_error(503, "unavailable", "database unreachable")
    return jsonify({"status": "ok"})


from .audit import api as audit_api  # noqa: E402  (its routes join this blueprint)
from . import api_staff  # noqa: E402,F401  (its routes are on bp)
