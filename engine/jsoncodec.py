"""JSON for what the app stores (workflow states, JSON columns): orjson, several times faster than the standard
library, with the standard library taking over wherever orjson refuses a value (an integer beyond 64 bits, a
non-text key, a lone surrogate, a NaN in an old row) so that nothing encodes or decodes differently from before
except for speed and spacing. Event hashes keep their own canonical encoding (engine/history.py)."""
from __future__ import annotations

import json

import orjson

# datetimes, dataclasses and subclasses of str/int/dict/list go to `default`, as the standard library would
# send them: orjson's own formats for them (e.g. ISO datetimes) would store values the decoder never restores
_PASS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS


def dumps(value, default=None, cls=None) -> str:
    """`json.dumps(value, default=default, cls=cls)` up to spacing and the escaping of non-ASCII text."""
    try:
        return orjson.dumps(value, default=default or (cls().default if cls else None), option=_PASS).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value, default=default, cls=cls)


def loads(text: str | bytes):
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)
