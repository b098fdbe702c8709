"""Template helpers: times in China time, labels for statuses, groups and history events."""
from __future__ import annotations

import datetime as dt
import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine.access import can_work_on
from engine.audit.documents import OUTCOMES
from engine.directory.forms import with_directory
from engine.forms import Form

from .common import actor, due_soon, get_locale_code, is_overdue, local_time, service

CASE_FIELDS = Form("case", {"type": "object", "properties": {
    "case_no": {"title": "案件编号"}, "due_date": {"title": "办理期限"},
    "outcome": {"title": "办理结果", "oneOf": [{"const": k, "title": v} for k, v in OUTCOMES.items()]},
    "assigned_on": {"title": "交办日期"}, "parent_case_no": {"title": "发起本案的原案件"},
    "origin_case_no": {"title": "原案件编号"}}}, {})
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
GROUPS = {"operators": _l("话务员"), "reviewers": _l("热线中心"), "leaders": _l("领导"),
          "petition_bureau": _l("信访局"), "supervisors": _l("督查"), "review_organ": _l("复查机关"),
          "rereview_organ": _l("复核机关"), "efficiency_office": _l("效能办"), "designers": _l("流程设计"),
          "auditors": _l("审计"), "admins": _l("管理员")}


def status_label(status: str) -> str:
    return {"running": _("办理中"), "completed": _("已办结"), "error": _("出错"),
            "cancelled": _("已撤销")}.get(status, status)


def group_label(group: str) -> str:
    if group.startswith("dept:"):                     # a unit
        return group.split(":", 1)[1]
    if group.startswith("user:"):                     # one named person
        return person_name(group.split(":", 1)[1])
    return str(GROUPS.get(group, group))


def person_name(user: str) -> str:
    return service().directory.display_names().get(user, user)


def due_rule_text(rule: str | None) -> str:
    """How a due date was counted (a task row's due_rule), next to the date: "60日（日历日，末日遇节假日顺延）"."""
    kind, _sep, days = (rule or "").partition(":")
    if kind == "CD" and days.isdigit():
        return _("%(n)s日（日历日，末日遇节假日顺延）", n=days)
    if kind == "WD" and days.isdigit():
        return _("%(n)s个工作日", n=days)
    return rule or ""


def event_label(event, task_names: dict) -> str:
    if event.type == "started":
        return _("发起")
    if event.type == "task_completed":
        return _("完成：%(task)s", task=task_names.get(event.task, event.task))
    if event.type == "timers_fired":
        return _("计时器触发：%(names)s", names="、".join(event.data.get("fired", [])))
    labels = {"linked_outcome": _("关联案件反馈"), "message_received": _("收到关联案件消息"),
              "message_unrouted": _("消息未投递"), "message_failed": _("消息投递失败"), "error": _("流程出错"),
              "retried": _("管理员重新执行"), "cancelled": _("撤销案件：%(reason)s", reason=event.data.get("reason", "")),
              "migrated": _("从第 %(a)s 版迁移到第 %(b)s 版：%(reason)s", a=event.data.get("from_version", ""),
                            b=event.data.get("to_version", ""), reason=event.data.get("reason", "")),
              "claimed": _("认领"), "released": _("取消认领"), "handed_over": _("转派"),
              "returned": _("退回"), "comment": _("意见"), "attachment_added": _("上传附件")}
    return labels.get(event.type, event.type)


def calendar_warnings(data: dict) -> list[int]:
    days = [v for k, v in data.items() if "due" in k and isinstance(v, str) and DATE.match(v)]
    return service().calendar.warnings(*days)


def with_case_fields(forms) -> list:
    """The forms a case's data is shown with: the case header first; pickers show people's and units' names."""
    directory = service().directory
    return [CASE_FIELDS, *(with_directory(form, directory) for form in forms)]


def known_fields(forms, data: dict) -> dict:
    """Only the fields some form (or the case header) names: a worker's view, without engine counters."""
    known = {k for f in with_case_fields(forms) for k in f.field_order()}
    return {k: v for k, v in data.items() if k in known}


def process_name(key: str) -> str:
    """A process as people call it (its diagram's name), not its key."""
    deployed = service().latest().get(key)
    return deployed.name if deployed is not None and deployed.name else key


def current_user_can(task_row) -> bool:
    return can_work_on(actor(), task_row.groups)


def register(app):
    app.jinja_env.filters["group_label"] = group_label

    @app.context_processor
    def helpers():
        return {"local_time": local_time, "is_overdue": is_overdue, "due_soon": due_soon, "due_rule_text": due_rule_text,
                "status_label": status_label, "event_label": event_label,
                "calendar_warnings": calendar_warnings, "current_user_can": current_user_can,
                "parse_iso": dt.datetime.fromisoformat, "lang_code": get_locale_code,
                "with_case_fields": with_case_fields, "known_fields": known_fields, "process_name": process_name,
                "person_name": person_name,
                "bundle_files": lambda key: sorted(service().current(key)[1].bundle.files)}
