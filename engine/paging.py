"""Keyset pages for lists: `limit` (default 50, max 500) and an opaque cursor naming the last row shown.
A cursor is the sort key of that row (base64 of a JSON list), so the next page starts right after it."""
from __future__ import annotations

import base64
import json

from .case_data import storable

DEFAULT_LIMIT, MAX_LIMIT = 50, 500


class BadPage(ValueError):
    """A `limit` or `cursor` that cannot be used; `field` names it."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name


def parse_limit(value, default: int = DEFAULT_LIMIT) -> int:
    if value is None or value == "":
        return default
    try:
        limit = int(value)
    except (TypeError, ValueError):
        raise BadPage("limit", "limit must be a number") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise BadPage("limit", f"limit must be between 1 and {MAX_LIMIT}")
    return limit


def encode_cursor(key) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key), ensure_ascii=False).encode()).decode().rstrip("=")


def decode_cursor(text: str | None, size: int) -> list | None:
    """The key of the last row shown (`size` strings or nulls), None for the first page."""
    if not text:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except ValueError:
        raise BadPage("cursor", "cursor is not one this server gave") from None
    if not isinstance(key, list) or len(key) != size or not all(k is None or storable(k) for k in key):
        raise BadPage("cursor", "cursor is not one this server gave")
    return key


def typed_cursor(text: str | None, types: tuple) -> tuple | None:
    """decode_cursor with each part converted by `types` (e.g. (int,) or (str, int)); None for the first page."""
    key = decode_cursor(text, len(types))
    if key is None:
        return None
    try:
        parts = tuple(convert(part) for convert, part in zip(types, key))
    except (TypeError, ValueError):
        raise BadPage("cursor", "cursor is not one this server gave") from None
    if any(isinstance(p, int) and not -2**63 <= p < 2**63 for p in parts):    # beyond any integer column
        raise BadPage("cursor", "cursor is not one this server gave")
    return parts


def split_page(rows: list, limit: int, key) -> tuple[list, str | None]:
    """Rows fetched with limit + 1: (the page, the next page's cursor or None)."""
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(key(rows[-1]))
