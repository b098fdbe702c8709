"""The designer studio at /designer/: process list, modeler page, checked deploys, log, diff, dry run, migration."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("designer", __name__, url_prefix="/designer")

from . import dryrun_views, impact_views, json_views, pages  # noqa: F401  (routes register on import)
