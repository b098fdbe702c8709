"""Character sets of a parsed regular expression as int bit masks over all of Unicode (bit c stands for chr(c)),
never smaller than what `re` matches: what engine.forms.regex_check compares to find ambiguous repetitions."""
from __future__ import annotations

import re
import sys
from functools import lru_cache
from re import _constants as C      # the opcodes of `re`'s own parse trees (private; stable since Python 3.11)

UNICODE = sys.maxunicode + 1
ALL = (1 << UNICODE) - 1
CATEGORIES = {C.CATEGORY_DIGIT: r"\d", C.CATEGORY_NOT_DIGIT: r"\D", C.CATEGORY_SPACE: r"\s",
              C.CATEGORY_NOT_SPACE: r"\S", C.CATEGORY_WORD: r"\w", C.CATEGORY_NOT_WORD: r"\W"}


def _everything() -> str:
    return "".join(map(chr, range(UNICODE)))


def _bits(found: bytearray) -> int:
    return int(bytes(found).replace(b"\x00", b"0")[::-1], 2)


@lru_cache(maxsize=None)
def _category(code) -> int:
    found = bytearray(UNICODE)
    for m in re.finditer(CATEGORIES.get(code, r"[\s\S]"), _everything()):
        found[m.start()] = ord("1")
    return _bits(found)


@lru_cache(maxsize=None)
def _cased() -> int:
    return _bits(bytearray(49 if c.lower() != c.upper() else 0 for c in _everything()))


def _fold(c: int) -> int:
    """`c` and the characters it may match ignoring case."""
    text = chr(c)
    return either(1 << ord(v) for v in (text, text.lower(), text.upper(), text.casefold(), text.title()) if len(v) == 1)


def _span(lo: int, hi: int, icase: bool) -> int:
    mask = ((1 << (hi + 1)) - 1) ^ ((1 << lo) - 1)
    if icase and mask & _cased():
        mask |= _cased() if hi - lo > 64 else either(_fold(c) for c in range(lo, hi + 1))
    return mask


def charset(op, av, icase: bool) -> int | None:
    """The characters a one-character item matches, or None for any other item."""
    if op is C.LITERAL or op is C.NOT_LITERAL:
        mask = _span(av, av, icase)
        return mask if op is C.LITERAL else ALL ^ mask
    if op is C.ANY:
        return ALL
    if op is not C.IN:
        return None
    mask = either(_category(value) if kind is C.CATEGORY else _span(*value, icase) if kind is C.RANGE
                  else _span(value, value, icase) for kind, value in av if kind is not C.NEGATE)
    return ALL ^ mask if av and av[0][0] is C.NEGATE else mask


def either(masks) -> int:
    out = 0
    for mask in masks:
        out |= mask
    return out
