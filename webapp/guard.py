"""Who may call and from where: throttled password checks, lock-out, API rate limits, no cross-site writes.

Basic auth is for scripts: the API never asks a browser for a password (no `WWW-Authenticate: Basic`),
and a write without cookies is refused when the browser marks it cross-site or sends it as a form."""
from __future__ import annotations

import hashlib

from flask import current_app, request

from engine.accounts.users import Busy, Locked, authenticate, user_for_token
from engine.accounts.throttle import FAILED_LOGINS_PER_ACCOUNT, FAILED_LOGINS_PER_ADDRESS, Limit, Throttle

from .common import service

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
FORM_TYPES = {"application/x-www-form-urlencoded", "text/plain"}


class Refused(Exception):
    """A call refused before it reaches the view: (status, code, message)."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _digest(name: str) -> str:
    """A counter key for any name a caller sends (any length, any character)."""
    return hashlib.sha256(name.encode("utf-8", "replace")).hexdigest()[:32]


def _plausible(name: str) -> bool:
    """A name the users table could hold (others are unknown users, without asking the database)."""
    return 0 < len(name) <= 100 and "\x00" not in name and name.isprintable()


def throttle() -> Throttle:
    app = current_app
    if "throttle" not in app.extensions:
        clock = service().clock       # the service's clock, so tests and `--now` can move time
        app.extensions["throttle"] = Throttle(service().store, clock=lambda: clock.now().timestamp())
    return app.extensions["throttle"]


def address() -> str:
    return request.remote_addr or "unknown"


def check_password_attempt(name: str, password: str):
    """The user for a name and password, or None; throttled per address and account, locked accounts refused."""
    keys = [(f"fail:addr:{address()}", FAILED_LOGINS_PER_ADDRESS), (f"fail:user:{_digest(name)}",
                                                                     FAILED_LOGINS_PER_ACCOUNT)]
    try:
        user = service().store.get_user(name) if _plausible(name) else None
        if user is not None and user.locked_at is not None:
            raise Locked(name)
        if any(throttle().exceeded(key, limit) for key, limit in keys):
            raise Refused(429, "too_many_attempts", "too many failed logins; try again in 15 minutes")
        user = authenticate(service().store, user, password, service().now())
    except Locked as exc:
        raise Refused(403, "locked", "account locked after too many wrong passwords; ask an administrator") \
            from exc
    except Busy as exc:
        raise Refused(503, "busy", "too many logins at once; try again shortly") from exc
    if user is None:
        for key, limit in keys:
            throttle().fail(key, limit)
    return user


def api_user():
    """The caller of an API request (Bearer token or Basic password), or None."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):      # tokens cannot be guessed: failures are only counted
        user = user_for_token(service().store, header[7:].strip(), service().now())
        if user is None:
            throttle().fail(f"fail:addr:{address()}", FAILED_LOGINS_PER_ADDRESS)
        return user
    auth = request.authorization
    if auth and auth.type == "basic":
        return check_password_attempt(auth.username or "", auth.password or "")
    return None


def check_rate(user) -> None:
    config = current_app.config
    per_user = Limit(int(config.get("API_RATE_PER_ACCOUNT", 600)), 60)
    per_address = Limit(int(config.get("API_RATE_PER_ADDRESS", 1200)), 60)
    if not (throttle().allow(f"user:{_digest(user.name)}", per_user)
            & throttle().allow(f"addr:{address()}", per_address)):
        raise Refused(429, "rate_limited", "too many requests; slow down")


def check_not_cross_site() -> None:
    """Refuse a write a browser could have sent from another site with remembered credentials."""
    if request.method not in WRITES:
        return
    if request.headers.get("Sec-Fetch-Site", "none") not in ("same-origin", "none"):
        raise Refused(403, "cross_site", "cross-site requests may not change anything")
    origin = request.headers.get("Origin")
    if origin and origin.rstrip("/") != request.host_url.rstrip("/"):
        raise Refused(403, "cross_site", "cross-site requests may not change anything")
    if request.mimetype in FORM_TYPES:
        raise Refused(415, "unsupported_media_type", "send JSON (application/json), XML or multipart files")
