"""Impact of the current version on running cases, and migrating chosen cases onto it (designers, admins)."""
from __future__ import annotations

from flask import flash, render_template, request
from flask_babel import gettext as _

from engine.design.migration import impact as impact_of
from engine.design.migration import migrate as migrate_cases
from engine.service import NotFound

from ..common import actor, service
from . import bp
from .access import designers_only
from .common import lang

MAX_CASES = 200


def _page(key, results=None, reason="", status=200):
    try:
        versions = impact_of(service(), key)
        current = service().current(key)[0]
    except NotFound:
        return render_template("error.html", status=404, message=_("没有这个流程")), 404
    cases = [c for c in service().store.running_cases(key, limit=MAX_CASES) if c["version"] != current.version]
    return render_template("studio/impact.html", key=key, versions=versions, current=current, cases=cases,
                           results=results, reason=reason, lang=lang()), status


@bp.route("/<key>/impact")
@designers_only
def impact(key):
    return _page(key)


@bp.route("/<key>/migrate", methods=["POST"])
@designers_only
def migrate(key):
    reason = (request.form.get("reason") or "").strip()
    chosen = request.form.getlist("case")[:MAX_CASES]
    if not reason or not chosen:
        flash(_("请选择要迁移的案件并填写迁移理由（谁决定、依据什么）"), "error")
        return _page(key, None, reason, 422)
    return _page(key, migrate_cases(service(), key, chosen, actor(), reason), reason)
