"""Staff work pages: claim, release, hand over, return, comments, attachments, cancel, notifications."""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from engine.service import Conflict, InvalidData, NotAllowed, NotFound, TaskClosed, TaskTaken

from engine.paging import split_page

from .common import actor, service
from .paging import next_page_url, web_page_args
from .security import safe_next
from .work_panels import UNREAD_CAP

bp = Blueprint("work", __name__)


def _problem(exc) -> str:
    if isinstance(exc, TaskTaken):
        return _("该任务已由 %(who)s 认领", who=exc.holder)
    if isinstance(exc, InvalidData):
        return "；".join(exc.fields.values())
    return _("该任务已被处理或已变更，无法执行此操作")


def _act(action, back: str, done: str):
    """Run one action; flash what happened; return to `back`."""
    try:
        action()
    except NotFound:
        abort(404, _("没有这个任务或案件"))
    except NotAllowed:
        abort(403, _("您不能执行此操作"))
    except (TaskTaken, InvalidData, TaskClosed, Conflict) as exc:
        flash(_problem(exc), "error")
        return redirect(back)
    flash(done, "ok")
    return redirect(back)


def _task_back(task_id):
    return url_for("inbox.task", task_id=task_id)


@bp.route("/tasks/<task_id>/claim", methods=["POST"])
@login_required
def claim(task_id):
    return _act(lambda: service().claim(task_id, actor()), _task_back(task_id), _("已认领，其他人不能再提交此任务"))


@bp.route("/tasks/<task_id>/release", methods=["POST"])
@login_required
def release(task_id):
    return _act(lambda: service().release(task_id, actor()), _task_back(task_id), _("已退回到岗位待办"))


@bp.route("/tasks/<task_id>/handover", methods=["POST"])
@login_required
def handover(task_id):
    target = request.form.get("to", "")
    kind, _sep, name = target.partition(":")
    to = {"to_user": name} if kind == "user" else {"to_unit": name}
    return _act(lambda: service().handover(task_id, actor(), request.form.get("reason", ""), **to),
                url_for("inbox.index"), _("已转派：%(to)s", to=name))


@bp.route("/tasks/<task_id>/return", methods=["POST"])
@login_required
def return_step(task_id):
    return _act(lambda: service().return_step(task_id, actor(), request.form.get("reason", "")),
                url_for("inbox.index"), _("已退回上一环节"))


@bp.route("/instances/<instance_id>/comments", methods=["POST"])
@login_required
def comment(instance_id):
    back = request.form.get("back") or url_for("cases.instance", instance_id=instance_id)
    return _act(lambda: service().add_comment(instance_id, actor(), request.form.get("text", "")),
                _safe(back), _("意见已添加"))


@bp.route("/instances/<instance_id>/attachments", methods=["POST"])
@login_required
def upload(instance_id):
    back, files = _safe(request.form.get("back") or url_for("cases.instance", instance_id=instance_id)), \
        request.files.getlist("file")
    if not any(f.filename for f in files):
        flash(_("请选择文件"), "error")
        return redirect(back)

    def add_all():
        for f in files:
            if f.filename:
                service().add_attachment(instance_id, actor(), f.filename, f.read())
    return _act(add_all, back, _("附件已上传"))


@bp.route("/instances/<instance_id>/attachments/<attachment_id>")
@login_required
def download(instance_id, attachment_id):
    from .api_staff import download as send
    try:
        return send(instance_id, attachment_id, actor())
    except NotFound:
        abort(404, _("没有这个附件"))
    except NotAllowed:
        abort(403, _("您无权下载这个附件"))


@bp.route("/instances/<instance_id>/cancel", methods=["POST"])
@login_required
def cancel(instance_id):
    return _act(lambda: service().cancel(instance_id, actor(), request.form.get("reason", "")),
                url_for("cases.instance", instance_id=instance_id), _("案件已撤销"))


@bp.route("/notifications")
@login_required
def notifications():
    """The newest first, a page at a time; opening the first page marks everything read."""
    limit, before = web_page_args((int,))
    items, cursor = split_page(service().notifications(actor(), limit + 1, before and before[0]), limit,
                               lambda n: (str(n["id"]),))
    unread = service().unread_count(actor(), UNREAD_CAP)
    if before is None:
        service().mark_read(actor())
    return render_template("notifications.html", items=items, unread=unread, first_page=before is None,
                           next_url=next_page_url(cursor))


@bp.route("/notifications/count")
@login_required
def notification_count():
    """The unread count for the header badge (frontend/pages/notices.js polls it)."""
    return jsonify({"unread": service().unread_count(actor(), UNREAD_CAP)})


def _safe(target: str) -> str:
    return safe_next(target) or url_for("inbox.index")
