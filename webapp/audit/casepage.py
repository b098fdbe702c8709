"""The parts of every case page that auditing adds: the pinned diagram with where the case stands,
and the case data as the procedure's documents."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, abort, jsonify, url_for
from flask_babel import gettext as _
from flask_login import login_required

from engine.audit.documents import context_for, summary
from engine.service import NotAllowed, NotFound
from engine.tasks import HIDDEN

from ..common import actor, local_time, service
from ..display import group_label, with_case_fields
from . import audit, revealed

bp = Blueprint("casepage", __name__)


def case_view_or_abort(instance_id, action="view"):
    try:
        return audit().case(instance_id, actor(), revealed(instance_id), action=action)
    except NotFound:
        abort(404, _("没有这个案件"))
    except NotAllowed:
        abort(403, _("您无权查看这个案件"))


def case_context(view) -> dict:
    """What instance.html needs beyond the record: documents, summary, chain, diagram URLs."""
    return {"view": view, "docs": view.docs, "docs_by_seq": {d.seq: d for d in view.docs},
            "summary": summary(view.rec.data), "chain": view.chain,
            "diagram_xml": url_for("casepage.diagram_xml", instance_id=view.rec.id),
            "diagram_json": url_for("casepage.diagram_json", instance_id=view.rec.id)}


def task_context(detail) -> list:
    """The earlier entries a task's form names first (e.g. the reviewer: result, measures, co-units)."""
    view = audit().case(detail.instance.id, actor(), action=None)
    hidden = set(detail.masked) | view.hidden
    pairs = context_for(service().compiled(detail.instance.bundle_hash), detail.row.bpmn_id, view.docs)
    return [(d, e if e.key not in hidden else type(e)(e.key, e.label, HIDDEN, True)) for d, e in pairs]


def labelled(forms, data: dict, hidden) -> list[list[str]]:
    """[label, value in words] for each field a form names; engine counters and flags left out."""
    rows, seen = [], set()
    for form in with_case_fields(forms):
        labels = form.labels()
        for key in form.field_order():
            if key in data and key not in seen and data[key] not in (None, "", []):
                seen.add(key)
                rows.append([labels[key], HIDDEN if key in hidden else form.choice_label(key, data[key])])
    return rows


@bp.route("/instances/<instance_id>/diagram.xml")
@login_required
def diagram_xml(instance_id):
    view = case_view_or_abort(instance_id, action=None)
    compiled = service().compiled(view.rec.bundle_hash)
    return Response(compiled.bundle.files[f"{compiled.bundle.key}.bpmn"], mimetype="application/xml")


@bp.route("/instances/<instance_id>/diagram.json")
@login_required
def diagram_json(instance_id):
    view = case_view_or_abort(instance_id, action=None)
    state = audit().diagram(instance_id, actor(), rec=view.rec)
    for t in state["tasks"]:
        t["holder"] = "、".join(group_label(g) for g in t["groups"]) + (f"（{t['assignee']}）" if t["assignee"] else "")
        t["due"] = local_time(_parse(t["due_at"])) if t["due_at"] else ""
    for c in state["children"]:
        c["url"] = url_for("cases.instance", instance_id=c["id"])
    if state["parent"]:
        state["parent"]["url"] = url_for("cases.instance", instance_id=state["parent"]["id"])
    return jsonify({**state, "labels": {"due": _("期限"), "holder": _("办理"), "linked": _("关联案件")}})


def _parse(iso):
    return dt.datetime.fromisoformat(iso)
