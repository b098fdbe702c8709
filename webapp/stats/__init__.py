"""Figures pages: dashboard, the cases behind a number, bulletins, assessment; plus their JSON API."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("stats", __name__, url_prefix="/stats")

from . import api_routes, bulletin_views, cli, views  # noqa: E402,F401  (routes register on import)
