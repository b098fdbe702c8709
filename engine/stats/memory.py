"""The figures part of the in-memory store: fact rows and bulletins in dicts (twin of engine/sql/stats)."""
from __future__ import annotations

import copy

from .queries import aggregate, row_counts, row_matches


class MemoryStats:
    """Mixed into MemoryStore, which fills `_facts` in the same write as each step."""
    _facts: dict
    _bulletins: dict

    def fact(self, instance_id):
        return copy.deepcopy(self._facts.get(instance_id))

    def put_facts(self, rows):
        for row in rows:
            self._facts[row["instance_id"]] = dict(row)

    def fact_sums(self, flt, dims, today):
        return aggregate([r for r in self._facts.values() if row_matches(r, flt)], dims, today)

    def fact_cases(self, flt, figure, today, limit=500, after=None):
        rows = [r for r in self._facts.values() if row_matches(r, flt) and row_counts(r, figure, today)
                and (after is None or (r["started_at"], r["instance_id"]) < tuple(after))]
        return copy.deepcopy(sorted(rows, key=lambda r: (r["started_at"], r["instance_id"]), reverse=True)[:limit])

    def overdue_pairs(self, flt, today):
        pairs = {}
        for r in self._facts.values():
            if row_matches(r, flt) and row_counts(r, "overdue", today):
                key = (r["due_date"], r["replied_on"])
                pairs[key] = pairs.get(key, 0) + 1
        return [(due, answered, n) for (due, answered), n in pairs.items()]

    def add_bulletin(self, bulletin):
        if bulletin.no in self._bulletins:
            from ..store import Conflict
            raise Conflict(bulletin.no)
        self._bulletins[bulletin.no] = copy.deepcopy(bulletin)

    def get_bulletin(self, no):
        return copy.deepcopy(self._bulletins.get(no))

    def bulletins(self, kind=None):
        found = [b for b in self._bulletins.values() if kind in (None, b.kind)]
        return copy.deepcopy(sorted(found, key=lambda b: b.issued_at, reverse=True))

    def bulletin_count(self, kind, year):
        return sum(1 for b in self._bulletins.values() if b.kind == kind and b.year == year)
