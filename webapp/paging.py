"""Paged JSON lists: `limit` and `cursor` from the query string (bad ones are a 422 with field errors), the
next page's cursor in `X-Next-Cursor` and `Link: <…>; rel="next"` (shared/API.md)."""
from __future__ import annotations

from flask import jsonify, request, url_for

from engine.paging import BadPage, decode_cursor, parse_limit
from engine.service import InvalidData


def page_args(cursor_size: int | None) -> tuple[int, list | None]:
    """(limit, the cursor's key); `cursor_size` None: the caller reads its own kind of cursor."""
    try:
        limit = parse_limit(request.args.get("limit"))
        return limit, None if cursor_size is None else decode_cursor(request.args.get("cursor"), cursor_size)
    except BadPage as exc:
        raise InvalidData({exc.field: str(exc)}) from None


def paged_json(items: list, cursor: str | None, endpoint: str):
    response = jsonify(items)
    if cursor:
        args = {k: v for k, v in request.args.items() if k != "cursor"}
        response.headers["X-Next-Cursor"] = cursor
        response.headers["Link"] = f'<{url_for(endpoint, _external=True, **args, cursor=cursor)}>; rel="next"'
    return response
