"""In-app notifications: new tasks, returns, hand-overs, reminders and overdue work, with an unread count.
A notice goes to a user or to a group; a user reads both, and `mark_read` keeps one marker per user."""
from __future__ import annotations

KINDS = ("new_task", "returned", "handover", "taken_back", "reminder", "overdue")


def notice(recipient: str, kind: str, rec, row, at) -> dict:
    return {"recipient": recipient, "kind": kind, "instance_id": rec.id, "task_id": row.task_id if row else None,
            "text": f"{rec.title}：{row.title}" if row else rec.title, "at": at}


def new_task_notices(rec, rows, before, at) -> list[dict]:
    """One notice per group (or holder) of each task that was not ready before this step."""
    found = []
    for row in rows:
        if before is None or row.task_id not in before:
            found += [notice(r, "new_task", rec, row, at) for r in ([row.assignee] if row.assignee else row.groups)]
    return found


def timer_notices(rec, rows, before, at) -> list[dict]:
    """When a case's timer fires, the holders of its work that is still open hear of it: overdue or reminder."""
    found = []
    for row in rows:
        if before is not None and row.task_id in before:
            kind = "overdue" if row.due_at and row.due_at < at else "reminder"
            found += [notice(r, kind, rec, row, at) for r in ([row.assignee] if row.assignee else row.groups)]
    return found


class Notices:
    """Mixed into the service."""

    def notify(self, items, rec) -> None:
        """items: (recipient or None, kind, task row); written after the event they report."""
        at = self.now()
        self.store.add_notifications([notice(r, kind, rec, row, at) for r, kind, row in items if r])

    def notifications(self, actor, limit: int = 50, before: int | None = None) -> list[dict]:
        """Newest first; `before` the id of the last one shown: the next (older) page."""
        return self.store.notifications([actor.name, *actor.groups], limit, before)

    def unread_count(self, actor, cap: int | None = None) -> int:
        """Up to `cap` + 1 when a cap is given (the header shows "99+")."""
        return self.store.unread_count(actor.name, [actor.name, *actor.groups], cap)

    def mark_read(self, actor) -> None:
        latest = self.store.notifications([actor.name, *actor.groups], 1)
        if latest:
            self.store.mark_read(actor.name, latest[0]["id"])
