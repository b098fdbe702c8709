"""Injectable "now": the system clock in production, a settable one in tests and `tick --now`."""
from __future__ import annotations

import datetime as dt

CHINA = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")     # the time zone of every local date and time
FIRST_YEAR, LAST_YEAR = 1900, 2999     # the years a case's dates can fall in; beyond them a bound overflows in UTC


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.timezone.utc)


class FixedClock:
    def __init__(self, at: dt.datetime):
        self.at = at if at.tzinfo else at.replace(tzinfo=dt.timezone.utc)

    def now(self) -> dt.datetime:
        return self.at

    def advance(self, **delta) -> dt.datetime:
        self.at += dt.timedelta(**delta)
        return self.at

    def set(self, at: dt.datetime) -> None:
        self.at = at if at.tzinfo else at.replace(tzinfo=dt.timezone.utc)
