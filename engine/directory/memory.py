"""The staff part of the in-memory store: units, roles, attachments, notifications in dicts."""
from __future__ import annotations

import copy

from .snapshot import directory_changed


class MemoryStaff:
    """Mixed into MemoryStore; same contract as engine.sql.staff.SqlStaff."""

    def _staff(self) -> dict:
        if not hasattr(self, "_staff_data"):
            self._staff_data = {"units": {}, "members": {}, "files": {}, "notes": [], "reads": {}}
        return self._staff_data

    def units(self, after=None, limit=None):
        found = sorted((u for u in self._staff()["units"].values() if after is None or (u.type, u.name) > tuple(after)),
                       key=lambda u: (u.type, u.name))
        return copy.deepcopy(found[:limit])

    def put_unit(self, unit):
        self._staff()["units"][unit.name] = copy.deepcopy(unit)
        directory_changed(self)

    def members(self, unit=None, user=None):
        rows = self._staff()["members"].values()
        return copy.deepcopy(sorted((m for m in rows if unit in (None, m.unit) and user in (None, m.user)),
                                    key=lambda m: (m.unit, m.user)))

    def put_member(self, member):
        self._staff()["members"][(member.unit, member.user)] = copy.deepcopy(member)
        directory_changed(self)

    def delete_member(self, unit, user):
        self._staff()["members"].pop((unit, user), None)
        directory_changed(self)

    def ready_tasks_unstaffed(self, staffed, limit=200):
        staffed = set(staffed)
        rows = [t for t in self._tasks.values() if t.status == "ready" and not staffed & set(t.groups)]
        return copy.deepcopy(sorted(rows, key=lambda t: t.created_at)[:limit])

    def _page_rows(self, query):
        from ..work.inbox import matches, sort_key
        groups = set(query.groups)
        rows = [t for t in self._tasks.values() if t.status == "ready" and groups & set(t.groups)]
        return sorted((t for t in rows if matches(t, query)), key=sort_key)

    def task_page(self, query):
        return copy.deepcopy(self._page_rows(query)[:query.limit + 1])

    def task_counts(self, query, cap=99):
        from dataclasses import replace
        from ..work.inbox import FILTERS
        return {f: min(cap + 1, len(self._page_rows(replace(query, filter=f, after=None))))
                for f in FILTERS if f != "units"}

    def put_attachment(self, meta, content):
        self._staff()["files"][meta["id"]] = (dict(meta), bytes(content))

    def attachments(self, instance_id, before=None, limit=None):
        found = [dict(m) for m, _ in self._staff()["files"].values() if m["instance_id"] == instance_id
                 and (before is None or (m["uploaded_at"], m["id"]) < tuple(before))]
        return sorted(found, key=lambda m: (m["uploaded_at"], m["id"]), reverse=True)[:limit]

    def get_attachment(self, attachment_id):
        meta, content = self._staff()["files"].get(attachment_id, (None, None))
        return (dict(meta), content) if meta else (None, None)

    def add_notifications(self, rows):
        notes = self._staff()["notes"]
        for row in rows:
            notes.append({**row, "id": len(notes) + 1})

    def notifications(self, recipients, limit=50, before=None):
        recipients = set(recipients)
        found = [dict(n) for n in reversed(self._staff()["notes"])
                 if n["recipient"] in recipients and (before is None or n["id"] < before)][:limit]
        for n in found:
            task = self._tasks.get(n["task_id"]) if n.get("task_id") else None
            n["task_status"] = task.status if task else None
        return found

    def unread_count(self, user, recipients, cap=None):
        last, recipients = self._staff()["reads"].get(user, 0), set(recipients)
        found = sum(1 for n in self._staff()["notes"] if n["recipient"] in recipients and n["id"] > last)
        return found if cap is None else min(found, cap + 1)

    def mark_read(self, user, upto_id):
        self._staff()["reads"][user] = upto_id
