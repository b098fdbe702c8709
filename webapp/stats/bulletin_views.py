"""Bulletins: the issued list, issuing a new one, the printable page and the XLSX, exactly as issued."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.stats.bulletins import KINDS, default_period, issue, may_issue
from engine.stats.figures import parse_day
from engine.stats.xlsx import bulletin_workbook

from . import bp
from .common import actor, figures_only, service


@bp.route("/bulletins")
@figures_only
def bulletins():
    kind = request.args.get("kind") or None
    today = service().figures.today()
    kinds = [{"kind": k, "title": title, "may_issue": may_issue(actor(), k), "period": default_period(k, today)}
             for k, (_prefix, title, _procs) in KINDS.items()]
    return render_template("stats/bulletins.html", rows=service().store.bulletins(kind), kinds=kinds, kind=kind)


@bp.route("/bulletins", methods=["POST"])
@figures_only
def issue_bulletin():
    kind = request.form.get("kind", "")
    if kind not in KINDS:
        abort(400, _("没有这种通报"))
    if not may_issue(actor(), kind):
        abort(403, _("您不能印发这种通报"))
    try:
        start, end = parse_day(request.form.get("from")), parse_day(request.form.get("to"))
        if not start or not end:
            raise ValueError(_("请填写统计期"))
        if request.form.get("confirm") != "1":        # a number, once issued, is never taken back
            raise ValueError(_("请先勾选确认：印发后编号和内容不可更改"))
        bulletin = issue(service().figures, kind, start, end, actor().name)
    except ValueError as exc:
        flash(str(exc), "error")
        return redirect(url_for("stats.bulletins"))
    flash(_("已印发 %(no)s", no=bulletin.no), "ok")
    return redirect(url_for("stats.bulletin", no=bulletin.no))


def _get(no):
    bulletin = service().store.get_bulletin(no)
    if bulletin is None:
        abort(404, _("没有这一期通报"))
    return bulletin


@bp.route("/bulletins/<no>")
@figures_only
def bulletin(no):
    return render_template("stats/bulletin.html", b=_get(no))


@bp.route("/bulletins/<no>.xlsx")
@figures_only
def bulletin_xlsx(no):
    b = _get(no)
    return Response(bulletin_workbook(b), headers={"Content-Disposition": f"attachment; filename={b.no}.xlsx"},
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
