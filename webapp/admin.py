"""Administration: the holiday and make-up workday table; retrying, moving to a fixed version or cancelling
a stuck case."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine.calendar_service import check_year
from engine.repair import NotMovable
from engine.service import InvalidData, NotFound, NotRepairable, ProcessError, TaskClosed
from engine.workcal import parse_day

from .common import actor, get_locale_code, requires, service

bp = Blueprint("admin", __name__, url_prefix="/admin")


admin_only = requires(lambda who: who.is_admin, _l("仅管理员可用"))


@bp.route("/calendar")
@admin_only
def calendar():
    try:
        year = check_year(request.args.get("year") or service().now().year)
    except ValueError as exc:
        abort(400, str(exc))
    cal = service().calendar.current()
    days = [(d, k) for d, k in service().store.calendar_days() if d.year == year]
    return render_template("admin_calendar.html", year=year, days=days, covered=cal.covers(dt.date(year, 1, 1)),
                           years=sorted(cal.years))


@bp.route("/calendar", methods=["POST"])
@admin_only
def calendar_set():
    try:
        day = parse_day(request.form.get("day", ""))
        kind = request.form.get("kind") or None
        if kind == "weekday_rule":
            kind = None
        service().calendar.set_day(day, kind)
    except ValueError as exc:
        flash(_("无效的输入：%(msg)s", msg=str(exc)), "error")
        return redirect(url_for("admin.calendar"))
    flash(_("已保存 %(day)s", day=day.isoformat()), "ok")
    return redirect(url_for("admin.calendar", year=day.year))


@bp.route("/calendar/import", methods=["POST"])
@admin_only
def calendar_import():
    upload = request.files.get("notice")
    try:
        text = upload.read(200_000).decode("utf-8") if upload else request.form.get("notice", "")
        year, count = service().calendar.import_year(text, source=f"imported by {actor().name}")
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        flash(_("导入失败：%(msg)s", msg=str(exc)), "error")
        return redirect(url_for("admin.calendar"))
    flash(_("已导入 %(year)s 年：%(n)s 天", year=year, n=count), "ok")
    return redirect(url_for("admin.calendar", year=year))


@bp.route("/cases/<instance_id>/retry", methods=["POST"])
@admin_only
def case_retry(instance_id):
    return _repair(instance_id, lambda: service().retry(instance_id, actor()), _("已重新执行"))


@bp.route("/cases/<instance_id>/cancel", methods=["POST"])
@admin_only
def case_cancel(instance_id):
    reason = request.form.get("reason", "").strip()
    return _repair(instance_id, lambda: service().cancel(instance_id, actor(), reason), _("案件已撤销"))


@bp.route("/cases/<instance_id>/move", methods=["POST"])
@admin_only
def case_move(instance_id):
    version, reason = request.form.get("version", type=int), request.form.get("reason", "")
    return _repair(instance_id, lambda: service().move_to_version(instance_id, actor(), version or 0, reason),
                   _("已迁移到第 %(v)s 版并重新执行", v=version))


def _repair(instance_id, action, done_message):
    try:
        action()
        flash(done_message, "ok")
    except NotFound:
        abort(404, _("没有这个案件"))
    except NotMovable as exc:
        flash(_("无法迁移：%(msg)s", msg=exc.zh if get_locale_code() == "zh" else exc.en), "error")
    except (NotRepairable, TaskClosed, InvalidData) as exc:
        flash(_("无法处置：%(msg)s", msg=str(exc)), "error")
    except ProcessError as exc:
        flash(_("重新执行仍然出错（已记录）：%(msg)s", msg=str(exc)), "error")
    return redirect(url_for("cases.instance", instance_id=instance_id))
