"""Response headers every page gets (CSP without inline script, no framing, no sniffing) and safe redirects."""
from __future__ import annotations

import json
from urllib.parse import unquote_to_bytes, urlsplit

from flask import abort, g, request
from werkzeug.routing import IntegerConverter
from werkzeug.serving import WSGIRequestHandler

from engine.case_data import storable

from .errors import json_error

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


def refuse_unstorable():
    """Text no database can hold, refused before any view sees it: a NUL character in the URL or a form field
    (PostgreSQL cannot store it) is a 400; a body that is not UTF-8 is a 400 (decoding it would replace the
    bytes and store something the sender did not send); a JSON body with a NUL or a lone surrogate ("\\ud800",
    valid JSON, no valid text) in any key or string is a 422 naming the field."""
    values = [request.path, *request.args.values()]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        if request.mimetype == "application/x-www-form-urlencoded":
            _utf8(unquote_to_bytes(request.get_data(cache=True).replace(b"+", b" ")))
        values += request.form.values()
    if any("\x00" in value for value in values):
        abort(400, "NUL characters are not allowed")
    if request.is_json and request.content_length:
        raw = _utf8(request.get_data(cache=True))
        try:
            body = json.loads(raw, parse_constant=no_constant)
        except (ValueError, RecursionError):
            return None                  # the view says what is wrong with it
        g.json_body = body               # parsed once: the API's start and completion read it from here
        field = _unstorable_in(body)
        if field is not None:
            return json_error(422, "invalid", "text holds an invalid character (a NUL or a lone surrogate)",
                              fields={field: "text holds an invalid character (a NUL or a lone surrogate)"})
    return None


def no_constant(name):
    """For json.loads: NaN and Infinity are no JSON numbers (and no case data)."""
    raise ValueError(f"{name} is not a JSON number")


def _utf8(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        abort(400, "the request body is not valid UTF-8")


def _unstorable_in(body) -> str | None:
    """The field (the key under "data" where there is one, else the top-level key) holding a NUL or a lone
    surrogate in a key or a string; None when all text is storable."""
    top = body.get("data") if isinstance(body, dict) and isinstance(body.get("data"), dict) else body
    todo = [(top, "")]
    while todo:
        item, field = todo.pop()
        if isinstance(item, str):
            if not storable(item):
                return field
        elif isinstance(item, dict):
            for key, value in item.items():
                if not storable(key):
                    return field or "(key)"
                todo.append((value, field or key))
        elif isinstance(item, list):
            todo.extend((value, field) for value in item)
    return None if top is body else _unstorable_in({k: v for k, v in body.items() if k != "data"})


class RowId(IntegerConverter):
    """`<int:…>` in a URL: a number an integer column can hold (a larger one is a 404, not an overflow)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(url_map, *args, **kwargs)


def register(app):
    app.before_request(refuse_unstorable)
    app.after_request(add_headers)
    WSGIRequestHandler.server_version = "xinfang"     # the development server: no Werkzeug/Python versions
    WSGIRequestHandler.sys_version = ""
