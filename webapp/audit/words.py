"""Audit verdicts in words for the pages (translated with Flask-Babel)."""
from __future__ import annotations

from flask_babel import gettext as _

from ..display import event_label, status_label


def verdict_label(verdict: str) -> str:
    return {"on_time": _("按期"), "late": _("超期"), "open_overdue": _("未办结，已超期"),
            "open": _("未到期")}.get(verdict, verdict)


def divergence_words(state, event, task_names: dict) -> str:
    """"第 7 步（审核）重新执行结果与记录不一致：…" with what differed."""
    step = event_label(event, task_names) if event else ""
    names = lambda ids: "、".join(task_names.get(i, i) for i in ids) or _("无")   # noqa: E731
    why = []
    if state.error:
        why.append(_("无法重新执行（%(err)s）", err=state.error))
    if "status" in state.differs:
        was, now = state.differs["status"]
        why.append(_("记录的状态为%(a)s，重新执行为%(b)s", a=status_label(was or ""), b=status_label(now)))
    if "ready" in state.differs:
        was, now = state.differs["ready"]
        why.append(_("记录的待办环节为%(a)s，重新执行为%(b)s", a=names(was), b=names(now)))
    if "fields" in state.differs:
        why.append(_("字段 %(f)s 的值不同", f="、".join(state.differs["fields"])))
    return _("第 %(seq)s 步（%(step)s）重新执行结果与记录不一致：%(why)s", seq=state.seq, step=step,
             why="；".join(why) or _("结果不同"))


def access_action_label(action: str) -> str:
    return {"view": _("查看案件"), "history": _("读取记录"), "replay": _("重放"), "export": _("导出"),
            "reveal": _("显示保密信息"), "search_export": _("导出案件列表"),
            "letter": _("打印文书")}.get(action, action)


def register(app):
    app.jinja_env.globals.update(divergence_words=divergence_words, verdict_label=verdict_label,
                                 access_action_label=access_action_label)
