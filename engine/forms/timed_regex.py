"""A form's regular expressions run on submitted data with a time limit: no pattern can hold the server."""
from __future__ import annotations

import contextvars
import time
from contextlib import contextmanager
from functools import lru_cache

# Why `regex` (PyPI) and not `re` or google-re2: `re` cannot be stopped once a match backtracks (and it holds the
# GIL meanwhile, so every request of the process waits); `regex` takes `timeout=` on each match, releases the GIL
# while it matches a str, and reads the same syntax as `re` (its VERSION0), so every pattern valid today keeps its
# meaning and message. google-re2 matches in linear time without any limit, but it refuses look-arounds and
# back-references and reads \d, \w as ASCII only: forms valid today would be refused or mean something else.
# What `regex` reads differently, all at the edges of Unicode: its \w is Unicode's word class (combining marks in,
# "other numbers" such as ① out), its \s leaves out \x1c-\x1f, and [[:alpha:]] is a POSIX class, not a set.
import regex
from jsonschema import Draft202012Validator, ValidationError, validators

from .regex_check import MAX_COMPILE_COST, keys_escape_time_limit, pattern_compile_cost

MATCH_SECONDS = 0.1          # one match of one pattern
BUDGET_SECONDS = 0.2         # all the matches of one check of a form (see time_limit)
TIMED_OUT = "patternTimeout"  # the keyword of the error a match that ran out of time gives
_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar("pattern_deadline", default=None)


@contextmanager
def time_limit(seconds: float = BUDGET_SECONDS):
    """All the pattern matches inside share `seconds`: a form with many fields or rows cannot add up the limits."""
    outer = _DEADLINE.get()
    token = _DEADLINE.set(min(time.monotonic() + seconds, outer if outer is not None else float("inf")))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


TOO_COSTLY = "too costly to compile"


@lru_cache(maxsize=512)
def _compiled(pattern: str):
    """The compiled pattern; None if it cannot be used, TOO_COSTLY if compiling it alone would hold the server
    (compiling has no time limit: nested repetitions such as ((a+b)+c)+... make it exponential)."""
    cost = pattern_compile_cost(pattern)
    if cost is None:
        return None
    if cost > MAX_COMPILE_COST:
        return TOO_COSTLY
    try:
        return regex.compile(pattern)
    except (regex.error, RecursionError, OverflowError, ValueError):
        return None


def search(pattern: str, text: str) -> bool | None:
    """Whether `pattern` is found in `text`, as re.search says; None when that could not be told in time.
    Patterns that fail these limits are refused when a form is checked (engine.forms.regex_check); this is the
    guard for whatever a check missed or a version deployed before it."""
    compiled = _compiled(pattern)
    if compiled is None:
        return False                    # no text fits a pattern that cannot be read
    deadline = _DEADLINE.get()
    seconds = MATCH_SECONDS if deadline is None else min(MATCH_SECONDS, deadline - time.monotonic())
    if compiled is TOO_COSTLY or seconds <= 0:
        return None
    try:
        return compiled.search(text, timeout=seconds) is not None
    except TimeoutError:
        return None


def _too_slow(text: str, pattern: str) -> ValidationError:
    return ValidationError(f"{text[:40]!r}… could not be checked against {pattern!r} in time", validator=TIMED_OUT)


def _pattern(validator, pattern, instance, schema):
    if validator.is_type(instance, "string"):
        found = search(pattern, instance)
        if found is None:
            yield _too_slow(instance, pattern)
        elif not found:
            yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(validator, patterns, instance, schema):
    if validator.is_type(instance, "object"):
        for pattern, subschema in patterns.items():
            for key, value in instance.items():
                found = search(pattern, key)
                if found is None:
                    yield _too_slow(key, pattern)
                elif found:
                    yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _additional_properties(validator, extra_schema, instance, schema):
    """jsonschema's own, with the keys matched against patternProperties here, in time."""
    if not validator.is_type(instance, "object"):
        return
    known, patterns, extras = schema.get("properties", {}), schema.get("patternProperties", {}), []
    for key in (k for k in instance if k not in known):
        found = [search(p, key) for p in patterns]
        if None in found:
            yield _too_slow(key, "|".join(patterns))
        elif not any(found):
            extras.append(key)
    if validator.is_type(extra_schema, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], extra_schema, path=extra)
    elif not extra_schema and extras:
        extras, verb = sorted(extras, key=str), "does" if len(extras) == 1 else "do"
        if "patternProperties" in schema:
            yield ValidationError(f"{', '.join(map(repr, extras))} {verb} not match any of the regexes: "
                                  f"{', '.join(map(repr, sorted(patterns)))}")
        else:
            yield ValidationError(f"Additional properties are not allowed ({', '.join(map(repr, extras))} "
                                  f"{'was' if len(extras) == 1 else 'were'} unexpected)")


def _unevaluated_properties_refused(validator, unevaluated, instance, schema):
    if validator.is_type(instance, "object"):
        yield ValidationError("unevaluatedProperties beside patternProperties cannot be checked in time",
                              validator=TIMED_OUT)


TimedValidator = validators.extend(Draft202012Validator, {
    "pattern": _pattern, "patternProperties": _pattern_properties, "additionalProperties": _additional_properties})
_KeysRefused = validators.extend(TimedValidator, {"unevaluatedProperties": _unevaluated_properties_refused})


def timed_validator(schema, **kwargs) -> Draft202012Validator:
    """A Draft 2020-12 validator of `schema` whose regular expressions run with a time limit; a match that runs
    out of time is an error with the keyword TIMED_OUT."""
    return (_KeysRefused if keys_escape_time_limit(schema) else TimedValidator)(schema, **kwargs)
