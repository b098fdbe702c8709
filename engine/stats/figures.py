"""The figures a user may see: scope by group (a unit sees only its own), then totals, groups, trends."""
from __future__ import annotations

import datetime as dt

from ..access import NotAllowed
from .definitions import DIMENSIONS, DRILLS, SUMS
from .facts import china_date
from .queries import FactFilter, overdue_days, with_rates

DEMANDS = ("hotline", "petition_case", "reception_case")     # "all procedures": the citizens' demands
VIEWERS = frozenset({"leaders", "reviewers", "petition_bureau", "supervisors", "admins", "auditors"})
UNIT_PREFIX = "dept:"


def units_of(actor) -> tuple | None:
    """None: may see every unit; otherwise the units of the actor's `dept:` groups."""
    if actor.groups & VIEWERS:
        return None
    units = tuple(sorted(g[len(UNIT_PREFIX):] for g in actor.groups if g.startswith(UNIT_PREFIX)))
    if not units:
        raise NotAllowed("figures are for leaders, the hotline centre, the petition bureau and units")
    return units


def may_see_figures(actor) -> bool:
    try:
        units_of(actor)
        return True
    except NotAllowed:
        return False


def parse_day(value) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise ValueError(f"not a date (YYYY-MM-DD): {value!r}") from exc


class Figures:
    """Reads the fact table through the store; `calendar()` gives the working-day calendar."""

    def __init__(self, store, calendar, clock):
        self.store, self.calendar, self.clock = store, calendar, clock

    def today(self) -> dt.date:
        return china_date(self.clock.now())

    def filter_for(self, actor, process=None, start=None, end=None, unit=None) -> FactFilter:
        allowed = units_of(actor)
        if unit:
            if allowed is not None and unit not in allowed:
                raise NotAllowed(f"unit {unit}")
            allowed = (unit,)
        return FactFilter(process or DEMANDS, parse_day(start), parse_day(end), allowed)

    def summary(self, flt: FactFilter, dims=DIMENSIONS) -> dict:
        today = self.today()
        sums = self.store.fact_sums(flt, dims, today)
        totals = sums[""][0] if sums[""] else {s: 0 for s in SUMS + ("closed_with_deadline",)}
        out = with_rates({k: v for k, v in totals.items() if k != "key"})
        out["overdue_days"] = overdue_days(self.store.overdue_pairs(flt, today), today, self.calendar())
        out["groups"] = {d: [with_rates(g) for g in sums[d] if g["key"] is not None] for d in dims}
        return out

    def dashboard(self, actor, process=None, start=None, end=None, unit=None) -> dict:
        """Everything the dashboard and GET /stats show, counted over cases started in the period."""
        flt = self.filter_for(actor, process, start, end, unit)
        main = self.summary(flt)
        groups = main.pop("groups")
        supervision = self.summary(FactFilter("petition_supervision", flt.start, flt.end, flt.units), ("outcome",))
        days = self.summary(FactFilter("reception_day", flt.start, flt.end, None if flt.units is None else ()), ())
        visits = self.summary(FactFilter("reception_case", flt.start, flt.end, flt.units), ())
        return {
            "process": process or None, "from": _iso(flt.start), "to": _iso(flt.end), "unit": unit or None,
            "today": self.today().isoformat(), **main,
            "by_channel": _counts(groups["channel"]), "by_matter_type": _counts(groups["matter_type"]),
            "by_township": _counts(groups["township"]), "by_outcome": _counts(groups["outcome"]),
            "by_unit": _ranking(groups["unit"]),
            "trend": {"week": _series(groups["started_week"]), "month": _series(groups["started_month"])},
            "supervision": {"opened": supervision["cases"], "closed": supervision["closed"],
                            "criticised": supervision["criticised"],
                            "outcomes": _counts(supervision["groups"]["outcome"])},
            "reception": {"days_held": days["held"], "visitors": days["visitor_count"],
                          "cases": visits["cases"], "closed": visits["closed"], "closed_with_slip": visits["reply_slip"],
                          "on_time_rate": visits["on_time_rate"], "overdue": visits["overdue"]},
        }

    def cases(self, actor, figure, process=None, start=None, end=None, unit=None, dim=None, value=None,
              limit=500, after=None) -> list[dict]:
        """The cases behind one number: same filter, the figure's condition, optionally one group; newest
        first, after (started_at, instance_id) when given."""
        if figure not in DRILLS:
            raise ValueError(f"unknown figure {figure!r}")
        flt = self.filter_for(actor, process, start, end, unit)
        if dim:
            if dim not in DIMENSIONS:
                raise ValueError(f"unknown dimension {dim!r}")
            flt = flt.narrowed(**{dim: value})
        return self.store.fact_cases(flt, figure, self.today(), limit, after)


def _iso(day):
    return day.isoformat() if day else None


def _counts(groups) -> dict:
    return {g["key"]: g["cases"] for g in sorted(groups, key=lambda g: -g["cases"])}


def _series(groups) -> list[dict]:
    keep = ("cases", "closed", "on_time", "overdue", "on_time_rate", "satisfaction_rate")
    return [{"period": g["key"], **{k: g[k] for k in keep}} for g in sorted(groups, key=lambda g: g["key"])]


def _ranking(groups) -> list[dict]:
    keep = ("cases", "closed", "dispatched", "to_accept", "accepted", "returned", "on_time", "overdue", "redone", "satisfied",
            "callback", "on_time_rate", "satisfaction_rate", "acceptance_rate", "return_rate", "redo_rate")
    rows = [{"unit": g["key"], **{k: g[k] for k in keep}} for g in groups]
    return sorted(rows, key=lambda r: (-(r["on_time_rate"] or -1), -(r["satisfaction_rate"] or -1), r["unit"]))


def rebuild_facts(store) -> int:
    """Fold every case's whole event log again (a database upgraded from before the figures, or a repair)."""
    from .facts import rebuild
    rows = [rebuild(rec, store.events(rec.id)) for rec in store.list_instances(limit=10 ** 9)]
    store.put_facts([r for r in rows if r])
    return len(rows)
