"""The worklist as a paged query: filters, search, counts per filter, keyset cursor, working days left."""
from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass

from ..clock import CHINA

FILTERS = ("all", "mine", "claimed", "units", "overdue", "due_soon")


class BadQuery(ValueError):
    pass


@dataclass
class TaskQuery:
    """What a store needs to answer one worklist page; `groups` already narrowed for the filter."""
    groups: list[str]
    user: str
    filter: str = "all"
    process: str | None = None
    q: str | None = None
    now: dt.datetime | None = None
    soon: dt.datetime | None = None        # end of the second working day from today
    instance: str | None = None
    limit: int = 50
    after: tuple | None = None             # (due_at iso or None, created_at iso, task_id) of the last row shown
    big: bool | None = None                # the SQL store: whether the groups hold many ready tasks (once)


def encode_cursor(row) -> str:
    key = [row.due_at.isoformat() if row.due_at else None, row.created_at.isoformat(), row.task_id]
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def decode_cursor(text: str | None):
    if not text:
        return None
    try:
        due, created, task_id = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        return (dt.datetime.fromisoformat(due) if due else None, dt.datetime.fromisoformat(created), str(task_id))
    except (ValueError, TypeError):
        raise BadQuery("cursor") from None


def sort_key(row):
    far = dt.datetime.max.replace(tzinfo=dt.timezone.utc)
    return (row.due_at is None, row.due_at or far, row.created_at or far, row.task_id)


def matches(row, query: TaskQuery) -> bool:
    """The filter in Python (memory store), the same as the SQL store's WHERE."""
    f, due = query.filter, row.due_at
    if query.process and row.process_key != query.process or query.instance and row.instance_id != query.instance:
        return False
    if query.q and query.q not in (row.case_title or "") and query.q not in (row.title or ""):
        return False
    if query.after and sort_key(row) <= (query.after[0] is None, query.after[0] or dt.datetime.max.replace(
            tzinfo=dt.timezone.utc), query.after[1], query.after[2]):
        return False
    return {"mine": row.assignee in (None, query.user), "claimed": row.assignee == query.user,
            "overdue": bool(due and due < query.now),
            "due_soon": bool(due and query.now <= due <= query.soon)}.get(f, True)


def working_days_left(calendar, due: dt.datetime | None, now: dt.datetime) -> int | None:
    """Working days from today to the due day (0 = due today, negative = overdue by that many)."""
    if due is None:
        return None
    today, day = now.astimezone(CHINA).date(), due.astimezone(CHINA).date()
    step, count, cursor = (1, 0, today) if day >= today else (-1, 0, today)
    while cursor != day and abs(count) < 400:
        cursor += dt.timedelta(days=step)
        if calendar.is_workday(cursor):
            count += step
    return count


class Worklist:
    """Mixed into the service: the inbox page and its counts."""

    def task_query(self, actor, filter_="all", process=None, q=None, limit=50, cursor=None, instance=None):
        if filter_ not in FILTERS:
            raise BadQuery("filter")
        groups = sorted(actor.groups)
        if filter_ == "units":
            unit_groups = {u.group for u in self.directory.units()}
            groups = [g for g in groups if g in unit_groups]
        now = self.now()
        today = now.astimezone(CHINA).date()
        soon_day = self.calendar.current().working_days_after(today, 2)
        soon = dt.datetime.combine(soon_day, dt.time(23, 59, 59), CHINA)
        return TaskQuery(groups, actor.name, filter_, process or None, (q or "").strip() or None, now, soon,
                         instance, max(1, min(int(limit), 500)), decode_cursor(cursor))

    def inbox_page(self, query: TaskQuery):
        """(rows, next cursor or None)."""
        rows = self.store.task_page(query)
        more = len(rows) > query.limit
        rows = rows[:query.limit]
        return rows, (encode_cursor(rows[-1]) if more and rows else None)

    def inbox_counts(self, query: TaskQuery) -> dict[str, int]:
        return self.store.task_counts(query)
