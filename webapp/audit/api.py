"""Audit additions to the JSON API: filtered, cursor-paginated case lists; broken_at; diagram state; XLSX."""
from __future__ import annotations

from flask import Response, g, jsonify, request

from engine.audit.search import BadQuery, parse_query
from engine.clock import CHINA
from engine.service import InvalidData, NotAllowed

from ..api import api_view, bp
from ..paging import paged_json
from . import AUDIT_GROUPS, audit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _iso(value):
    return value.isoformat() if value else None


def summary_json(rec, now) -> dict:
    overdue = rec.late or bool(rec.status == "running" and rec.due_at and rec.due_at < now)
    return {"id": rec.id, "case_no": rec.case_no, "process_key": rec.process_key, "version": rec.version,
            "bundle_hash": rec.bundle_hash, "status": rec.status, "title": rec.title, "unit": rec.unit,
            "created_at": _iso(rec.created_at), "updated_at": _iso(rec.updated_at), "due_at": _iso(rec.due_at),
            "closed_at": _iso(rec.closed_at), "overdue": overdue, "parent_id": rec.parent_id,
            "last_seq": rec.last_seq, "chain_head": rec.last_hash}


def query_from_request():
    try:
        return parse_query(request.args, audit().service.now(), CHINA)
    except BadQuery as exc:
        raise InvalidData({exc.field: str(exc)}) from None


def list_instances():
    """GET /instances: summaries, newest first, `limit` per page, the next page's cursor in headers."""
    query = query_from_request()
    rows, cursor = audit().search(g.actor, query)
    now = audit().service.now()
    return paged_json([summary_json(r, now) for r in rows], cursor, "api.instances")


def history_body(instance_id) -> dict:
    view = audit().case(instance_id, g.actor, action="history")
    return {"events": [{"seq": e.seq, "at": e.at.isoformat(), "type": e.type, "actor": e.actor, "task": e.task,
                        "data": e.data, "hash": e.hash, "prev_hash": e.prev_hash} for e in view.events],
            "chain_ok": view.chain.ok, "broken_at": view.chain.broken_at, "head_hash": view.chain.head_hash}


@bp.route("/instances/<instance_id>/diagram-state")
@api_view
def diagram_state(instance_id):
    at = request.args.get("at")
    if not at:
        state = audit().diagram(instance_id, g.actor)
        return jsonify({k: state[k] for k in ("completed", "ready", "waiting", "timers_fired", "flows")})
    if not at.isdigit():
        raise InvalidData({"at": "at must be the seq of an event"})
    return jsonify(audit().diagram_state(instance_id, g.actor, int(at)))


@bp.route("/instances/<instance_id>/export.xlsx")
@api_view
def export_xlsx(instance_id):
    if not g.actor.groups & AUDIT_GROUPS:
        raise NotAllowed("auditors only")
    view, data = audit().export_case(instance_id, g.actor)
    return xlsx_response(data, f"{view.rec.case_no or instance_id}.xlsx")


def xlsx_response(data: bytes, filename: str) -> Response:
    response = Response(data, mimetype=XLSX)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
