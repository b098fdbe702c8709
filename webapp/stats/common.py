"""What the figures views share: the request's filter arguments, access, labels."""
from __future__ import annotations

import datetime as dt

from flask import abort, request
from flask_babel import gettext as _

from engine.stats.definitions import label
from engine.stats.figures import may_see_figures

from ..common import actor, requires, service

figures_only = requires(may_see_figures, _("统计仅对领导、热线中心、信访局、督查、管理员和承办单位开放"))
PROCESSES = ("hotline", "petition_case", "reception_case")
FILTER_KEYS = ("process", "from", "to", "unit")


def filters() -> dict:
    """process/from/to/unit from the query string; the period defaults to this year up to today."""
    today = service().figures.today()
    args = {k: (request.args.get(k) or "").strip() for k in FILTER_KEYS}
    if "process" not in request.args:
        args["process"] = "hotline"
    args["from"] = args["from"] or dt.date(today.year, 1, 1).isoformat()
    args["to"] = args["to"] or today.isoformat()
    for key in ("from", "to"):
        try:
            dt.date.fromisoformat(args[key])
        except ValueError:
            abort(400, _("日期格式应为 YYYY-MM-DD"))
    return args


def figure_kwargs(args: dict) -> dict:
    return {"process": args["process"] or None, "start": args["from"], "end": args["to"],
            "unit": args["unit"] or None}


def process_label(key: str | None) -> str:
    return {"hotline": _("12345热线"), "petition_case": _("信访事项"), "reception_case": _("接访事项"),
            "petition_supervision": _("督查督办"), "reception_day": _("领导接访日"), "": _("全部")}.get(key or "", key)


def code_label(code) -> str:
    return _(label(code))


__all__ = ["actor", "service", "figures_only", "filters", "figure_kwargs", "process_label", "code_label"]
