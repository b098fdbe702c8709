"""考核: a per-unit score table for a quarter, half year or year, weighted by the DMN a designer maintains."""
from __future__ import annotations

import datetime as dt

from .queries import FactFilter

KINDS = {"quarter": 4, "half_year": 2, "year": 1}
HANDLING = ("hotline", "petition_case")          # tickets and petitions a unit handles
CRITERIA = [  # (weight output of the DMN, rate, label); a rate with nothing to count scores full marks
    ("w_on_time", "on_time_rate", "按时办结率"),
    ("w_satisfaction", "satisfaction_rate", "满意率"),
    ("w_acceptance", "acceptance_rate", "签收率"),
    ("w_no_redo", "no_redo_rate", "未重办率"),
    ("w_reception", "reception_closure_rate", "接访事项办结率"),
]
WEIGHTS_PROCESS = "unit_assessment"


def period_of(kind: str, year: int, number: int = 1) -> tuple[dt.date, dt.date]:
    """Quarter 1–4, half 1–2, or the year, as (first day, last day)."""
    if kind not in KINDS or not 1 <= number <= KINDS[kind]:
        raise ValueError(f"no {kind} number {number}")
    months = 12 // KINDS[kind]
    first = dt.date(year, 1 + months * (number - 1), 1)
    after = dt.date(year + 1, 1, 1) if first.month + months > 12 else dt.date(year, first.month + months, 1)
    return first, after - dt.timedelta(days=1)


def period_label(kind: str, year: int, number: int) -> str:
    return {"quarter": f"{year}年第{number}季度", "half_year": f"{year}年{'上' if number == 1 else '下'}半年",
            "year": f"{year}年度"}[kind]


def weights(service, kind: str) -> dict:
    """The weights the current version of the decision table gives for this kind of period."""
    data = service.dry_start(WEIGHTS_PROCESS, {"period_kind": kind})
    return {name: float(data.get(name) or 0) for name, _, _ in CRITERIA} | {
        "criticism_penalty": float(data.get("criticism_penalty") or 0)}


def assessment(service, units, kind: str, year: int, number: int) -> dict:
    """Rows per unit (only `units` when not None), highest score first."""
    start, end = period_of(kind, year, number)
    w = weights(service, kind)
    figures = service.figures
    rates: dict[str, dict] = {}
    for process in HANDLING:
        groups = figures.summary(FactFilter(process, start, end, units), ("unit",))["groups"]["unit"]
        for g in groups:
            _add(rates.setdefault(g["key"], {}), g)
    reception = figures.summary(FactFilter("reception_case", start, end, units), ("unit",))["groups"]["unit"]
    criticised = [g for process in ("petition_supervision", "hotline")      # 通报批评: supervision and 热线 (004 §四.4)
                  for g in figures.summary(FactFilter(process, start, end, units), ("unit",))["groups"]["unit"]]
    for g in reception:
        rates.setdefault(g["key"], {})["reception"] = (g["closed"], g["cases"])
    for g in criticised:
        unit = rates.setdefault(g["key"], {})
        unit["criticisms"] = unit.get("criticisms", 0) + g["criticised"]
    rows = [_score(unit, sums, w) for unit, sums in rates.items() if unit]
    rows.sort(key=lambda r: (-r["score"], r["unit"]))
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    return {"kind": kind, "year": year, "number": number, "label": period_label(kind, year, number),
            "from": start.isoformat(), "to": end.isoformat(), "weights": w, "rows": rows,
            "criteria": [{"weight": n, "rate": r, "label": lbl} for n, r, lbl in CRITERIA]}


def _add(acc: dict, g: dict) -> None:
    for key in ("cases", "closed", "closed_with_deadline", "on_time", "callback", "satisfied", "to_accept",
                "accepted", "handled", "redone", "overdue"):
        acc[key] = acc.get(key, 0) + g.get(key, 0)


def _pct(num, den):
    return round(100.0 * num / den, 1) if den else None


def _score(unit: str, s: dict, w: dict) -> dict:
    slip_closed, slip_cases = s.get("reception", (0, 0))
    row = {"unit": unit, "cases": s.get("cases", 0), "closed": s.get("closed", 0), "overdue": s.get("overdue", 0),
           "on_time_rate": _pct(s.get("on_time", 0), s.get("closed_with_deadline", 0)),
           "satisfaction_rate": _pct(s.get("satisfied", 0), s.get("callback", 0)),
           "acceptance_rate": _pct(s.get("accepted", 0), s.get("to_accept", 0)),
           "no_redo_rate": None if not s.get("handled") else round(100 - _pct(s["redone"], s["handled"]), 1),
           "reception_cases": slip_cases, "reception_closure_rate": _pct(slip_closed, slip_cases),
           "criticisms": s.get("criticisms", 0)}
    points = sum(w[name] * (100.0 if row[rate] is None else row[rate]) / 100 for name, rate, _ in CRITERIA)
    row["score"] = round(points - w["criticism_penalty"] * row["criticisms"], 2)
    return row
