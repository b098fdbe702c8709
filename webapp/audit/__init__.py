"""Audit pages: find cases, replay them step by step, verify and export them; the access log for admins."""
from __future__ import annotations

from flask import Blueprint, current_app, session

from engine.audit.service import AuditService

bp = Blueprint("audit", __name__, url_prefix="/audit")
AUDIT_GROUPS = {"auditors", "admins"}
REVEALED_KEY, REVEALED_MAX = "revealed_cases", 50


def audit() -> AuditService:
    found = current_app.extensions.get("audit")
    if found is None or found.service is not current_app.extensions["service"]:
        found = current_app.extensions["audit"] = AuditService(current_app.extensions["service"])
    return found


def revealed(instance_id: str) -> bool:
    """A reveal (with its recorded reason) lasts for the rest of the session."""
    return instance_id in session.get(REVEALED_KEY, [])


def remember_reveal(instance_id: str) -> None:
    ids = [i for i in session.get(REVEALED_KEY, []) if i != instance_id]
    session[REVEALED_KEY] = (ids + [instance_id])[-REVEALED_MAX:]


from . import casepage, views, words  # noqa: E402  (routes register on bp)


def register(app) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(casepage.bp)
    words.register(app)
