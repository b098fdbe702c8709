"""Dry run pages: the page keeps the steps taken; each request replays them on the proposed files in memory."""
from __future__ import annotations

import json

from flask import jsonify, render_template, request
from flask_babel import gettext as _

from engine.design.dryrun import dry_run, form_step
from engine.design.problems import localized
from engine.library import Bundle, InvalidProcess
from engine.service import InvalidData, NotFound

from ..common import service
from ..errors import json_error
from . import bp
from .access import designers_json, designers_only
from .common import files_from_json, invalid_json, lang, problems_json

MAX_STEPS = 200


def _json_field(name: str, default):
    text = request.form.get(name) or ""
    try:
        value = json.loads(text) if text.strip() else default
    except ValueError:
        raise InvalidData({name: _("不是有效的 JSON")}) from None
    if not isinstance(value, type(default)):
        raise InvalidData({name: _("格式不正确")})
    return value


def _bundle(key: str, files: dict | None, version: int | None) -> Bundle:
    if files:
        return service().proposed_bundle(key, files)
    dep = service().version(key, version) if version else service().current(key)[0]
    return Bundle(key, service().store.get_bundle_files(dep.bundle_hash))


def _run(bundle, start_data, steps):
    return dry_run(bundle, service().calendar.current(), service().now(), start_data, steps[:MAX_STEPS],
                   service().directory)


@bp.route("/<key>/dryrun", methods=["GET", "POST"])
@designers_only
def dryrun(key):
    try:
        files = _json_field("dry_files", {}) if request.method == "POST" else {}
        start_data = _json_field("dry_start_data", {})
        steps = _json_field("dry_steps", [])
        version = request.values.get("version", type=int)
        bundle = _bundle(key, files, version)
        result = _run(bundle, start_data, steps)
        steps, result, errors = _next(result, bundle, start_data, steps)
    except NotFound:
        return render_template("error.html", status=404, message=_("没有这个流程或版本")), 404
    except InvalidData as exc:
        return render_template("error.html", status=422, message="；".join(exc.fields.values())), 422
    except InvalidProcess as exc:
        return render_template("studio/problems.html", key=key, problems=exc.problems, lang=lang()), 422
    return render_template("studio/dryrun.html", key=key, result=result, steps=steps, files=files,
                           start_data=start_data, version=version, errors=errors, lang=lang())


def _next(result, bundle, start_data, steps):
    """Apply the button pressed: a task's form, the next timer, undo, or restart."""
    action = request.form.get("dry_action")
    if action == "undo" and steps:
        steps = steps[:-1]
    elif action == "restart":
        steps = []
    elif action == "timer":
        steps = steps + [{"timer": True}]
    elif action == "task" and not result.error:
        step = form_step(result.compiled, request.form.get("dry_task", ""), request.form.get("dry_index", 0, type=int),
                         request.form)
        trial = _run(bundle, start_data, steps + [step])
        if trial.error and trial.error["step"] == len(steps) + 1:
            return steps, result, {step["task"]: trial.error}
        return steps + [step], trial, {}
    else:
        return steps, result, {}
    return steps, _run(bundle, start_data, steps), {}


@bp.route("/<key>/dryrun.json", methods=["POST"])
@designers_json
def dryrun_json(key):
    body = request.get_json(silent=True)
    try:
        if not isinstance(body, dict):
            raise InvalidData({"": _("请求须是 JSON 对象")})
        files = files_from_json(body) if body.get("files") else None
        steps, data = body.get("steps") or [], body.get("data") or {}
        if not isinstance(steps, list) or not all(isinstance(s, dict) for s in steps) or not isinstance(data, dict):
            raise InvalidData({"steps": _("格式不正确")})
        result = _run(_bundle(key, files, body.get("version")), data, steps)
    except InvalidData as exc:
        return invalid_json(exc)
    except InvalidProcess as exc:
        return problems_json(exc)
    except NotFound:
        return json_error(404, "not_found", _("没有这个流程或版本"))
    return jsonify({"snapshots": [_snapshot_json(s) for s in result.snapshots], "error": result.error,
                    "problems": localized([], lang())})


def _snapshot_json(s) -> dict:
    return {"step": s.step, "at": s.at.isoformat(), "status": s.status, "timers": s.timers, "sent": s.sent,
            "ready": [{**r, "due_at": r["due_at"].isoformat() if r["due_at"] else None} for r in s.ready],
            "data": s.data}
