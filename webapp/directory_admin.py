"""Administration of the organisation directory: units, members and roles, users; open tasks nobody can do."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine.accounts.users import create_user
from engine.directory import ROLES, UNIT_TYPES, DirectoryError, LastMember
from engine.paging import split_page
from engine.service import InvalidData, NotFound, TaskClosed

from .common import actor, requires, service
from .paging import next_page_url, web_page_args

bp = Blueprint("directory", __name__, url_prefix="/admin")
admin_only = requires(lambda who: who.is_admin, _l("仅管理员可用"))
TYPE_LABELS = {"department": _l("部门"), "township": _l("镇乡街道"), "vertical": _l("垂直管理单位"),
               "county": _l("县（市、区）"), "centre": _l("热线中心"), "bureau": _l("信访局"),
               "efficiency_office": _l("效能办"), "review_organ": _l("复查复核机关"), "leadership": _l("领导"),
               "other": _l("其他")}
MEMBERS_SHOWN = 10           # members listed per unit on the directory page; the rest on the unit's own page
ROLE_LABELS = {"handler": _l("经办人"), "head": _l("负责人"), "liaison": _l("联络人")}


@bp.route("/directory")
@admin_only
def index():
    return _page()


def _page(refused: LastMember | None = None):
    """Units (in type, name order) and users (in name order), each a page at a time with its own cursor."""
    store, directory = service().store, service().directory
    limit, unit_after = web_page_args((str, str), "units_cursor")
    _, user_after = web_page_args((str,), "users_cursor")
    units, units_next = split_page(store.units(unit_after, limit + 1), limit, lambda u: (u.type, u.name))
    users, users_next = split_page(store.users(user_after and user_after[0], limit + 1), limit, lambda u: (u.name,))
    return render_template("admin_directory.html", units=list(zip(units, directory.members_of_units(units))),
                           shown=MEMBERS_SHOWN,
                           users=users, types=UNIT_TYPES, roles=ROLES, type_labels=TYPE_LABELS, role_labels=ROLE_LABELS,
                           refused=refused, units_next=next_page_url(units_next, "units_cursor"),
                           users_next=next_page_url(users_next, "users_cursor"))


@bp.route("/directory/units/<unit>")
@admin_only
def unit_members(unit):
    """One unit's members, a page at a time (in user name order; the directory page shows the first few)."""
    found = service().directory.unit(unit)
    if found is None:
        abort(404)
    limit, after = web_page_args((str,))
    members = [m for m in service().directory.members_of(found) if after is None or m[0].name > after[0]]
    page, cursor = split_page(members[:limit + 1], limit, lambda m: (m[0].name,))
    return render_template("admin_unit_members.html", unit=found, members=page, total=len(members),
                           first=after is None, next_url=next_page_url(cursor), type_labels=TYPE_LABELS,
                           role_labels=ROLE_LABELS)


def _refused(exc: LastMember):
    flash(_("%(unit)s 只剩这一名在岗人员，且还有 %(n)s 件待办，不能移除或停用：请先改派这些任务。",
            unit=exc.unit, n=len(exc.tasks)), "error")
    return _page(exc), 409


def _do(change, done):
    try:
        change()
    except LastMember as exc:
        return _refused(exc)
    except (DirectoryError, ValueError) as exc:
        flash(_("无法保存：%(msg)s", msg=str(exc)), "error")
        return redirect(url_for("directory.index"))
    flash(done, "ok")
    return redirect(url_for("directory.index"))


@bp.route("/directory/units", methods=["POST"])
@admin_only
def add_unit():
    f = request.form
    return _do(lambda: service().directory.add_unit(f.get("name", ""), f.get("type", ""), f.get("parent") or None),
               _("单位已保存：%(name)s", name=f.get("name", "")))


@bp.route("/directory/members", methods=["POST"])
@admin_only
def add_member():
    f = request.form
    return _do(lambda: service().directory.add_member(f.get("unit", ""), f.get("user", ""), f.get("role", "handler")),
               _("已加入：%(user)s → %(unit)s", user=f.get("user", ""), unit=f.get("unit", "")))


@bp.route("/directory/members/remove", methods=["POST"])
@admin_only
def remove_member():
    f = request.form
    return _do(lambda: service().directory.remove_member(f.get("unit", ""), f.get("user", "")),
               _("已移出：%(user)s", user=f.get("user", "")))


@bp.route("/directory/users", methods=["POST"])
@admin_only
def add_user():
    f = request.form

    name = f.get("name", "").strip()
    if service().store.get_user(name) is not None:       # never an overwrite of that account
        flash(_("用户名已存在：%(name)s。修改已有用户请用其所在行的操作。", name=name), "error")
        return redirect(url_for("directory.index"))

    def create():
        create_user(service().store, name, f.get("password", ""), [], f.get("display_name", ""))
        if f.get("unit"):
            service().directory.add_member(f["unit"], name, f.get("role", "handler"))
    return _do(create, _("用户已创建：%(name)s", name=name))


@bp.route("/directory/users/active", methods=["POST"])
@admin_only
def set_active():
    f = request.form
    active = f.get("active") == "true"
    if not active and f.get("user", "") == actor().name:
        flash(_("不能停用自己的账号。"), "error")
        return redirect(url_for("directory.index"))
    return _do(lambda: service().directory.set_user_active(f.get("user", ""), active),
               _("已启用") if active else _("已停用"))


@bp.route("/orphans")
@admin_only
def orphans():
    directory = service().directory
    return render_template("admin_orphans.html", tasks=directory.orphan_tasks(), units=directory.choosable(UNIT_TYPES))


@bp.route("/orphans/<task_id>", methods=["POST"])
@admin_only
def reassign(task_id):
    try:
        service().reassign(task_id, actor(), request.form.get("reason", ""), to_unit=request.form.get("unit"))
    except (InvalidData, TaskClosed, NotFound) as exc:
        flash(_("无法改派：%(msg)s", msg="；".join(getattr(exc, "fields", {}).values()) or str(exc)), "error")
        return redirect(url_for("directory.orphans"))
    flash(_("已改派到 %(unit)s", unit=request.form.get("unit")), "ok")
    return redirect(url_for("directory.orphans"))
