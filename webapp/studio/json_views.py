"""JSON endpoints the studio script calls (session login, X-CSRFToken header): files, check, deploy, previews."""
from __future__ import annotations

from flask import jsonify, render_template, request, url_for
from flask_babel import gettext as _

from engine.design.form_checks import schema_problems, ui_problems
from engine.design.groups import group_choices
from engine.design.newprocess import new_process_files
from engine.design.preview import PreviewError, timer_preview
from engine.design.problems import localized
from engine.forms.validation import validate
from engine.forms import Form
from engine.library import InvalidProcess
from engine.service import InvalidData, NotFound

from ..common import actor, service
from ..errors import json_error
from . import bp
from .access import designers_json
from .common import change_comment, files_from_json, invalid_json, lang, problems_json


def current_files(key: str) -> dict[str, str] | None:
    try:
        return dict(service().current(key)[1].bundle.files)
    except NotFound:
        return None


def main_file(key: str, files: dict[str, str]) -> str:
    return f"{key}.bpmn" if f"{key}.bpmn" in files else next((n for n in sorted(files) if n.endswith(".bpmn")), "")


@bp.route("/<key>/files")
@designers_json
def files(key):
    found = current_files(key)
    if found is None:
        try:
            found = new_process_files(key, request.args.get("name") or key)
        except ValueError:
            return json_error(404, "not_found", _("没有这个流程；新流程的标识须为小写字母、数字和下划线"))
    return jsonify({"main": main_file(key, found), "files": found, "new": current_files(key) is None})


@bp.route("/<key>/check", methods=["POST"])
@designers_json
def check(key):
    try:
        service().check_files(key, files_from_json(request.get_json(silent=True)))
    except InvalidData as exc:
        return invalid_json(exc)
    except InvalidProcess as exc:
        return problems_json(exc)
    return jsonify({"ok": True})


@bp.route("/<key>/deploy", methods=["POST"])
@designers_json
def deploy(key):
    body = request.get_json(silent=True) or {}
    try:
        sent, comment = files_from_json(body), change_comment(body.get("comment"))
        before = service().latest().get(key)
        dep = service().deploy_files(key, sent, actor().name, comment)
    except InvalidData as exc:
        return invalid_json(exc)
    except InvalidProcess as exc:
        return problems_json(exc)
    unchanged = before is not None and before.bundle_hash == dep.bundle_hash
    return jsonify({"key": dep.process_key, "version": dep.version, "bundle_hash": dep.bundle_hash,
                    "url": url_for("designer.log", key=key), "unchanged": unchanged}), 200 if unchanged else 201


@bp.route("/groups")
@designers_json
def groups():
    existing = {g for u in service().store.users() for g in u.groups}
    return jsonify(group_choices(existing, lang()))


@bp.route("/timer-preview", methods=["POST"])
@designers_json
def timer_preview_view():
    body = request.get_json(silent=True) or {}
    try:
        found = timer_preview(service().script_engine, service().now(), body.get("expression"),
                              body.get("data") or {}, body.get("kind"), lang())
    except PreviewError as exc:
        return json_error(422, "invalid_timer", exc.en if lang() == "en" else exc.zh)
    years = service().calendar.warnings(found["value"][:10])
    if years:
        found["text"] += _("（%(year)s 年的法定节假日尚未录入，暂按周末计算）", year=years[0])
    return jsonify({"value": found["value"], "text": found["text"]})


@bp.route("/form-preview", methods=["POST"])
@designers_json
def form_preview():
    body = request.get_json(silent=True) or {}
    schema, ui, data = body.get("schema"), body.get("ui_schema") or {}, body.get("data") or {}
    found = schema_problems("schema", schema) or (ui_problems("ui_schema", schema, ui) if isinstance(schema, dict) else [])
    if found or not isinstance(data, dict):
        problems = localized(found, lang()) or [{"message": _("示例数据须是 JSON 对象")}]
        return json_error(422, "invalid_form", problems[0]["message"], problems=problems)
    form = Form("preview", schema, ui)
    errors = validate(form, data, lang()) if data else {}
    html = render_template("studio/form_preview.html", form=form, values=data, errors=errors, lang=lang())
    return jsonify({"html": html, "errors": errors})
