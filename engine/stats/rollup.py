"""Running totals kept beside the fact rows, so a year of a large city sums a few thousand rows, not a million.

`fact_daily` holds, per (procedure, start day, unit, channel), the sums of every fact column; `fact_counts`
holds, per (procedure, start day, dimension, value), how many cases have that value (one unit's counts come
from its own fact rows, found by the unit index). After each step the
store adds the new row's numbers and subtracts the old row's (a case may change unit, channel or outcome)."""
from __future__ import annotations

from .definitions import SUMS

DAILY_KEY = ("process_key", "started_on", "unit", "channel")
DAILY_SUMS = tuple(s for s in SUMS if s != "open_overdue") + ("closed_with_deadline",)
COUNT_DIMS = ("matter_type", "township", "outcome")
COUNT_KEY = ("process_key", "started_on", "dim", "value")


def _vector(row: dict) -> dict:
    out = {s: int(row.get(s) or 0) for s in DAILY_SUMS}
    out["cases"] = 1
    out["closed_with_deadline"] = int(bool(row.get("closed") and row.get("has_deadline")))
    return out


def _daily_key(row: dict) -> tuple:
    return tuple(row[k] if k == "started_on" else (row.get(k) or "") for k in DAILY_KEY)


def daily_deltas(old: dict | None, new: dict) -> list[dict]:
    """Rows to add to fact_daily (negative numbers take the old row's share away)."""
    changes: dict[tuple, dict] = {}
    for row, sign in ((old, -1), (new, 1)):
        if row is None:
            continue
        acc = changes.setdefault(_daily_key(row), {s: 0 for s in DAILY_SUMS})
        for s, v in _vector(row).items():
            acc[s] += sign * v
    # in key order, so that two steps touching the same totals lock them in the same order (no deadlock)
    return [{**dict(zip(DAILY_KEY, key)), **sums} for key, sums in sorted(changes.items(), key=_order)
            if any(sums.values())]


def count_deltas(old: dict | None, new: dict) -> list[dict]:
    """Rows to add to fact_counts: -1 where the case was counted, +1 where it is now."""
    changes: dict[tuple, int] = {}
    for row, sign in ((old, -1), (new, 1)):
        if row is None:
            continue
        for dim in COUNT_DIMS:
            key = (row["process_key"], row["started_on"], dim, str(row.get(dim) or ""))
            changes[key] = changes.get(key, 0) + sign
    return [{**dict(zip(COUNT_KEY, key)), "n": n} for key, n in sorted(changes.items(), key=_order) if n]


def _order(item) -> tuple:
    return tuple(str(part) for part in item[0])
