"""Administration of accounts: unlock a locked account, list and revoke API tokens."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine.accounts.users import unlock
from engine.paging import split_page

from .common import requires, service
from .paging import next_page_url, web_page_args

bp = Blueprint("accounts_admin", __name__, url_prefix="/admin/accounts")
admin_only = requires(lambda who: who.is_admin, _l("仅管理员可用"))


@bp.route("/")
@admin_only
def index():
    """Accounts in name order, a page at a time, each with its API tokens (one query for the page's tokens)."""
    store = service().store
    limit, after = web_page_args((str,))
    users, cursor = split_page(store.users(after and after[0], limit + 1), limit, lambda u: (u.name,))
    tokens = {u.name: [] for u in users}
    for token in store.tokens_for(list(tokens)):
        tokens[token.user_name].append(token)
    return render_template("admin_accounts.html", users=users, now=service().now(), tokens=tokens,
                           next_url=next_page_url(cursor))


@bp.route("/<name>/unlock", methods=["POST"])
@admin_only
def unlock_user(name):
    try:
        unlock(service().store, name)
        flash(_("已解锁 %(name)s", name=name), "ok")
    except ValueError:
        flash(_("没有这个用户"), "error")
    return redirect(url_for("accounts_admin.index"))


@bp.route("/tokens/revoke", methods=["POST"])
@admin_only
def revoke_token():
    token_id = request.form.get("token_id", "")
    if service().store.delete_token(token_id):
        flash(_("已吊销令牌 %(id)s", id=token_id), "ok")
    else:
        flash(_("没有这个令牌"), "error")
    return redirect(url_for("accounts_admin.index"))
