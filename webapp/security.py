"""Response headers every page gets (CSP without inline script, no framing, no sniffing) and safe redirects."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, request
from werkzeug.serving import WSGIRequestHandler

CSP = "; ".join([
    "default-src 'self'", "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",           # bpmn-js sets style attributes on the diagram
    "img-src 'self' data: blob:", "font-src 'self' data:", "connect-src 'self'",
    "object-src 'none'", "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'",
])
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def add_headers(response):
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers.pop("Server", None)
    return response


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None.

    Browsers drop tabs and newlines inside URLs and read `\\` as `/`, so `/\\tevil` or `/\\evil` become
    `//evil`, another site: any control character, space or backslash makes a target unsafe."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if any(ord(ch) < 0x21 or ch in "\\\x7f" for ch in target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def refuse_nul():
    """PostgreSQL cannot hold a NUL character: a URL or form field with one is a 400, not a failed query."""
    values = [request.path, *request.args.values()]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        values += request.form.values()
    if any("\x00" in value for value in values):
        abort(400, "NUL characters are not allowed")


def register(app):
    app.before_request(refuse_nul)
    app.after_request(add_headers)
    WSGIRequestHandler.server_version = "xinfang"     # the development server: no Werkzeug/Python versions
    WSGIRequestHandler.sys_version = ""
