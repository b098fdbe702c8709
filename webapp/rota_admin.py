"""The reception rota page (领导接访日程安排表) for the petition bureau and admins: list, add, remove, import."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine.reception import LEAD_DAYS, Rota, RotaError, import_csv

from .common import requires, service

bp = Blueprint("rota", __name__, url_prefix="/admin")
bureau_or_admin = requires(lambda who: who.is_admin or "petition_bureau" in who.groups, _l("仅信访局和管理员可用"))
FIELD_LABELS = {"variant": _l("接访制度"), "reception_date": _l("接访日期"), "leader": _l("接访领导"),
                "convener": _l("第一召集人"), "leader_title": _l("职务"), "note": _l("备注"), "id": _l("轮值记录"),
                "": _l("轮值表")}
REASONS = {"unknown reception rules": _l("不是已部署的接访制度"), "a date YYYY-MM-DD": _l("日期格式为 YYYY-MM-DD"),
           "not an active leader of the directory": _l("不是组织机构中在岗的领导人员"), "too long": _l("太长"),
           "this reception already has a leader on the rota": _l("该接访日已排有接访领导"),
           "no such rota entry": _l("没有这条轮值记录"), "unknown": _l("没有这条轮值记录"),
           "this reception day has already been started": _l("该接访日已经建立，不能删除"),
           "started": _l("该接访日已经建立，不能删除")}


def _cursor(value: str | None):
    day, _sep, number = (value or "").partition(",")
    return (day, int(number)) if number.isdigit() and len(day) == 10 else None


def _page(rota: Rota, errors=None, form=None, status=200):
    after = _cursor(request.args.get("after"))
    entries, next_cursor = rota.page(after, 50)
    users = {u.name: (u.display_name or u.name) for u in service().store.users()}
    return render_template("admin_rota.html", entries=entries, next_cursor=next_cursor, after=after,
                           variants=rota.variants, leaders=rota.leaders(), users=users, lead_days=LEAD_DAYS,
                           errors=errors or {}, form=form or {}, labels=FIELD_LABELS), status


def _explain(fields: dict) -> dict:
    return {k: str(REASONS.get(v, v)) for k, v in fields.items()}


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
                         form.get("leader_title", ""), form.get("convener", ""), form.get("note", ""))
    except RotaError as exc:
        flash(_("轮值记录未保存：请改正标出的项目。"), "error")
        return _page(rota, _explain(exc.fields), form, 422)
    flash(_("已加入轮值表：%(day)s，系统将于 %(start)s 自动建立该接访日。", day=entry.reception_date,
            start=entry.start_on), "ok")
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
        flash(_("未导入任何记录：%(problems)s", problems="；".join(problems[:20])), "error")
    else:
        flash(_("已导入 %(n)s 条轮值记录。", n=added), "ok")
    return redirect(url_for("rota.index"))
