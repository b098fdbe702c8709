"""A form's regular expressions checked before they are used: valid, short, and free of the ambiguous repetitions
(`(a+)+`, `(a|aa)+`, `(\\w+\\s?)+`) on which a backtracking engine takes exponential time."""
from __future__ import annotations

import re
from re import _constants as C, _parser as P      # the parse trees `re` itself compiles (private; stable since 3.11)

import regex

from .regex_charsets import ALL, charset, either

MAX_PATTERN_CHARS = 500
MAX_COMPILE_COST = 20_000                         # see compile_cost: ~10 ms
ZERO_WIDTH = {C.AT, C.ASSERT, C.ASSERT_NOT}
REPEATS = (C.MAX_REPEAT, C.MIN_REPEAT)            # backtracking ones; a possessive repeat never gives back
NESTED = ("含有会产生歧义的嵌套重复（如 (a+)+、(a|aa)+、(\\w+\\s?)+），某些输入会让校验耗时极长、拖慢整个系统："
          "请改写为无歧义的形式，例如用 ^\\d+(,\\d+)*$ 代替 ^(\\d+,?)+$。",
          "repeats a part that can match the same text in more than one way (like (a+)+, (a|aa)+, (\\w+\\s?)+); "
          "some inputs would make checking it take hours and slow the whole system: rewrite it so that each "
          "repetition is unambiguous, e.g. ^\\d+(,\\d+)*$ instead of ^(\\d+,?)+$.")


def pattern_problem(pattern: str) -> tuple[str, str] | None:
    """(Chinese, English) reason, to follow "the pattern …", why a form may not use `pattern`; None if it may."""
    if len(pattern) > MAX_PATTERN_CHARS:
        return (f"过长（{len(pattern)} 个字符，上限 {MAX_PATTERN_CHARS}）：请写得简短些。",
                f"is too long ({len(pattern)} characters, at most {MAX_PATTERN_CHARS}): shorten it.")
    try:
        tree = P.parse(pattern)
    except (re.error, RecursionError, OverflowError, ValueError) as exc:
        return f"不是有效的正则表达式：{exc}。", f"is not a valid regular expression: {exc}."
    cost = compile_cost(tree)
    if cost > MAX_COMPILE_COST:
        return (f"过于复杂（各层重复次数相乘约 {cost} 步，上限 {MAX_COMPILE_COST}）：请减少嵌套的重复或重复次数。",
                f"is too complex (its repetitions multiply to about {cost} steps, at most {MAX_COMPILE_COST}): "
                f"nest fewer repetitions or lower their counts.")
    if _ambiguous(list(tree), tree.state.flags):
        return NESTED
    try:
        regex.compile(pattern)              # the engine that runs it (engine.forms.timed_regex); cheap, as costed
    except (regex.error, RecursionError, OverflowError, ValueError) as exc:
        return f"不是有效的正则表达式：{exc}。", f"is not a valid regular expression: {exc}."
    return None


def pattern_compile_cost(pattern: str) -> int | None:
    """compile_cost of `pattern`, None if `re` cannot read it (then nothing says what compiling it would cost)."""
    try:
        return compile_cost(P.parse(pattern))
    except (re.error, RecursionError, OverflowError, ValueError):
        return None


def compile_cost(seq) -> int:
    """About how big `regex` makes the compiled pattern (~0.3 µs and some memory each, held in C with the GIL):
    it copies the body of a repetition once more than its least count, so nested `+` or `{3}` multiply."""
    total = 0
    for op, av in seq:
        if op is C.SUBPATTERN:
            total += compile_cost(av[3])
        elif op in REPEATS or op is C.POSSESSIVE_REPEAT:
            total += compile_cost(av[2]) * (av[0] + 1)
        elif op is C.BRANCH:
            total += sum(compile_cost(alt) for alt in av[1])
        elif op in (C.ASSERT, C.ASSERT_NOT):
            total += compile_cost(av[1])
        elif op is C.ATOMIC_GROUP:
            total += compile_cost(av)
        elif op is C.GROUPREF_EXISTS:
            total += 1 + sum(compile_cost(s) for s in av[1:] if s)
        else:
            total += 1
    return total


SUBSCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
SUBSCHEMAS = ("items", "additionalProperties", "unevaluatedProperties", "propertyNames", "contains", "not", "if",
              "then", "else", "unevaluatedItems", "additionalItems")
SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems", "items")


def subschemas(schema, field: tuple = ()):
    """(field path, schema) for `schema` and every schema inside it; the path names the fields of `properties`."""
    if not isinstance(schema, dict):
        return
    yield field, schema
    for keyword in SUBSCHEMA_MAPS:
        if isinstance(schema.get(keyword), dict):
            for key, sub in schema[keyword].items():
                yield from subschemas(sub, field + (key,) if keyword == "properties" else field)
    for keyword in SUBSCHEMAS:
        yield from subschemas(schema.get(keyword), field)
    for keyword in SUBSCHEMA_LISTS:
        for sub in schema.get(keyword) if isinstance(schema.get(keyword), list) else ():
            yield from subschemas(sub, field)


def schema_regexes(schema):
    """(field path, keyword, pattern) for each regular expression a form's JSON Schema runs on submitted data."""
    for field, sub in subschemas(schema):
        if isinstance(sub.get("pattern"), str):
            yield field, "pattern", sub["pattern"]
        for key in sub.get("patternProperties") if isinstance(sub.get("patternProperties"), dict) else ():
            yield field, "patternProperties", key


def keys_escape_time_limit(schema) -> bool:
    """Whether `unevaluatedProperties` would match keys against `patternProperties` where engine.forms.timed_regex
    cannot limit the time (jsonschema does that matching with `re`, deep in its own code)."""
    used = {key for _, sub in subschemas(schema) for key in sub}
    return {"patternProperties", "unevaluatedProperties"} <= used


def _items(seq, flags: int):
    """(op, av, flags) of a sequence, the contents of groups spliced in (a group adds no choice of its own)."""
    for op, av in seq:
        if op is C.SUBPATTERN:
            yield from _items(av[3], (flags | av[1]) & ~av[2])
        else:
            yield op, av, flags


def _least(seq) -> int:
    """The fewest characters `seq` matches."""
    total = 0
    for op, av in seq:
        if op is C.SUBPATTERN:
            total += _least(av[3])
        elif op in REPEATS or op is C.POSSESSIVE_REPEAT:
            total += av[0] and av[0] * _least(av[2])
        elif op is C.ATOMIC_GROUP:
            total += _least(av)
        elif op is C.BRANCH:
            total += min(_least(alt) for alt in av[1])
        elif op in (C.LITERAL, C.NOT_LITERAL, C.ANY, C.IN):
            total += 1
    return total                  # look-arounds, anchors, back-references and conditionals may match nothing


def _first(seq, flags: int) -> int:
    """Every character a match of `seq` may start with."""
    mask = 0
    for op, av, fl in _items(seq, flags):
        mask |= _first_of(op, av, fl)
        if _least([(op, av)]) > 0:
            break
    return mask


def _first_of(op, av, flags: int) -> int:
    if op in ZERO_WIDTH:
        return 0
    if op in REPEATS or op is C.POSSESSIVE_REPEAT:
        return _first(av[2], flags)
    if op is C.ATOMIC_GROUP:
        return _first(av, flags)
    if op is C.BRANCH:
        return either(_first(alt, flags) for alt in av[1])
    found = charset(op, av, bool(flags & C.SRE_FLAG_IGNORECASE))
    return ALL if found is None else found               # back-references, conditionals: anything


def _steady(seq, flags: int) -> bool:
    """Whether matching `seq` never has two ways forward at once: one-character items, fixed counts of steady
    parts, look-arounds, possessive parts, and alternatives that are never empty and cannot start alike."""
    for op, av, fl in _items(seq, flags):
        if op in REPEATS:
            if av[0] != av[1] or not _steady(av[2], fl):
                return False
        elif op is C.BRANCH:
            starts = [_first(alt, fl) for alt in av[1]]
            if any(_least(alt) == 0 or not _steady(alt, fl) for alt in av[1]) \
                    or either(starts).bit_count() != sum(s.bit_count() for s in starts):     # some overlap
                return False
        elif op not in ZERO_WIDTH and op not in (C.POSSESSIVE_REPEAT, C.ATOMIC_GROUP) \
                and charset(op, av, False) is None:
            return False
    return True


def _parts(body, flags: int) -> list[tuple[int, int, bool]] | None:
    """(fewest characters, first characters, loose) per item of a repeated body, None if an item is ambiguous in
    itself. Loose: a steady part repeated a varying number of times (\\d+, -?, (ab)*)."""
    parts = []
    for op, av, fl in _items(body, flags):
        if op in ZERO_WIDTH:
            continue
        if not (_steady(av[2], fl) and _least(av[2]) > 0 if op in REPEATS else _steady([(op, av)], fl)):
            return None
        parts.append((_least([(op, av)]), _first_of(op, av, fl), op in REPEATS and av[0] != av[1]))
    return parts


def _repeat_is_ambiguous(body, flags: int) -> bool:
    """Whether a text can match `body` repeated in more than one way: some loose part could also take the
    character that comes after it, in this round or the next (parts that may be empty are looked past)."""
    parts = _parts(body, flags)
    if parts is None:
        return True
    for i, (_, mine, loose) in enumerate(parts):
        for step in range(1, len(parts) + 1) if loose else ():
            least, first, _ = parts[(i + step) % len(parts)]
            if first & mine:
                return True
            if least > 0:
                break
    return False


def _inner(op, av) -> list:
    if op in REPEATS or op is C.POSSESSIVE_REPEAT:
        return [av[2]]
    if op is C.BRANCH:
        return av[1]
    if op in (C.ASSERT, C.ASSERT_NOT):
        return [av[1]]
    if op is C.ATOMIC_GROUP:
        return [av]
    return [s for s in av[1:] if s] if op is C.GROUPREF_EXISTS else []


def _ambiguous(seq, flags: int) -> bool:
    """Whether some repetition in `seq`, at any depth, may run more than once over an ambiguous body."""
    for op, av, fl in _items(seq, flags):
        if op in REPEATS and av[1] > 1 and _repeat_is_ambiguous(av[2], fl):
            return True
        if any(_ambiguous(sub, fl) for sub in _inner(op, av)):
            return True
    return False
