"""The dashboard, the cases behind a number, and the assessment table."""
from __future__ import annotations

import datetime as dt

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _

from engine.paging import decode_cursor, parse_limit, split_page
from engine.service import NotAllowed
from engine.stats.assessment import KINDS, assessment
from engine.stats.definitions import FIGURES, RATES
from engine.stats.figures import units_of

from . import bp
from .common import PROCESSES, actor, code_label, figure_kwargs, figures_only, filters, process_label, service


@bp.app_context_processor
def _helpers():
    from engine.stats.figures import may_see_figures
    from flask_login import current_user
    return {"may_see_figures": lambda: current_user.is_authenticated and may_see_figures(actor()),
            "process_label": process_label, "code_label": code_label}


@bp.route("")
@figures_only
def dashboard():
    args = filters()
    try:
        found = service().figures.dashboard(actor(), **figure_kwargs(args))
    except NotAllowed:
        abort(403, _("只能查看本单位的统计"))
    units = units_of(actor())
    choices = list(units) if units is not None else sorted({r["unit"] for r in found["by_unit"]} | (
        {args["unit"]} if args["unit"] else set()))
    return render_template("stats/dashboard.html", f=found, args=args, figures=FIGURES, rates=RATES,
                           processes=PROCESSES, unit_choices=choices, all_units=units is None)


@bp.route("/cases")
@figures_only
def cases():
    args, figure = filters(), request.args.get("figure", "cases")
    dim, value = request.args.get("dim") or None, request.args.get("value")
    try:
        limit, after = parse_limit(request.args.get("limit")), decode_cursor(request.args.get("cursor"), 2)
        after = after and (dt.datetime.fromisoformat(after[0]), after[1])
        rows = service().figures.cases(actor(), figure, dim=dim, value=value, limit=limit + 1, after=after,
                                       **figure_kwargs(args))
    except NotAllowed:
        abort(403, _("只能查看本单位的统计"))
    except (ValueError, TypeError) as exc:      # BadPage too
        abort(400, str(exc))
    rows, cursor = split_page(rows, limit, lambda r: (r["started_at"].isoformat(), r["instance_id"]))
    names = {f.name: f.label for f in FIGURES} | {"open": "在办", "held": "接访日", "reply_slip": "以回复单办结",
                                                  "criticised": "通报批评", "open_overdue": "在办超期",
                                                  "late": "超期答复", "handled": "已答复"}
    return render_template("stats/cases.html", rows=rows, args=args, figure=figure, figure_label=names.get(figure,
                           figure), dim=dim, value=value, today=service().figures.today(), openable=_openable(rows),
                           next_url=cursor and url_for("stats.cases", **{**request.args.to_dict(), "cursor": cursor}))


def _openable(rows) -> set[str]:
    """The listed cases this user may open (the list itself is the check for the others)."""
    ids = [r["instance_id"] for r in rows]
    if actor().is_overseer or not ids:
        return set(ids)
    return {r.id for r in service().store.list_instances(ids=ids, visible_to=actor().groups, limit=len(ids))}


@bp.route("/assessment")
@figures_only
def assessment_page():
    today = service().figures.today()
    kind = request.args.get("kind") if request.args.get("kind") in KINDS else "quarter"
    year = request.args.get("year", type=int) or today.year
    number = request.args.get("number", type=int) or (1 if kind == "year" else
                                                      (today.month - 1) // (12 // KINDS[kind]) + 1)
    try:
        table = assessment(service(), units_of(actor()), kind, year, number)
    except ValueError as exc:
        abort(400, str(exc))
    return render_template("stats/assessment.html", t=table, kind=kind, year=year, number=number, kinds=KINDS)
