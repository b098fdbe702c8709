"""Serving designer files so that a browser never runs them: attachment, exact type, nosniff, safe names."""
from __future__ import annotations

import unicodedata
from urllib.parse import quote

from flask import Response


def safe_download_name(name: str) -> str:
    """The name a file is saved under: no folders, quotes or control characters."""
    name = str(name).replace("\\", "/").split("/")[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C" and c not in '"')
    return name.strip(" .") or "download"


def attachment(text: str, name: str) -> Response:
    """A download: RFC 6266 Content-Disposition (ASCII fallback + UTF-8 filename*), nosniff, no scripts."""
    name = safe_download_name(name)
    mimetype = "application/json" if name.endswith(".json") else "application/xml"
    response = Response(text, mimetype=mimetype)
    try:
        name.encode("ascii")
        response.headers.set("Content-Disposition", "attachment", filename=name)
    except UnicodeEncodeError:
        simple = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii") or "download"
        response.headers.set("Content-Disposition", "attachment", filename=simple,
                             **{"filename*": "UTF-8''" + quote(name, safe="!#$&+^`|~")})
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
