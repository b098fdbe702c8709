"""Form files (JSON Schema + UI schema) checked with messages a designer understands, in both languages."""
from __future__ import annotations

import json

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from ..forms import Form, FormError, load_form
from ..forms.regex_check import keys_escape_time_limit, pattern_problem, schema_regexes
from .problems import problem


def _json(name: str, text: str):
    try:
        return json.loads(text), None
    except (TypeError, ValueError) as exc:
        line = getattr(exc, "lineno", None)
        return None, problem(name, f"不是有效的 JSON（第 {line} 行）：{getattr(exc, 'msg', exc)}。",
                             f"Not valid JSON (line {line}): {getattr(exc, 'msg', exc)}.", line)


def schema_problems(name: str, schema) -> list[dict]:
    if not isinstance(schema, dict) or schema.get("type") != "object":
        return [problem(name, "表单须是对象类型的 JSON Schema：顶层写 \"type\": \"object\"，字段放在 \"properties\" 中。",
                        'A form must be an object schema: "type": "object" at the top, fields under "properties".')]
    found = regex_problems(name, schema)
    if found:
        return found
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        at = "/".join(map(str, exc.absolute_path)) or "(顶层)"
        return [problem(name, f"JSON Schema 无效（{at}）：{exc.message}", f"Invalid JSON Schema at {at}: {exc.message}")]
    props = schema.get("properties") or {}
    return [problem(name, f"必填字段“{n}”不在 properties 中。", f"The required field '{n}' is not in properties.")
            for n in schema.get("required", []) if n not in props]


def regex_problems(name: str, schema: dict) -> list[dict]:
    """A problem for each regular expression of the form that is invalid, too long, or could take the server
    hours on some input (engine.forms.regex_check), named by its field."""
    found = []
    for field, keyword, pattern in schema_regexes(schema):
        why = pattern_problem(pattern)
        if why:
            shown = pattern if len(pattern) <= 60 else pattern[:57] + "..."
            zh_at, en_at = (f"字段“{'.'.join(field)}”", f"the field '{'.'.join(field)}'") if field else ("表单", "the form")
            found.append(problem(name, f"{zh_at}的 {keyword} 正则表达式“{shown}”{why[0]}",
                                 f"The {keyword} regular expression '{shown}' of {en_at} {why[1]}"))
    if keys_escape_time_limit(schema):
        found.append(problem(name, "表单同时使用了 patternProperties 和 unevaluatedProperties，无法在限定时间内校验："
                                   "请用 properties 列出字段，或改用 additionalProperties。",
                             "The form uses patternProperties together with unevaluatedProperties, which cannot "
                             "be checked within a time limit: list the fields in properties, or use "
                             "additionalProperties."))
    return found


def ui_problems(name: str, schema: dict, ui) -> list[dict]:
    if not isinstance(ui, dict):
        return [problem(name, "UI schema 须是 JSON 对象。", "The UI schema must be a JSON object.")]
    props, order = schema.get("properties") or {}, ui.get("ui:order", [])
    if not isinstance(order, list):
        return [problem(name, "ui:order 须是字段名列表。", "ui:order must be a list of field names.")]
    found = [problem(name, f"ui:order 中的字段“{n}”不在表单中。", f"ui:order names the unknown field '{n}'.")
             for n in order if n != "*" and n not in props]
    return found + [problem(name, f"设置了不存在的字段“{k}”。", f"Settings for the unknown field '{k}'.")
                    for k in ui if not k.startswith("ui:") and k not in props]


def check_form(schema_name: str, schema_text: str | None, ui_name: str, ui_text: str | None) -> tuple[Form | None, list]:
    """(the form, []) or (None, problems) for one user task's pair of files."""
    if schema_text is None:
        return None, []
    schema, bad = _json(schema_name, schema_text)
    if bad:
        return None, [bad]
    found = schema_problems(schema_name, schema)
    if found:
        return None, found
    ui, bad = _json(ui_name, ui_text) if ui_text and ui_text.strip() else ({}, None)
    found = [bad] if bad else ui_problems(ui_name, schema, ui)
    if found:
        return None, found
    try:
        return load_form(schema_text, ui_text, schema_name.removesuffix(".schema.json")), []
    except FormError as exc:
        return None, [problem(schema_name, m, m) for m in exc.problems]


def form_fields(files: dict[str, str]) -> set[str]:
    """Every field any form of the bundle names: data a case may hold."""
    names = set()
    for name, text in files.items():
        if name.endswith(".schema.json"):
            try:
                names |= set((json.loads(text).get("properties") or {}))
            except (ValueError, AttributeError):
                continue
    return names
