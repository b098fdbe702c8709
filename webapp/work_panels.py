"""What the task and case pages show of staff work: holder, allowed actions, hand-over targets, comments,
files; and the unread notification count in the header."""
from __future__ import annotations

from flask_login import current_user

from engine.service import NotAllowed

from .common import actor, service


def task_panel(detail) -> dict:
    me, row, svc = actor(), detail.row, service()
    ready, mine = row.status == "ready", bool(me.groups & set(row.groups))
    boss = svc._may_take_back(me, row)
    free_hand = ready and (mine and row.assignee in (None, me.name) or boss)
    colleagues = [n for g in row.groups for n in svc.directory.group_members(g) if n != me.name]
    units = [u.name for u in svc.directory.choosable(svc._handover_types(detail.instance, row))
             if u.group not in row.groups] if free_hand else []
    return {"holder": row.assignee, "can_claim": ready and mine and not row.assignee,
            "can_release": ready and row.assignee and (row.assignee == me.name or boss),
            "taken": bool(row.assignee and row.assignee != me.name),
            "can_hand_over": free_hand and bool(colleagues or units),
            "colleagues": sorted(set(colleagues)), "units": units,
            "can_return": free_hand and svc.can_return(detail), **case_panel(detail.instance)}


def case_panel(rec) -> dict:
    me, svc = actor(), service()
    try:
        comments, files = svc.comments(rec.id, me), svc.attachments(rec.id, me)
    except NotAllowed:
        comments, files = [], []
    events = svc.store.events(rec.id)
    untouched = not any(e.type == "task_completed" for e in events)
    starter = events[0].actor if events else None
    return {"comments": comments, "files": files, "instance_id": rec.id,
            "can_write": not me.only_auditor,
            "can_cancel": rec.status == "running" and (me.is_admin or (me.name == starter and untouched))}


UNREAD_CAP = 99     # the header shows "99+" beyond


def unread_count() -> int:
    if not current_user.is_authenticated:
        return 0
    return service().unread_count(actor(), UNREAD_CAP)


def register(app):
    app.jinja_env.globals.update(task_panel=task_panel, case_panel=case_panel, unread_count=unread_count)
