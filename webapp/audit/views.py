"""Audit pages: search, one case (replay slider, chain, re-execution check), reveal, print, XLSX, access log."""
from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine.audit.search import BadQuery, parse_query
from engine.audit.service import ReasonRequired
from engine.clock import CHINA
from engine.service import NotAllowed, NotFound

from ..common import actor, local_time, requires, service
from ..display import event_label, status_label
from ..security import safe_next
from . import AUDIT_GROUPS, audit, bp, remember_reveal, revealed
from .api import xlsx_response
from .casepage import case_context, case_view_or_abort, labelled

auditors_only = requires(lambda a: bool(a.groups & AUDIT_GROUPS), _l("仅审计人员和管理员可以使用审计功能"))
FILTERS = ("q", "process", "status", "unit", "from", "to", "overdue", "sort")


def _query(limit=None, strict=False):
    """The search's query; a bad condition is shown and the search runs without conditions, or (`strict`: an
    export, whose sheet lists its conditions) is a 400."""
    args = {k: v for k, v in request.args.items() if k in FILTERS + ("cursor",)}
    if limit:
        args["limit"] = str(limit)
    try:
        return parse_query(args, service().now(), CHINA)
    except BadQuery as exc:
        if strict:
            abort(400, _("查询条件有误：%(msg)s", msg=str(exc)))
        flash(_("查询条件有误：%(msg)s", msg=str(exc)), "error")
        return parse_query({}, service().now(), CHINA)


@bp.route("/")
@auditors_only
def search():
    query = _query(limit=request.args.get("limit") or 50)
    rows, cursor = audit().search(actor(), query)
    args = {k: v for k, v in request.args.items() if k in FILTERS}
    return render_template("audit/search.html", rows=rows, cursor=cursor, args=args,
                           processes=sorted(service().latest()), now=service().now())


@bp.route("/cases/<instance_id>")
@auditors_only
def case(instance_id):
    view = case_view_or_abort(instance_id)
    steps, divergence = audit().recheck(instance_id, actor(), record=False)       # the view is recorded
    names = {k: t.name for k, t in service().compiled(view.rec.bundle_hash).user_tasks.items()}
    diverged_event = next((e for e in view.events if divergence and e.seq == divergence.seq), None)
    return render_template("audit/case.html", rec=view.rec, events=view.events, steps=steps,
                           divergence=divergence, diverged_event=diverged_event, task_names=names,
                           deadlines=audit().deadlines(view), revealed=revealed(instance_id), **case_context(view))


@bp.route("/cases/<instance_id>/replay.json")
@auditors_only
def replay_json(instance_id):
    try:
        view, states = audit().replay(instance_id, actor(), revealed(instance_id))
    except (NotFound, NotAllowed):
        abort(404)
    compiled = service().compiled(view.rec.bundle_hash)
    names = {k: t.name for k, t in compiled.user_tasks.items()}
    by_seq = {e.seq: e for e in view.events}
    return jsonify([{"seq": s.seq, "label": event_label(by_seq[s.seq], names), "actor": by_seq[s.seq].actor,
                     "at": local_time(by_seq[s.seq].at), "matches": s.matches, "status": status_label(s.status),
                     "fields": labelled(compiled.forms, s.data, view.hidden), **s.elements} for s in states])


@bp.route("/cases/<instance_id>/reveal", methods=["POST"])
@auditors_only
def reveal(instance_id):
    try:
        audit().reveal(instance_id, actor(), request.form.get("reason", ""))
    except ReasonRequired:
        flash(_("请填写查看保密信息的理由（至少 4 个字）。"), "error")
    except NotFound:
        abort(404, _("没有这个案件"))
    except NotAllowed:
        abort(403, _("您无权查看这个案件"))
    else:
        remember_reveal(instance_id)
        flash(_("已显示保密信息；本次查看及理由已记入审计日志。"), "ok")
    return redirect(safe_next(request.form.get("next")) or url_for("audit.case", instance_id=instance_id))


@bp.route("/cases/<instance_id>/print")
@auditors_only
def print_case(instance_id):
    view = case_view_or_abort(instance_id, action="export")
    names = {k: t.name for k, t in service().compiled(view.rec.bundle_hash).user_tasks.items()}
    return render_template("audit/print.html", rec=view.rec, events=view.events, task_names=names,
                           deadlines=audit().deadlines(view), now=service().now(), **case_context(view))


@bp.route("/cases/<instance_id>/export.xlsx")
@auditors_only
def export_case(instance_id):
    try:
        view, data = audit().export_case(instance_id, actor(), revealed(instance_id))
    except NotFound:
        abort(404, _("没有这个案件"))
    return xlsx_response(data, f"{view.rec.case_no or instance_id}.xlsx")


@bp.route("/export.xlsx")
@auditors_only
def export_period():
    query = _query(limit=500, strict=True)
    filters = {k: v for k, v in request.args.items() if k in FILTERS}
    data = audit().export_period(actor(), query, filters)
    return xlsx_response(data, "cases.xlsx")


@bp.route("/log")
@requires(lambda a: a.is_admin, _l("仅管理员可以查看审计日志"))
def access_log():
    before = request.args.get("before", type=int)
    entries = audit().access_log(actor(), limit=100, before_id=before,
                                 instance_id=request.args.get("instance") or None)
    return render_template("audit/log.html", entries=entries)
