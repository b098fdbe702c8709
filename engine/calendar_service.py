"""The working-day calendar kept in the store: seeding, edits, imports, and the cached table."""
from __future__ import annotations

import datetime as dt
import json
import time

from .workcal import HOLIDAY, WORKDAY, WorkCalendar, packaged_days, parse_day

PACKAGE_SOURCE = "chinese-calendar package"


FIRST_YEAR, LAST_YEAR = 1949, 2200


def check_year(value) -> int:
    """A calendar year this table can hold; ValueError otherwise (not 1e400, -5 or "2027x")."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not FIRST_YEAR <= value <= LAST_YEAR:
        raise ValueError(f"year must be a whole number from {FIRST_YEAR} to {LAST_YEAR}")
    return value


# Every change bumps a revision in the shared `counters` table (a window no pruning reaches), so each app
# node and worker, which keep the table in memory, reload it within REVISION_CHECK seconds of a change made
# on another node.
REVISION_KEY, REVISION_WINDOW, REVISION_CHECK = "calendar:revision", 2**31 - 1, 1.0


class CalendarService:
    def __init__(self, store):
        self.store = store
        self._cached: WorkCalendar | None = None
        self._revision, self._checked = None, 0.0

    def current(self) -> WorkCalendar:
        now = time.monotonic()
        if self._cached is None or now - self._checked >= REVISION_CHECK:
            revision = self.store.counter(REVISION_KEY, REVISION_WINDOW)      # read before the rows
            if self._cached is None or revision != self._revision:
                self._cached = WorkCalendar.from_rows(self.store.calendar_days(), self.store.calendar_years())
                self._revision = revision
            self._checked = now
        return self._cached

    def _changed(self):
        self.store.hit_counter(REVISION_KEY, REVISION_WINDOW)
        self._cached = None

    def seed_from_package(self) -> int:
        """Load the packaged holiday table for the years not entered yet; returns days added."""
        known = self.store.calendar_years()
        table = {d: k for d, k in packaged_days().items() if d.year not in known}
        self.store.set_calendar_days(table)
        for year in sorted({d.year for d in table}):
            self.store.add_calendar_year(year, PACKAGE_SOURCE)
        self._changed()
        return len(table)

    def set_day(self, day, kind: str | None) -> None:
        if kind not in (HOLIDAY, WORKDAY, None):
            raise ValueError(f"kind must be {HOLIDAY} or {WORKDAY}")
        day = parse_day(day)
        check_year(day.year)
        self.store.set_calendar_days({day: kind})
        self._changed()

    def import_year(self, text: str, source: str = "import") -> tuple[int, int]:
        """Enter one year's official notice: JSON {"year": 2027, "holidays": [...], "workdays": [...]}."""
        try:
            notice = json.loads(text)
        except RecursionError as exc:
            raise ValueError("JSON nested too deeply") from exc
        if not isinstance(notice, dict):
            raise ValueError('expected {"year": ..., "holidays": [...], "workdays": [...]}')
        year = check_year(notice.get("year"))
        days = {parse_day(d): HOLIDAY for d in notice.get("holidays", [])}
        days.update({parse_day(d): WORKDAY for d in notice.get("workdays", [])})
        wrong = [d.isoformat() for d in days if d.year != year]
        if wrong:
            raise ValueError(f"dates outside {year}: {', '.join(wrong)}")
        existing = {d: None for d, _ in self.store.calendar_days() if d.year == year}
        self.store.set_calendar_days({**existing, **days})
        self.store.add_calendar_year(year, source)
        self._changed()
        return year, len(days)

    def due(self, start, days: int) -> dt.date:
        return self.current().working_days_after(start, days)

    def warnings(self, *days) -> list[int]:
        """Years among `days` with no official table: counted as weekends only."""
        return self.current().missing_years(*[d for d in days if d])
