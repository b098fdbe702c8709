"""The worklist and the task page: see a task, fill in its form, submit it."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from markupsafe import Markup, escape

from engine.access import can_work_on
from engine.forms import coerce
from engine.clock import CHINA
from engine.letters import letters
from engine.service import (Conflict, InvalidData, NotAllowed, NotFound, ProcessError, TaskClosed, TaskTaken)

from engine.work.inbox import BadQuery, working_days_left

from .audit.casepage import task_context
from .common import actor, get_locale_code, service
from .confirm import next_step
from .uploads import split_files

bp = Blueprint("inbox", __name__)


@bp.route("/")
@login_required
def index():
    args = request.args
    try:
        query = service().task_query(actor(), args.get("filter") or "all", args.get("process"), args.get("q"),
                                     50, args.get("cursor"))
    except BadQuery:
        abort(400, _("无效的筛选条件"))
    tasks, cursor = service().inbox_page(query)
    return render_template("inbox.html", tasks=tasks, next_cursor=cursor, query=query,
                           counts=service().inbox_counts(query), days_left=_days_left,
                           processes=[d for d, _can in service().processes(actor())])


def _days_left(due, rule=None):
    """(days to the due day, "calendar" or "working"): calendar days where the deadline was counted in them
    (a due rule "CD:60", the petition rules' 日), else working days; many tasks of a page share a due day, each
    is worked out once."""
    if due is None:
        return None, "working"
    day = due.astimezone(CHINA).date()
    if (rule or "").startswith("CD:"):
        return (day - service().now().astimezone(CHINA).date()).days, "calendar"
    memo = g.setdefault("days_left", {})
    if day not in memo:
        memo[day] = working_days_left(service().calendar.current(), due, service().now())
    return memo[day], "working"


def _detail(task_id):
    try:
        return service().task(task_id, actor())
    except NotFound:
        abort(404, _("没有这个任务"))
    except NotAllowed:
        abort(403, _("这不是您的任务"))


@bp.route("/tasks/<task_id>")
@login_required
def task(task_id):
    detail = _detail(task_id)
    return _page(detail, detail.values, {}, carried=detail.carried)   # a repeated task's old answers left out


def _typed(detail):
    """What the user typed, over the case data for fields this form does not show."""
    shown = set(detail.form.field_order())
    return {**{k: v for k, v in detail.data.items() if k not in shown}, **coerce(detail.form, request.form)}


def _page(detail, values, errors, status=200, kept=False, carried=()):
    """`carried`: fields showing the previous run's answer (x-carryOver), marked as such on a fresh page."""
    excluded = service().excluded(detail.row, detail.instance)     # e.g. the absent leader's own absence
    can_work = can_work_on(actor(), detail.row.groups, excluded) and detail.row.assignee in (None, actor().name)
    return render_template("task.html", detail=detail, values=values, errors=errors, can_work=can_work,
                           lang=get_locale_code(), context=task_context(detail), kept=kept,
                           carried=list(carried)), status


def _issued_by_step(before, after) -> None:
    """Name the letters the step just issued (a 受理告知书 once its number is entered ...), with their print links."""
    def seen(x):           # a letter issued anew: another number, addressee or date (a redo, a re-dispatch)
        return x.kind, x.number, x.addressee, x.date
    issued = {seen(x) for x in letters(before.process_key, before.data, service().directory)}
    new = [x for x in letters(after.process_key, after.data, service().directory) if seen(x) not in issued]
    hidden = service().hidden_fields(after, actor()) if any(x.personal for x in new) else set()
    links = [Markup('<a href="{}">{}</a>').format(url_for("cases.letter", instance_id=after.id, kind=x.kind), x.title)
             for x in new if not hidden.intersection(x.personal)]
    if links:
        flash(escape(_("本步已生成文书：%(links)s")) % {"links": Markup("、").join(links)}, "info")


@bp.route("/tasks/<task_id>", methods=["POST"])
@login_required
def submit(task_id):
    detail = _detail(task_id)
    posted, uploads = split_files(detail.form, request.form, request.files)
    try:
        if uploads and detail.row.status == "ready":
            for field, entries in service().attach_uploads(detail.instance.id, actor(), uploads).items():
                posted.setlist(field, posted.getlist(field) + entries)
        rec = service().complete(task_id, posted, actor(), form_post=True, lang=get_locale_code())
    except InvalidData as exc:
        flash(_("请修改标红的字段后再提交"), "error")
        return _page(detail, _typed(detail), exc.fields, 422)
    except TaskTaken as exc:
        flash(_("该任务已由 %(who)s 认领，您填写的内容未提交，保留在下方", who=exc.holder), "error")
        return _page(_detail(task_id), _typed(detail), {}, 409, kept=True)
    except (TaskClosed, Conflict):
        flash(_("该任务已被处理或已变更，您填写的内容未提交，保留在下方"), "error")
        return _page(_detail(task_id), _typed(detail), {}, 409, kept=True)
    except NotAllowed:
        abort(403, _("这不是您的任务"))
    except ProcessError as exc:
        flash(_("流程执行出错，提交未保存：%(msg)s", msg=str(exc)), "error")
        return _page(detail, _typed(detail), {}, 422)
    message, target = next_step(rec, detail.row.title)
    flash(message, "ok")
    _issued_by_step(detail.instance, rec)
    if target:
        return redirect(url_for("inbox.task", task_id=target))
    return redirect(url_for("cases.instance", instance_id=rec.id) if rec.status != "running"
                    else url_for("inbox.index"))
