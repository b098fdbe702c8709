"""Login and logout (Flask-Login sessions, argon2-checked passwords)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import UserMixin, login_required, login_user, logout_user

from engine.accounts import check_password

from . import login_manager
from .common import service
from .security import safe_next

bp = Blueprint("auth", __name__)
login_manager.login_view = "auth.login"
login_manager.login_message = None


class SessionUser(UserMixin):
    def __init__(self, user):
        self.user = user
        self.id = user.name

    @property
    def name(self):
        return self.user.display_name or self.user.name


@login_manager.user_loader
def load_user(name: str):
    user = service().store.get_user(name)
    return SessionUser(user) if user and user.active else None


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        user = service().store.get_user(request.form.get("username", "").strip())
        if check_password(user, request.form.get("password", "")):
            login_user(SessionUser(user))
            return redirect(safe_next(request.args.get("next")) or url_for("inbox.index"))
        flash(_("用户名或密码错误"), "error")
    return render_template("login.html")


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    return redirect(url_for("auth.login"))
