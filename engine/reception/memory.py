"""The rota in the in-memory store (same contract as engine/sql/rota.py)."""
from __future__ import annotations

import copy


class MemoryRota:
    def _rota(self) -> dict:
        if not hasattr(self, "_rota_rows"):
            self._rota_rows = {}
        return self._rota_rows

    def rota_entries(self, after=None, limit=50):
        rows = sorted(self._rota().values(), key=lambda e: (e.reception_date, e.id))
        if after:
            rows = [e for e in rows if (e.reception_date, e.id) > tuple(after)]
        return copy.deepcopy(rows[:limit])

    def get_rota_entry(self, entry_id):
        return copy.deepcopy(self._rota().get(entry_id))

    def rota_days(self, variant):
        return {e.reception_date for e in self._rota().values() if e.variant == variant}

    def add_rota_entries(self, entries):
        from .rota import RotaError
        with self._lock:
            taken = {(e.variant, e.reception_date) for e in self._rota().values()}
            wanted = [(e.variant, e.reception_date) for e in entries]
            if taken & set(wanted) or len(set(wanted)) < len(wanted):
                raise RotaError("this reception already has a leader on the rota",
                                {"reception_date": "this reception already has a leader on the rota"})
            ids = []
            for entry in entries:
                entry = copy.deepcopy(entry)
                entry.id = 1 + max(self._rota(), default=0)
                self._rota()[entry.id] = entry
                ids.append(entry.id)
            return ids

    def delete_rota_entry(self, entry_id):
        self._rota().pop(entry_id, None)

    def due_rota_entries(self, today, limit=50):
        rows = [e for e in self._rota().values()
                if e.instance_id is None and e.start_on <= today <= e.reception_date]
        return copy.deepcopy(sorted(rows, key=lambda e: (e.reception_date, e.id))[:limit])

    def claim_rota_entry(self, entry_id, token):
        with self._lock:
            entry = self._rota().get(entry_id)
            if entry is None or entry.instance_id is not None:
                return False
            entry.instance_id = token
            return True

    def set_rota_instance(self, entry_id, token, instance_id):
        with self._lock:
            entry = self._rota().get(entry_id)
            if entry is not None and entry.instance_id == token:
                entry.instance_id = instance_id
