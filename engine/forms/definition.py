"""A form definition: loading and checking a JSON Schema + UI schema pair, coercing HTML posts, showing values."""
from __future__ import annotations

import copy
import json
import math
import re
from dataclasses import dataclass
from functools import cached_property
from datetime import datetime

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from ..clock import CHINA
from .conditions import shown_when

MISSING = object()
WIDGETS = {"text", "textarea", "select", "radio", "checkbox", "hidden", "date", "datetime",
           "number", "email", "tel", "url", "password"}
TRUE_WORDS, FALSE_WORDS = {"true", "on", "1", "yes", "是"}, {"false", "off", "0", "no", "否"}
LOCAL_DT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")
class FormError(Exception):
    """A form definition that cannot be used; `problems` says what is wrong, one message each."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


def _type(schema: dict):
    kind = schema.get("type")
    return next((k for k in kind if k != "null"), None) if isinstance(kind, list) else kind


def _choices(schema: dict, ui: dict | None = None) -> list[tuple]:
    """[(value, title)] of a oneOf/anyOf-of-consts, an enum (with ui:enumNames) or a boolean."""
    alts = schema.get("oneOf") or schema.get("anyOf") or []
    if alts and all(isinstance(a, dict) and "const" in a for a in alts):
        return [(a["const"], a.get("title", str(a["const"]))) for a in alts]
    if isinstance(schema.get("enum"), list):
        names = (ui or {}).get("ui:enumNames") or []
        return [(v, names[i] if i < len(names) else str(v)) for i, v in enumerate(schema["enum"])]
    return [(True, "是"), (False, "否")] if _type(schema) == "boolean" else []


def _widget(schema: dict, ui: dict) -> str:
    kind, explicit = _type(schema), ui.get("ui:widget")
    if explicit == "files" and kind == "array":      # uploaded files: [{id, name, sha256, size}] (engine.work.files)
        return "files"
    if kind == "array":
        items = schema.get("items") or {}
        if _type(items) == "object":
            return "rows"
        return ("multiselect" if explicit == "select" else "checkboxes") if _choices(items, ui) else "lines"
    if explicit in WIDGETS:
        return explicit
    if kind == "boolean":
        return "checkbox"
    if _choices(schema, ui):
        return "select"
    if kind in ("integer", "number"):
        return "number"
    return {"date": "date", "date-time": "datetime"}.get(schema.get("format"), "text")


def _spec(key: str, schema: dict, ui: dict, required: bool) -> dict:
    """What the form template needs to draw one field (it reads limits straight from `schema`)."""
    ui, items = (ui if isinstance(ui, dict) else {}), schema.get("items") or {}
    widget = _widget(schema, ui)
    columns = [_spec(k, s, (ui.get("items") or {}).get(k, {}), k in items.get("required", []))
               for k, s in (items.get("properties") or {}).items()] if widget == "rows" else []
    choices = _choices(items if _type(schema) == "array" else schema, ui)
    return {"key": key, "id": "f-" + key, "schema": schema, "ui": ui, "widget": widget, "columns": columns,
            "label": schema.get("title", key), "required": required, "rows": min(schema.get("maxItems") or 5, 20),
            "choices": [{"value": _as_input(v), "title": t} for v, t in choices],
            "help": [h for h in (ui.get("ui:help"), schema.get("description")) if h]}


def _local_minutes(value: str) -> str:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return (moment.astimezone(CHINA) if moment.tzinfo else moment).strftime("%Y-%m-%dT%H:%M")


def _as_input(value, schema: dict | None = None):
    """A stored value as an HTML input shows it: strings, lists of strings for arrays."""
    schema = schema or {}
    if _type(schema) == "array" or isinstance(value, list):
        values = value if isinstance(value, list) else ([] if value in (None, "") else [value])
        return [_as_input(v, schema.get("items")) for v in values]
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and schema.get("format") == "date-time":
        return _local_minutes(value)
    return str(value)


def _display(value, schema: dict, ui: dict) -> str:
    if isinstance(value, list):
        sep = "；" if any(isinstance(v, dict) for v in value) else "、"
        return sep.join(_display(v, schema.get("items") or {}, ui) for v in value)
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        return "，".join(f"{props.get(k, {}).get('title', k)}：{_display(v, props.get(k, {}), {})}"
                        for k, v in value.items())
    for const, title in _choices(schema, ui):
        if const == value and type(const) is type(value):
            return title
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, str) and schema.get("format") == "date-time":
        return _local_minutes(value).replace("T", " ")
    return "" if value is None else str(value)


@dataclass(frozen=True)
class Form:
    """One user task's form: a JSON Schema and its RJSF-style UI schema."""
    name: str
    schema: dict
    ui: dict

    @property
    def properties(self) -> dict:
        return self.schema.get("properties") or {}

    @cached_property
    def validator(self):
        """The JSON Schema validator of this form, made once (engine.forms.validation.make_validator)."""
        from .validation import make_validator        # which imports this module
        return make_validator(self.schema)

    @property
    def required(self) -> list[str]:
        return self.schema.get("required") or []

    def field_order(self) -> list[str]:
        order = list(dict.fromkeys(n for n in self.ui.get("ui:order", []) if n == "*" or n in self.properties))
        rest = [n for n in self.properties if n not in order]
        at = order.index("*") if "*" in order else len(order)
        return order[:at] + rest + order[at + 1:]

    def shown_when(self) -> dict[str, list[dict[str, list]]]:
        """The choices under which a field matters (engine/forms/conditions.py)."""
        return shown_when(self.schema)

    def labels(self) -> dict[str, str]:
        return {k: p.get("title", k) for k, p in self.properties.items()}

    def choice_label(self, field: str, value) -> str:
        return _display(value, self.properties.get(field) or {}, self.ui.get(field) or {})

    def fields(self) -> list[dict]:
        """Field specs, in display order, for the form template."""
        return [_spec(k, self.properties[k], self.ui.get(k, {}), k in self.required) for k in self.field_order()]

    def input_value(self, spec: dict, value):
        return _as_input(value, spec["schema"])


def _parse(text, file: str):
    try:
        return json.loads(text)
    except (TypeError, ValueError) as exc:  # JSONDecodeError is a ValueError
        raise FormError([f"{file}: not valid JSON: {exc}"]) from None


def _schema_problems(schema, file: str) -> list[str]:
    if not isinstance(schema, dict):
        return [f"{file}: the schema must be a JSON object"]
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        where = "/".join(map(str, exc.absolute_path)) or "(top level)"
        return [f"{file}: invalid JSON Schema at {where}: {exc.message}"]
    props = schema.get("properties") or {}
    problems = [] if schema.get("type") == "object" else [f'{file}: top-level "type" must be "object"']
    problems += [f"{file}: required field '{n}' is not in properties" for n in schema.get("required", [])
                 if n not in props]
    return problems


def _ui_problems(schema: dict, ui, file: str) -> list[str]:
    if not isinstance(ui, dict):
        return [f"{file}: the UI schema must be a JSON object"]
    props, order = schema.get("properties") or {}, ui.get("ui:order", [])
    if not isinstance(order, list):
        return [f"{file}: ui:order must be a list of field names"]
    problems = [f"{file}: ui:order names unknown field '{n}'" for n in order if n != "*" and n not in props]
    return problems + [f"{file}: settings for unknown field '{k}'" for k in ui
                       if not k.startswith("ui:") and k not in props]


def load_form(schema_text: str, ui_text: str | None, name: str) -> Form:
    """Parse and check a form's two files; raise FormError listing the problems."""
    schema = _parse(schema_text, f"{name}.schema.json")
    ui = {} if ui_text is None or not ui_text.strip() else _parse(ui_text, f"{name}.uischema.json")
    problems = _schema_problems(schema, f"{name}.schema.json")
    problems += _ui_problems(schema, ui, f"{name}.uischema.json") if isinstance(schema, dict) else []
    if problems:
        raise FormError(problems)
    return Form(name, schema, ui)


def defaults(form: Form) -> dict:
    return {k: copy.deepcopy(p["default"]) for k, p in form.properties.items() if "default" in p}


def blanks(form: Form) -> dict:
    """What an optional field left out stands for: [] for lists, False for booleans, else None."""
    empty = {"array": [], "boolean": False}
    return {k: empty.get(_type(v)) for k, v in form.properties.items()}


def _getlist(formdata, name: str) -> list:
    if hasattr(formdata, "getlist"):
        return list(formdata.getlist(name))
    value = formdata.get(name)
    return [] if value is None else list(value) if isinstance(value, (list, tuple)) else [value]


def _number(text: str, kind: str):
    try:
        num = float(text) if any(c in text for c in ".eE") else int(text)
    except ValueError:
        return text
    if isinstance(num, float) and not math.isfinite(num):
        return text
    return int(num) if kind == "integer" and isinstance(num, float) and num.is_integer() else num


def _scalar(raw, schema: dict):
    """One posted string as typed JSON; MISSING when blank; the raw text when it does not parse."""
    if not isinstance(raw, str):
        return raw
    text, kind = raw.replace("\r\n", "\n").strip(), _type(schema)
    if text == "":
        return MISSING
    for value, _ in _choices(schema):
        if _as_input(value) == text:
            return value
    if kind == "boolean":
        return True if text.lower() in TRUE_WORDS else False if text.lower() in FALSE_WORDS else text
    if kind in ("integer", "number"):
        return _number(text, kind)
    if schema.get("format") == "date-time" and LOCAL_DT.match(text):  # from <input type=datetime-local>
        return text.replace(" ", "T") + (":00" if len(text) == 16 else "") + "+08:00"
    return text


def _rows(formdata, key: str, items: dict, ui: dict) -> list[dict]:
    props, pattern = items.get("properties") or {}, re.compile(re.escape(key) + r"-(\d{1,3})-(.+)$")
    indexes = sorted({int(m.group(1)) for m in map(pattern.match, formdata.keys()) if m and m.group(2) in props})
    rows = []
    for i in indexes:
        row = {p: _field(formdata, f"{key}-{i}-{p}", s, (ui.get("items") or {}).get(p, {}), False)
               for p, s in props.items()}
        row = {p: v for p, v in row.items() if v is not MISSING}
        if any(v is not False for v in row.values()):
            rows.append(row)
    return rows


def _field(formdata, key: str, schema: dict, ui: dict, required: bool):
    kind, values = _type(schema), _getlist(formdata, key)
    if kind == "array":
        items = schema.get("items") or {}
        if ui.get("ui:widget") == "files":
            found = [v for v in values if isinstance(v, dict)]
        elif _type(items) == "object":
            found = _rows(formdata, key, items, ui) or [v for v in values if isinstance(v, dict)]
        else:
            lines = values if _choices(items, ui) else [ln for v in values for ln in str(v).splitlines()]
            found = [v for v in (_scalar(x, items) for x in lines) if v is not MISSING]
        return MISSING if required and not found else found
    if kind == "boolean" and not values:
        return MISSING if ui.get("ui:widget") in ("radio", "select") else False
    return _scalar(values[-1], schema) if values else MISSING


def coerce(form: Form, formdata) -> dict:
    """An HTML post (MultiDict, or a dict of lists/values) as typed JSON data; unknown names are ignored."""
    data = {}
    for key, schema in form.properties.items():
        value = _field(formdata, key, schema, form.ui.get(key) or {}, key in form.required)
        if value is not MISSING:
            data[key] = value
    return data
