"""JSON API: GET /api/v1/stats, /api/v1/bulletins, /api/v1/bulletins/{no} (same errors as the rest)."""
from __future__ import annotations

from flask import g, jsonify, request

from engine.service import InvalidData, NotFound
from engine.stats.figures import parse_day, units_of

from ..api import api_view, bp
from ..common import service


@bp.route("/stats")
@api_view
def stats():
    units_of(g.actor)                         # NotAllowed (403) for users without figures
    args = {k: request.args.get(k) or None for k in ("process", "from", "to", "unit")}
    bad = {}
    for key in ("from", "to"):
        try:
            parse_day(args[key])
        except ValueError:
            bad[key] = "expected YYYY-MM-DD"
    if bad:
        raise InvalidData(bad)
    return jsonify(service().figures.dashboard(g.actor, args["process"], args["from"], args["to"], args["unit"]))


def _bulletin_json(b, content=True) -> dict:
    out = {"no": b.no, "kind": b.kind, "title": b.title, "issue_label": b.content.get("issue_label"),
           "period": [b.period_start.isoformat(), b.period_end.isoformat()], "issued_at": b.issued_at.isoformat(),
           "issued_by": b.issued_by, "content_hash": b.content_hash}
    return {**out, "content": b.content} if content else out


@bp.route("/bulletins")
@api_view
def bulletins():
    units_of(g.actor)
    return jsonify([_bulletin_json(b, content=False) for b in service().store.bulletins(request.args.get("kind"))])


@bp.route("/bulletins/<no>")
@api_view
def bulletin(no):
    units_of(g.actor)
    found = service().store.get_bulletin(no)
    if found is None:
        raise NotFound(no)
    return jsonify(_bulletin_json(found))
