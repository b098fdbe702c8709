"""The confirmation after a step: what happens next, to whom, by when; and the next task if it is the user's."""
from __future__ import annotations

from flask_babel import gettext as _

from .common import actor, local_time, service
from .display import group_label


def next_step(rec, done_title: str) -> tuple[str, str | None]:
    """(message, id of the next task the same user holds or may take, or None)."""
    if rec.status != "running":
        return _("已提交：%(task)s。案件已办结。", task=done_title), None
    rows, me = service().ready_tasks(rec.id), actor()
    parts = []
    for row in rows:
        who = "、".join(group_label(g) for g in row.groups)
        text = _("%(task)s（%(who)s）", task=row.title, who=who)
        if row.due_at:
            text += _("，办理期限 %(due)s", due=local_time(row.due_at, "%Y-%m-%d"))
        parts.append(text)
    message = _("已提交：%(task)s。下一步：%(next)s", task=done_title, next="；".join(parts) or _("等待计时器或关联案件"))
    mine = next((r.task_id for r in rows if me.groups & set(r.groups) and r.assignee in (None, me.name)), None)
    return message, mine
