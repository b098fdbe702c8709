"""The reception days of a month under a row of the decision table reception_schedule (processes/
reception_schedule.dmn): one rule for the diagram's date proposal (host function `reception_days`) and for the
rota page, which plans and checks dates with it."""
from __future__ import annotations

import calendar as months
import datetime as dt


def reception_days(cal, month: str, weekday=None, which_week=0, workdays_only=False,
                   holiday_rule="keep") -> list[str]:
    """The days (YYYY-MM-DD, in order) of `month` (YYYY-MM): the `which_week`-th `weekday` (0 = Monday;
    1 the first, -1 the last), that weekday every week (`which_week` 0), or with no weekday every day (only
    working days when `workdays_only`). A day that is not a working day moves to the next or previous working
    day by `holiday_rule` (any other value keeps it)."""
    year, number = (int(part) for part in str(month)[:7].split("-"))
    last = months.monthrange(year, number)[1]
    days = [dt.date(year, number, d) for d in range(1, last + 1)]
    which = int(which_week or 0)
    if weekday is not None:
        days = [d for d in days if d.weekday() == int(weekday)]
        if which:
            if which > len(days) or which < -len(days):
                raise ValueError(f"{month} has no week {which} for weekday {weekday}")
            days = [days[which - 1 if which > 0 else which]]
    elif workdays_only:
        days = [d for d in days if cal.is_workday(d)]
    moved = []
    for day in days:
        if not cal.is_workday(day) and holiday_rule in ("next_workday", "previous_workday"):
            day = cal.working_days_after(day, 1 if holiday_rule == "next_workday" else -1)
        moved.append(day.isoformat())
    return sorted(set(moved))

