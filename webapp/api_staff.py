"""JSON API additions for staff work and the directory: claim, release, hand over, return, comments,
attachments, cancel, the paged task list, units and users (see shared/API.md "Additions")."""
from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from flask import Response, g, jsonify, request, url_for

from engine.paging import split_page

from engine.service import InvalidData, NotAllowed

from .api import api_view, bp
from .common import service
from .paging import page_args, paged_json
from .serialize import instance_json, task_json


def _body() -> dict:
    body = request.get_json(silent=True)
    if body is None and request.data.strip():
        raise InvalidData({"": "body is not valid JSON"})
    if body is not None and not isinstance(body, dict):
        raise InvalidData({"": "expected a JSON object"})
    return body or {}


def _instance(rec):
    return jsonify(instance_json(rec, *service().case_view(rec, g.actor)))


@bp.route("/tasks")
@api_view
def tasks():
    args = request.args
    limit, _ = page_args(None)        # the inbox's own cursor (engine/work/inbox.py) is read below
    query = service().task_query(g.actor, args.get("filter") or "all", args.get("process"), args.get("q"),
                                 limit, args.get("cursor"), args.get("instance"))
    rows, cursor = service().inbox_page(query)
    return paged_json([task_json(t) for t in rows], cursor, "api.tasks")


@bp.route("/tasks/<task_id>/claim", methods=["POST"])
@api_view
def claim(task_id):
    return jsonify(task_json(service().claim(task_id, g.actor)))


@bp.route("/tasks/<task_id>/release", methods=["POST"])
@api_view
def release(task_id):
    return jsonify(task_json(service().release(task_id, g.actor)))


@bp.route("/tasks/<task_id>/handover", methods=["POST"])
@api_view
def handover(task_id):
    body = _body()
    if not (body.get("to_user") or body.get("to_unit")):
        raise InvalidData({"to_user": "give to_user or to_unit"})
    row = service().handover(task_id, g.actor, str(body.get("reason") or ""), to_user=body.get("to_user"),
                             to_unit=body.get("to_unit"))
    return jsonify(task_json(row))


@bp.route("/tasks/<task_id>/return", methods=["POST"])
@api_view
def return_step(task_id):
    return _instance(service().return_step(task_id, g.actor, str(_body().get("reason") or "")))


@bp.route("/instances/<instance_id>/cancel", methods=["POST"])
@api_view
def cancel(instance_id):
    return _instance(service().cancel(instance_id, g.actor, str(_body().get("reason") or "")))


@bp.route("/instances/<instance_id>/comments", methods=["GET", "POST"])
@api_view
def comments(instance_id):
    if request.method == "POST":
        return jsonify(service().add_comment(instance_id, g.actor, str(_body().get("text") or ""))), 201
    limit, before = page_args(None, (int,))
    rows, cursor = split_page(service().comments(instance_id, g.actor, limit + 1, before and before[0]), limit,
                              lambda c: (str(c["seq"]),))
    return paged_json(rows, cursor, "api.comments", instance_id=instance_id)


def _file_json(meta: dict, instance_id: str) -> dict:
    shown = {k: meta.get(k) for k in ("id", "size", "content_type", "sha256", "field", "uploaded_by")}
    hidden = meta.get("hidden")
    return {**shown, "name": "（已隐藏）" if hidden else meta["name"], "hidden": bool(hidden),
            "uploaded_at": meta["uploaded_at"].isoformat() if meta.get("uploaded_at") else None,
            "url": None if hidden else url_for("api.attachment", instance_id=instance_id, attachment_id=meta["id"])}


@bp.route("/instances/<instance_id>/attachments", methods=["GET", "POST"])
@api_view
def attachments(instance_id):
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None:
            raise InvalidData({"file": "send the file as multipart/form-data field 'file'"})
        meta = service().add_attachment(instance_id, g.actor, upload.filename or "", upload.read(),
                                        request.form.get("field") or None)
        return jsonify(_file_json(meta, instance_id)), 201
    limit, before = page_args(None, (dt.datetime.fromisoformat, str))
    rows, cursor = split_page(service().attachments(instance_id, g.actor, limit + 1, before), limit,
                              lambda m: (m["uploaded_at"].isoformat(), m["id"]))
    return paged_json([_file_json(m, instance_id) for m in rows], cursor, "api.attachments", instance_id=instance_id)


@bp.route("/instances/<instance_id>/attachments/<attachment_id>")
@api_view
def attachment(instance_id, attachment_id):
    return download(instance_id, attachment_id, g.actor)


def download(instance_id, attachment_id, actor) -> Response:
    """The file itself, always as a download (never rendered inline by the browser)."""
    meta, content = service().attachment(instance_id, attachment_id, actor)
    response = Response(content, mimetype=meta["content_type"] or "application/octet-stream")
    ascii_name = meta["name"].encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    response.headers["Content-Disposition"] = f'attachment; filename="{ascii_name}"; ' \
                                              f"filename*=UTF-8''{quote(meta['name'], safe='')}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Checksum-SHA256"] = meta["sha256"]
    return response


@bp.route("/notifications")
@api_view
def notifications():
    """The newest first, a page at a time ({unread, items}; the next page's cursor in the headers)."""
    limit, before = page_args(None, (int,))
    items, cursor = split_page(service().notifications(g.actor, limit + 1, before and before[0]), limit,
                               lambda n: (str(n["id"]),))
    return paged_json({"unread": service().unread_count(g.actor),
                       "items": [{**n, "at": n["at"].isoformat() if n.get("at") else None} for n in items]},
                      cursor, "api.notifications")


@bp.route("/units")
@api_view
def units():
    """Units in (type, name) order, a page at a time."""
    _admin_only()
    limit, after = page_args(2)
    directory = service().directory
    rows, cursor = split_page(service().store.units(after and tuple(after), limit + 1), limit,
                              lambda u: (u.type, u.name))
    return paged_json([{"name": u.name, "type": u.type, "parent": u.parent, "group": u.group, "active": u.active,
                        "members": [{"name": user.name, "role": role, "active": user.active}
                                    for user, role in members]}
                       for u, members in zip(rows, directory.members_of_units(rows))], cursor, "api.units")


@bp.route("/users")
@api_view
def users():
    """Users in name order, a page at a time."""
    _admin_only()
    limit, after = page_args(1)
    rows, cursor = split_page(service().store.users(after=after and after[0], limit=limit + 1), limit,
                              lambda u: (u.name,))
    return paged_json([{"name": u.name, "display_name": u.display_name, "groups": u.groups, "active": u.active}
                       for u in rows], cursor, "api.users")


def _admin_only():
    if not g.actor.is_admin:
        raise NotAllowed("admins only")
