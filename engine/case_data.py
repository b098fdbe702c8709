"""What case data may hold: plain JSON values, nested at most 50 deep, and at most a size per case."""
from __future__ import annotations

import json
import math
import os

import orjson

from .forms.timed_regex import time_limit, timed_validator

MAX_NESTING = 50
DEFAULT_MAX_BYTES = int(os.environ.get("MAX_CASE_DATA_BYTES") or 1_000_000)


class DataProblem(ValueError):
    """A value that cannot be stored as case data; `field` names the top-level key."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}" if field else message)
        self.field, self.message = field, message


def storable(text) -> bool:
    """Text a database can hold and compare: no NUL, no lone surrogate."""
    if not isinstance(text, str) or "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_scalar(field: str, item) -> None:
    if isinstance(item, str):
        try:
            item.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise DataProblem(field, "text holds an invalid character (a lone surrogate)") from exc
        if "\x00" in item:
            raise DataProblem(field, "text may not hold the NUL character")
    elif isinstance(item, float) and not math.isfinite(item):
        raise DataProblem(field, "numbers must be finite")
    elif not isinstance(item, (int, float, bool, type(None))):
        raise DataProblem(field, f"a {type(item).__name__} cannot be stored in case data")


def check_plain(field: str, value) -> None:
    """Raise DataProblem unless `value` is JSON data (str keys, finite numbers, valid text), not too deep."""
    todo = [(value, 1)]
    while todo:
        item, depth = todo.pop()
        if depth > MAX_NESTING:
            raise DataProblem(field, f"nested more than {MAX_NESTING} levels deep")
        if isinstance(item, dict):
            for key, sub in item.items():
                if not isinstance(key, str):
                    raise DataProblem(field, "object keys must be text")
                _check_scalar(field, key)
                todo.append((sub, depth + 1))
        elif isinstance(item, (list, tuple)):
            todo += [(sub, depth + 1) for sub in item]
        else:
            _check_scalar(field, item)


def check_data(data: dict, max_bytes: int) -> None:
    """Every field plain, and the whole no larger than `max_bytes` as UTF-8 JSON."""
    for key, value in data.items():
        check_plain(str(key), value)
    size = data_size(data)
    if size > max_bytes:
        raise DataProblem("", f"case data is {size:,} bytes; the limit is {max_bytes:,} bytes")


def data_size(data: dict) -> int:
    """Bytes of the data as compact UTF-8 JSON (orjson writes exactly that; the standard library where it refuses)."""
    try:
        return len(orjson.dumps(data))
    except orjson.JSONEncodeError:
        return len(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


RESERVED = frozenset({"case_no", "demo_example"})     # set by the engine only


def start_fields(compiled, host_names) -> dict[str, list[dict]]:
    """The fields a caller may set when starting a case, each with the JSON Schemas its forms give it: the
    start event's `startFields` (comma-separated) and form (`formJsonSchemaFilename`) if it has them, else
    the fields of the process's task forms; never the case number, a host function's name or an internal
    (`_`) name. A value must match one of its field's schemas (a field only named has none)."""
    start = compiled.spec.task_specs[compiled.spec.task_specs["Start"].outputs[0].name]
    props = start.extensions.get("properties", {})
    named = {n.strip() for n in (props.get("startFields") or "").split(",") if n.strip()}
    form_name = props.get("formJsonSchemaFilename")
    forms = [t.form for t in compiled.user_tasks.values()]
    if form_name:
        forms = [f for f in forms if f.name == form_name.removesuffix(".schema.json")][:1]
    fields: dict[str, list[dict]] = {name: [] for name in named}
    for form in forms:
        defs = {k: v for k, v in form.schema.items() if k in ("$defs", "definitions")}
        for name, schema in form.properties.items():
            fields.setdefault(name, []).append({**defs, **schema})
    return {f: schemas for f, schemas in fields.items() if f not in RESERVED and f not in host_names
            and not f.startswith("_")}


def start_value_problem(value, schemas: list[dict]) -> str | None:
    """Why a start value fits none of its field's schemas (types, choices, bounds), or None."""
    with time_limit():                  # a field's pattern is a designer's regex: matched within a time limit
        if not schemas or any(timed_validator(s).is_valid(value) for s in schemas):
            return None
        error = next(timed_validator(schemas[0]).iter_errors(value))
    return error.message[:200]
