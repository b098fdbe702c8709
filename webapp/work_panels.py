"""What the task and case pages show of staff work: holder, allowed actions, hand-over targets, comments,
files; and the unread notification count in the header."""
from __future__ import annotations

import datetime as dt

from flask_login import current_user

from engine.paging import split_page
from engine.service import NotAllowed

from .common import actor, service
from .paging import next_page_url, web_page_args


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
    limit, before_comment = web_page_args((int,), "comments_cursor")
    _, before_file = web_page_args((dt.datetime.fromisoformat, str), "files_cursor")
    try:
        comments, comments_next = split_page(svc.comments(rec.id, me, limit + 1, before_comment and before_comment[0]),
                                             limit, lambda c: (str(c["seq"]),))
        files, files_next = split_page(svc.attachments(rec.id, me, limit + 1, before_file), limit,
                                       lambda m: (m["uploaded_at"].isoformat(), m["id"]))
    except NotAllowed:
        comments, files, comments_next, files_next = [], [], None, None
    events = svc.store.events(rec.id)
    untouched = not any(e.type == "task_completed" for e in events)
    starter = events[0].actor if events else None
    return {"comments": comments, "files": files, "instance_id": rec.id,
            "comments_next": next_page_url(comments_next, "comments_cursor"),
            "files_next": next_page_url(files_next, "files_cursor"),
            "can_write": not me.only_auditor,
            "can_cancel": rec.status == "running" and (me.is_admin or (me.name == starter and untouched))}


UNREAD_CAP = 99     # the header shows "99+" beyond


def unread_count() -> int:
    if not current_user.is_authenticated:
        return 0
    return service().unread_count(actor(), UNREAD_CAP)


def register(app):
    app.jinja_env.globals.update(task_panel=task_panel, case_panel=case_panel, unread_count=unread_count)
