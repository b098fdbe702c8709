"""Paged lists: `limit` and `cursor` from the query string; in the JSON API bad ones are a 422 with field errors
and the next page's cursor is in `X-Next-Cursor` and `Link: <…>; rel="next"` (shared/API.md); on pages they are
a 400 with a clear message and the next page is a "下一页" link."""
from __future__ import annotations

from flask import abort, jsonify, request, url_for
from flask_babel import gettext as _

from engine.paging import BadPage, decode_cursor, parse_limit, typed_cursor
from engine.service import InvalidData


def page_args(cursor_size: int | None, types: tuple | None = None) -> tuple[int, list | tuple | None]:
    """(limit, the cursor's key); `types` converts the key's parts (its size is theirs); `cursor_size` None and no
    `types`: the caller reads its own kind of cursor."""
    try:
        limit = parse_limit(request.args.get("limit"))
        if types is not None:
            return limit, typed_cursor(request.args.get("cursor"), types)
        return limit, None if cursor_size is None else decode_cursor(request.args.get("cursor"), cursor_size)
    except BadPage as exc:
        raise InvalidData({exc.field: str(exc)}) from None


def web_page_args(types: tuple, arg: str = "cursor") -> tuple[int, tuple | None]:
    """page_args for a page: a bad `limit` or cursor is a 400 saying what is wrong."""
    try:
        return parse_limit(request.args.get("limit")), typed_cursor(request.args.get(arg), types)
    except BadPage as exc:
        abort(400, _("每页条数须是 1 到 500 之间的整数") if exc.field == "limit" else
              _("翻页位置无效，请回到第一页重新翻页"))


def next_page_url(cursor: str | None, arg: str = "cursor") -> str | None:
    """The "下一页" link: this page with its query string and `arg` set to the next page's cursor."""
    if not cursor:
        return None
    return url_for(request.endpoint, **(request.view_args or {}), **{**request.args.to_dict(), arg: cursor})


def paged_json(body, cursor: str | None, endpoint: str, **values):
    response = jsonify(body)
    if cursor:
        args = {k: v for k, v in request.args.items() if k != "cursor" and k not in values}
        response.headers["X-Next-Cursor"] = cursor
        response.headers["Link"] = f'<{url_for(endpoint, _external=True, **values, **args, cursor=cursor)}>; rel="next"'
    return response
