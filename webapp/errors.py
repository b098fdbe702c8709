"""Error pages and JSON errors: never a stack trace, always a clear message."""
from __future__ import annotations

import logging

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


def json_error(status: int, code: str, message: str, **extra):
    response = jsonify({"error": {"code": code, "message": message, **extra}})
    response.status_code = status
    return response


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz" or request.is_json


def register(app):
    @app.errorhandler(CSRFError)
    def csrf_failed(exc):
        if request.is_json:
            return json_error(400, "csrf", _("表单已过期，请刷新页面后重试。"))
        return render_template("error.html", status=400, message=_("表单已过期，请返回刷新后重试。")), 400

    @app.errorhandler(HTTPException)
    def http_error(exc):
        if _wants_json():
            return json_error(exc.code, exc.name.lower().replace(" ", "_"), exc.description)
        return render_template("error.html", status=exc.code, message=exc.description), exc.code

    @app.errorhandler(Exception)
    def unexpected(exc):
        log.exception("unhandled error on %s", request.path)
        if _wants_json():
            return json_error(500, "internal", "internal error; it has been logged")
        return render_template("error.html", status=500, message=_("系统内部错误，已记录。")), 500
