"""Helpers shared by the views: the service, the current actor, time display."""
from __future__ import annotations

import datetime as dt

from functools import wraps

from flask import abort, current_app
from flask_login import current_user, login_required

from engine.accounts.users import actor_of
from engine.clock import CHINA
from engine.service import Service


def service() -> Service:
    return current_app.extensions["service"]


def actor():
    return actor_of(current_user.user)


def local_time(value: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return value.astimezone(CHINA).strftime(fmt) if value else ""


def is_overdue(due: dt.datetime | None) -> bool:
    return bool(due and due < service().now())


def due_soon(due: dt.datetime | None) -> bool:
    return bool(due and not is_overdue(due) and due - service().now() < dt.timedelta(days=2))


def get_locale_code() -> str:
    from flask_babel import get_locale
    locale = get_locale()
    return locale.language if locale else "zh"


def requires(allowed, message: str):
    """A view decorator: logged in, and `allowed(actor)` true; otherwise 403 with `message`."""
    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not allowed(actor()):
                abort(403, message)
            return view(*args, **kwargs)
        return login_required(wrapper)
    return decorate
