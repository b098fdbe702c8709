"""The audit store for the in-memory InstanceStore: the same search and log, in lists (tests, demos)."""
from __future__ import annotations

import copy
import datetime as dt
from dataclasses import replace

from .search import CaseQuery, case_no_range


class MemoryAuditStore:
    def __init__(self, store):
        self.store = store
        self.entries = []

    def search(self, query: CaseQuery):
        rows = [r for r in self.store._instances.values() if _matches(r, query, self.store)]
        col = query.column
        if query.sort == "due":
            rows = [r for r in rows if r.due_at]
        far = dt.datetime.min.replace(tzinfo=dt.timezone.utc)
        key = lambda r: (getattr(r, col) or far, r.id)   # noqa: E731
        rows.sort(key=key, reverse=query.descending)
        if query.after is not None:
            after = (query.after[0] or far, query.after[1])
            rows = [r for r in rows if (key(r) < after if query.descending else key(r) > after)]
        return [replace(copy.deepcopy(r), state="", data={}) for r in rows[:query.limit + 1]]

    def log_access(self, entry):
        self.entries.append(replace(entry, id=len(self.entries) + 1))

    def access_entries(self, limit=100, before_id=None, instance_id=None):
        found = [e for e in reversed(self.entries) if (before_id is None or e.id < before_id)
                 and instance_id in (None, e.instance_id)]
        return copy.deepcopy(found[:limit])


def _matches(r, q: CaseQuery, store) -> bool:
    checks = [not q.process or r.process_key == q.process, not q.status or r.status == q.status,
              not q.unit or r.unit == q.unit, not q.date_from or r.created_at >= q.date_from,
              not q.date_to or r.created_at < q.date_to]
    if q.overdue is not None:
        overdue = r.late or (r.status == "running" and r.due_at is not None and r.due_at < q.now)
        checks.append(overdue == q.overdue)
    if q.q:
        span = case_no_range(q.q)
        checks.append(span[0] <= r.case_no < span[1] if span else q.q in (r.title or ""))
    if q.visible_to is not None:
        checks.append(bool(store.instance_groups(r.id) & set(q.visible_to)))
    return all(checks)
