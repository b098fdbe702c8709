"""The figures for a period, unit and procedure: sums over the fact table, then rates and overdue days."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from .definitions import RATES, SUMS


@dataclass(frozen=True)
class FactFilter:
    """Cases started in [start, end] (China dates), of a procedure, of units; `where` narrows a drill-down."""
    process: str | tuple | None = None     # a procedure, or several
    start: dt.date | None = None
    end: dt.date | None = None
    units: tuple | None = None             # None: every unit; () : none
    where: tuple = field(default_factory=tuple)   # ((dimension, value), ...)

    def narrowed(self, **values) -> "FactFilter":
        return replace(self, where=self.where + tuple((k, v) for k, v in values.items() if v is not None))


def row_matches(row: dict, flt: FactFilter) -> bool:
    """The filter in Python (the in-memory store); the SQL store says the same in SQL."""
    if flt.process and row["process_key"] not in _processes(flt.process):
        return False
    if (flt.start and row["started_on"] < flt.start) or (flt.end and row["started_on"] > flt.end):
        return False
    if flt.units is not None and row["unit"] not in flt.units:
        return False
    return all(str(row.get(k)) == str(v) for k, v in flt.where)


def _processes(process) -> tuple:
    return (process,) if isinstance(process, str) else tuple(process)


def is_open_overdue(row: dict, today: dt.date) -> bool:
    return bool(row["due_date"] and row["replied_on"] is None and row["status"] == "running"
                and row["due_date"] < today)


def row_counts(row: dict, figure: str, today: dt.date) -> bool:
    """Whether a case counts in a figure (the drill-down from a number to its cases)."""
    if figure == "cases":
        return True
    if figure == "open_overdue":
        return is_open_overdue(row, today)
    if figure == "overdue":
        return bool(row["late"]) or is_open_overdue(row, today)
    if figure == "closed_with_deadline":
        return bool(row["closed"] and row["has_deadline"])
    if figure == "open":
        return row["status"] == "running"
    return bool(row.get(figure))


def aggregate(rows, dims, today: dt.date) -> dict:
    """{"": [totals], dim: [{"key": value, sums...}]} over fact rows (Python twin of the SQL query)."""
    out = {"": {}} | {d: {} for d in dims}
    for row in rows:
        extra = {"cases": 1, "open_overdue": int(is_open_overdue(row, today))}
        for dim in ("",) + tuple(dims):
            key = row.get(dim) if dim else ""
            key = key.isoformat() if isinstance(key, dt.date) else key
            sums = out[dim].setdefault(key, {"key": key, **{s: 0 for s in SUMS}, "closed_with_deadline": 0})
            for s in SUMS:
                sums[s] += extra[s] if s in extra else (row.get(s) or 0)
            sums["closed_with_deadline"] += int(row["closed"] and row["has_deadline"])
    return {dim: list(groups.values()) for dim, groups in out.items()}


def rates(sums: dict) -> dict:
    """Rates in percent (one decimal), None when nothing was there to count."""
    found = {}
    for name, (num, den, _label) in RATES.items():
        found[name] = round(100.0 * sums[num] / sums[den], 1) if sums.get(den) else None
    found["accept_hours"] = round(sums["accept_minutes"] / 60 / sums["accepted"], 1) if sums.get("accepted") else None
    return found


def overdue_days(pairs, today: dt.date, calendar) -> int:
    """Working days past the deadline: answered late (answer day) or still open (today), summed."""
    pairs = [(due, answered or today, count) for due, answered, count in pairs if due]
    if not pairs:
        return 0
    first = min(due for due, _, _ in pairs)
    ordinal = workday_ordinals(calendar, first, max(end for _, end, _ in pairs))
    return sum(count * max(0, ordinal[end] - ordinal[due]) for due, end, count in pairs)


def workday_ordinals(calendar, first: dt.date, last: dt.date) -> dict:
    """{day: working days after `first` up to and including day}: one pass over the calendar, then O(1) a pair."""
    out, count, day = {first: 0}, 0, first
    while day < last:
        day += dt.timedelta(days=1)
        count += calendar.is_workday(day)
        out[day] = count
    return out


def workdays_between(calendar, start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    return workday_ordinals(calendar, start, end)[end] if end > start else 0


def with_rates(sums: dict) -> dict:
    overdue = sums["late"] + sums["open_overdue"]
    return {**sums, "overdue": overdue, **rates(sums)}
