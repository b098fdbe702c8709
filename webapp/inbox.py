"""The worklist and the task page: see a task, fill in its form, submit it."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from engine.forms import coerce, defaults
from engine.service import (Conflict, InvalidData, NotAllowed, NotFound, ProcessError, TaskClosed)

from .audit.casepage import task_context
from .common import actor, get_locale_code, service

bp = Blueprint("inbox", __name__)


@bp.route("/")
@login_required
def index():
    return render_template("inbox.html", tasks=service().inbox(actor()))


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
    shown = {k: v for k, v in detail.data.items() if k not in detail.masked and v is not None}
    return _page(detail, {**defaults(detail.form), **shown}, {})


def _typed(detail):
    """What the user typed, over the case data for fields this form does not show."""
    shown = set(detail.form.field_order())
    return {**{k: v for k, v in detail.data.items() if k not in shown}, **coerce(detail.form, request.form)}


def _page(detail, values, errors, status=200):
    can_work = bool(actor().groups & set(detail.row.groups))
    return render_template("task.html", detail=detail, values=values, errors=errors, can_work=can_work,
                           lang=get_locale_code(), context=task_context(detail)), status


@bp.route("/tasks/<task_id>", methods=["POST"])
@login_required
def submit(task_id):
    detail = _detail(task_id)
    try:
        rec = service().complete(task_id, request.form, actor(), form_post=True, lang=get_locale_code())
    except InvalidData as exc:
        flash(_("请修改标红的字段后再提交"), "error")
        return _page(detail, _typed(detail), exc.fields, 422)
    except (TaskClosed, Conflict):
        flash(_("该任务已被处理或已变更，请刷新待办列表"), "error")
        return redirect(url_for("inbox.index"))
    except NotAllowed:
        abort(403, _("这不是您的任务"))
    except ProcessError as exc:
        flash(_("流程执行出错，提交未保存：%(msg)s", msg=str(exc)), "error")
        return _page(detail, _typed(detail), {}, 422)
    flash(_("已提交：%(task)s", task=detail.row.title), "ok")
    return redirect(url_for("cases.instance", instance_id=rec.id) if rec.status != "running"
                    else url_for("inbox.index"))
