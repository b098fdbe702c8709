"""The reception rota page (领导接访日程安排表) for the petition bureau and admins: list, add, plan by the rules,
remove, import."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine.clock import FIRST_YEAR, LAST_YEAR
from engine.reception import LEAD_DAYS, MAX_PLAN_MONTHS, Rota, RotaError, import_csv
from engine.reception.rota import rota_cursor

from .common import requires, service

bp = Blueprint("rota", __name__, url_prefix="/admin")
bureau_or_admin = requires(lambda who: who.is_admin or "petition_bureau" in who.groups, _l("仅信访局和管理员可用"))
FIELD_LABELS = {"variant": _l("接访制度"), "reception_date": _l("接访日期"), "leader": _l("接访领导"),
                "convener": _l("第一召集人"), "leader_title": _l("职务"), "note": _l("备注"), "id": _l("轮值记录"),
                "first_month": _l("起始月份"), "months": _l("月数"), "leaders": _l("轮值领导"),
                "special": _l("特殊安排"), "": _l("轮值表")}
REASONS = {"unknown reception rules": _l("不是已部署的接访制度"), "a date YYYY-MM-DD": _l("日期格式为 YYYY-MM-DD"),
           "not an active leader of the directory": _l("不是组织机构中在岗的领导人员"), "too long": _l("太长"),
           "this reception already has a leader on the rota": _l("该接访日已排有接访领导"),
           "no such rota entry": _l("没有这条轮值记录"), "unknown": _l("没有这条轮值记录"),
           "this reception day has already been started": _l("该接访日已经建立，不能删除"),
           "started": _l("该接访日已经建立，不能删除"), "the day has passed": _l("该日期已过"),
           "not a reception day under these rules": _l("不是该接访制度的接访日"),
           "a special arrangement needs its reason": _l("特殊安排须在备注中写明理由"),
           "a month YYYY-MM": _l("月份格式为 YYYY-MM"), f"1 to {MAX_PLAN_MONTHS} months": _l("1 至 12 个月"),
           "choose the leaders": _l("请选择参加轮值的领导"), "past the calendar's last year": _l("超出日历的年份范围"),
           f"a date in the years {FIRST_YEAR} to {LAST_YEAR}": _l("日期须在 %(first)s—%(last)s 年之间", first=FIRST_YEAR,
                                                                  last=LAST_YEAR),
           "1 or empty": _l("填 1 或留空"), "not a CSV row": _l("不是有效的 CSV 行（例如单元格过长）"),
           "the same reception twice in the file": _l("文件中同一接访日出现两次")}
WEEKDAYS = (_l("星期一"), _l("星期二"), _l("星期三"), _l("星期四"), _l("星期五"), _l("星期六"), _l("星期日"))


def _page(rota: Rota, errors=None, form=None, status=200):
    after = rota_cursor(request.args.get("after"))
    entries, next_cursor = rota.page(after, 50)
    users = {u.name: (u.display_name or u.name) for u in service().store.users()}
    return render_template("admin_rota.html", entries=entries, next_cursor=next_cursor, after=after,
                           variants=rota.variants, rules={v: describe(rota.rules(v)) for v in rota.variants},
                           leaders=rota.leaders(), users=users, lead_days=LEAD_DAYS, max_months=MAX_PLAN_MONTHS,
                           today=rota.today, errors=errors or {}, form=form or {}, labels=FIELD_LABELS), status


def describe(rule: dict) -> str:
    """A variant's rules in words: 每月最后一个星期五 09:00–11:00，局接访室；遇节假日提前到前一个工作日."""
    weekday, which = rule.get("weekday"), rule.get("which_week") or 0
    if weekday is None:
        when = _("每个工作日") if rule.get("workdays_only") else _("每天")
    elif weekday not in range(7) or not isinstance(which, int):      # a table a designer left half done
        when = _("（日期规则不完整）")
    elif not which:
        when = _("每周%(day)s", day=WEEKDAYS[weekday])
    elif which == -1:
        when = _("每月最后一个%(day)s", day=WEEKDAYS[weekday])
    else:
        when = _("每月第%(n)s个%(day)s", n=which, day=WEEKDAYS[weekday])
    hours = "–".join(t for t in (rule.get("start_time"), rule.get("end_time")) if t)
    holiday = {"next_workday": _("遇节假日顺延到下一个工作日"),
               "previous_workday": _("遇节假日提前到前一个工作日")}.get(rule.get("holiday_rule"))
    return _("，").join(part for part in (f"{when} {hours}".strip(), rule.get("location"), holiday) if part)


def _explain(fields: dict) -> dict:
    return {k: str(REASONS.get(v, v)) for k, v in fields.items()}


def _problem_words(line: int, fields: dict) -> str:
    """An import problem in the reader's language: 第 3 行：接访日期：不是该接访制度的接访日."""
    said = "，".join(f"{FIELD_LABELS.get(k, k)}：{reason}" for k, reason in _explain(fields).items())
    return _("第 %(n)s 行：%(what)s", n=line, what=said) if line else said


def _rule_days_hint(rota: Rota, variant: str, day: str) -> str:
    """The reception days of the month a refused date is in, for the error under the date."""
    days = rota.rule_days(variant, day[:7])
    shown = "、".join(days[:8]) + (_("等 %(n)s 天", n=len(days)) if len(days) > 8 else "")
    return _("本月按规则为：%(days)s；确需另定日期请选“特殊安排”并在备注中写明理由", days=shown)


@bp.route("/rota")
@bureau_or_admin
def index():
    return _page(Rota.of(service()))


@bp.route("/rota", methods=["POST"])
@bureau_or_admin
def add():
    rota, form = Rota.of(service()), request.form
    try:
        entry = rota.add(form.get("variant", ""), form.get("reception_date", ""), form.get("leader", ""),
                         form.get("leader_title", ""), form.get("convener", ""), form.get("note", ""),
                         off_rule=form.get("off_rule") == "1")
    except RotaError as exc:
        flash(_("轮值记录未保存：请改正标出的项目。"), "error")
        errors = _explain(exc.fields)
        if exc.fields.get("reception_date") == "not a reception day under these rules":
            errors["reception_date"] += "。" + _rule_days_hint(rota, form["variant"], form["reception_date"].strip())
        return _page(rota, errors, form, 422)
    flash(_("已加入轮值表：%(day)s，系统将于 %(start)s 自动建立该接访日。", day=entry.reception_date,
            start=entry.start_on), "ok")
    return redirect(url_for("rota.index"))


@bp.route("/rota/plan", methods=["POST"])
@bureau_or_admin
def plan():
    rota, form = Rota.of(service()), request.form
    try:
        added, skipped = rota.plan(form.get("variant", ""), form.get("first_month", ""), form.get("months", ""),
                                   form.getlist("leaders"), form.get("leader_title", ""), form.get("convener", ""))
    except RotaError as exc:
        flash(_("未排班：请改正标出的项目。"), "error")
        return _page(rota, {f"plan_{k}": v for k, v in _explain(exc.fields).items()}, form, 422)
    if added:
        flash(_("已按规则排入 %(n)s 个接访日（%(first)s 至 %(last)s）；跳过已排或已过的 %(skipped)s 天。",
                n=len(added), first=added[0].reception_date, last=added[-1].reception_date, skipped=skipped), "ok")
    else:
        flash(_("没有可排的接访日：这段时间按规则的 %(skipped)s 天都已排或已过。", skipped=skipped), "error")
    return redirect(url_for("rota.index"))


@bp.route("/rota/<int:entry_id>/delete", methods=["POST"])
@bureau_or_admin
def remove(entry_id):
    try:
        Rota.of(service()).remove(entry_id)
    except RotaError as exc:
        flash("；".join(_explain(exc.fields).values()), "error")
        return redirect(url_for("rota.index"))
    flash(_("已从轮值表删除。"), "ok")
    return redirect(url_for("rota.index"))


@bp.route("/rota/import", methods=["POST"])
@bureau_or_admin
def import_rota():
    upload = request.files.get("file")
    raw = upload.read(1_000_001) if upload else b""
    if not raw or len(raw) > 1_000_000:
        flash(_("请选择不超过 1 MB 的 CSV 文件。"), "error")
        return redirect(url_for("rota.index"))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        flash(_("文件不是 UTF-8 编码的 CSV。"), "error")
        return redirect(url_for("rota.index"))
    added, problems = import_csv(Rota.of(service()), text)
    if problems:
        flash(_("未导入任何记录：%(problems)s", problems="；".join(_problem_words(*p) for p in problems[:20])), "error")
    else:
        flash(_("已导入 %(n)s 条轮值记录。", n=added), "ok")
    return redirect(url_for("rota.index"))
