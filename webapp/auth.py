"""Login and logout (Flask-Login sessions, argon2-checked passwords)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin, current_user, login_required, login_user, logout_user

from engine.accounts.users import end_sessions

from . import login_manager
from .common import service
from .guard import Refused, check_password_attempt
from .security import safe_next

bp = Blueprint("auth", __name__)
login_manager.login_view = "auth.login"
login_manager.login_message = None
REFUSALS = {"too_many_attempts": _l("登录失败次数过多，请 15 分钟后再试"),
            "locked": _l("密码错误次数过多，账号已锁定，请联系管理员解锁"),
            "busy": _l("登录请求过多，请稍后再试")}


class SessionUser(UserMixin):
    """The session names the user and the user's session generation: logout and a password change
    bump the generation, which ends every session made before, server-side."""

    def __init__(self, user):
        self.user = user
        self.id = f"{user.name}|{user.session_gen}"

    @property
    def name(self):
        return self.user.display_name or self.user.name


@login_manager.user_loader
def load_user(session_id: str):
    name, _sep, generation = session_id.rpartition("|")
    user = service().store.get_user(name)
    return SessionUser(user) if user and user.active and str(user.session_gen) == generation else None


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method != "POST":
        return render_template("login.html")
    try:
        user = check_password_attempt(request.form.get("username", "").strip(), request.form.get("password", ""))
    except Refused as exc:
        flash(REFUSALS.get(exc.code, exc.message), "error")
        return render_template("login.html"), exc.status
    if user is None:
        flash(_("用户名或密码错误"), "error")
        return render_template("login.html"), 401
    login_user(SessionUser(user))
    return redirect(safe_next(request.args.get("next")) or url_for("inbox.index"))


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    end_sessions(service().store, current_user.user.name)
    logout_user()
    return redirect(url_for("auth.login"))
