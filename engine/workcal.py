"""Working-day calendar: weekends plus an editable table of holidays and make-up workdays."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

HOLIDAY, WORKDAY = "holiday", "workday"


def packaged_days() -> dict[dt.date, str]:
    """The official holidays and make-up workdays the chinese-calendar package ships."""
    from chinese_calendar.constants import holidays, workdays
    table = {d: HOLIDAY for d in holidays}
    table.update({d: WORKDAY for d in workdays})
    return table


def parse_day(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise ValueError(f"not a date (YYYY-MM-DD): {value!r}") from exc


@dataclass
class WorkCalendar:
    """`days` overrides the weekday rule; `years` are the years whose official notice is entered."""
    days: dict[dt.date, str] = field(default_factory=dict)
    years: set[int] = field(default_factory=set)

    def is_workday(self, day) -> bool:
        day = parse_day(day)
        kind = self.days.get(day)
        if kind is not None:
            return kind == WORKDAY
        return day.weekday() < 5

    def working_days_after(self, start, n: int) -> dt.date:
        """The date `n` working days after `start` (start itself not counted); n < 0 counts back."""
        day, step, left = parse_day(start), (1 if n >= 0 else -1), abs(int(n))
        while left:
            day += dt.timedelta(days=step)
            left -= self.is_workday(day)
        return day

    def next_workday(self, day) -> dt.date:
        """`day` itself when it is a working day (make-up workdays included), else the next working day."""
        day = parse_day(day)
        while not self.is_workday(day):
            day += dt.timedelta(days=1)
        return day

    def calendar_deadline(self, start, n: int) -> dt.date:
        """The last day of a period of `n` calendar days from `start` (start not counted): when it falls on
        a rest day or holiday the period ends on the next working day. n <= 0 is not a period (a same-day
        rule or a reminder counted back) and is not moved."""
        day = parse_day(start) + dt.timedelta(days=int(n))
        return self.next_workday(day) if int(n) > 0 else day

    def covers(self, day) -> bool:
        return parse_day(day).year in self.years

    def missing_years(self, *days) -> list[int]:
        """Years touched by `days` whose holiday table was never entered (weekends-only there)."""
        return sorted({parse_day(d).year for d in days} - self.years)

    @classmethod
    def from_rows(cls, rows, years) -> "WorkCalendar":
        return cls({parse_day(d): kind for d, kind in rows}, set(years))
