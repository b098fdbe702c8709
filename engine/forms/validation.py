"""Validate submitted data against a task's form; one human message per field, Chinese or English."""
from __future__ import annotations

import re
from datetime import datetime

from jsonschema import Draft202012Validator, FormatChecker

from .rules import check_rules
from .definition import Form, _choices, _type
from .timed_regex import TIMED_OUT, time_limit, timed_validator

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", re.I | re.A)
FORMATS = FormatChecker()
PRIORITY = {"required": 0, "type": 1, "dependentRequired": 2}
MESSAGES = {  # validator keyword -> (Simplified Chinese, English); {v} is the keyword's value
    "required": ("此项为必填项", "This field is required"), "integer": ("请输入整数", "Please enter a whole number"),
    "number": ("请输入数字", "Please enter a number"), "string": ("请输入文字", "Please enter text"),
    "boolean": ("请选择是或否", "Please choose yes or no"), "object": ("格式不正确", "Invalid value"),
    "array": ("请选择一项或多项", "Please choose one or more items"),
    "choice": ("请选择列表中的选项", "Please choose one of the listed options"),
    "const": ("取值应为“{v}”", "The value must be “{v}”"), "checked": ("必须勾选此项", "This box must be ticked"),
    "date": ("日期格式应为 YYYY-MM-DD", "Dates must look like YYYY-MM-DD"),
    "date-time": ("日期时间格式应为 YYYY-MM-DD HH:MM", "Date and time must look like YYYY-MM-DD HH:MM"),
    "email": ("请输入有效的电子邮箱地址", "Please enter a valid e-mail address"),
    "format": ("格式不正确", "Invalid format"), "pattern": ("格式不正确", "Invalid format"),
    TIMED_OUT: ("内容过长或过于复杂，无法在限定时间内核对格式，请简化后重试",
                "This value took too long to check against its format: shorten or simplify it"),
    "minLength": ("至少需要 {v} 个字符", "Enter at least {v} characters"),
    "maxLength": ("不能超过 {v} 个字符", "Enter at most {v} characters"),
    "minimum": ("不能小于 {v}", "Must be at least {v}"), "maximum": ("不能大于 {v}", "Must be at most {v}"),
    "exclusiveMinimum": ("必须大于 {v}", "Must be greater than {v}"),
    "exclusiveMaximum": ("必须小于 {v}", "Must be less than {v}"),
    "multipleOf": ("必须是 {v} 的倍数", "Must be a multiple of {v}"),
    "maxItems": ("最多 {v} 项", "Choose at most {v} items"), "minItems": ("至少 {v} 项", "Choose at least {v} items"),
    "uniqueItems": ("不能有重复项", "Items must not repeat"),
    "additionalProperties": ("包含未知字段：{v}", "Unknown fields: {v}"), "fallback": ("输入不正确", "Invalid value"),
}



@FORMATS.checks("date-time", raises=ValueError)
def _is_datetime(value) -> bool:
    if not isinstance(value, str):
        return True
    return bool(RFC3339.match(value)) and bool(datetime.fromisoformat(value.upper().replace("Z", "+00:00")))


def _paths(err) -> list[str]:
    """Where to show an error: a missing field itself; a multi-select's or row's problem on the whole list."""
    path, have = [str(p) for p in err.absolute_path], err.instance if isinstance(err.instance, dict) else {}
    if err.validator == "required":
        return [".".join(path + [n]) for n in err.validator_value if n not in have]
    if err.validator == "dependentRequired":
        return [".".join(path + [d]) for t, deps in err.validator_value.items() if t in have
                for d in deps if d not in have]
    return [".".join(path[:-1] if len(path) > 1 and path[-1].isdigit() else path)]


def _message(err, lang: str, label) -> str:
    column = 1 if str(lang).lower().startswith("en") else 0
    text, kw, val = {k: pair[column] for k, pair in MESSAGES.items()}, err.validator, err.validator_value
    if kw in ("required", "dependentRequired"):
        return text["required"]
    if kw == "type":
        return text.get(_type({"type": val}), text["fallback"])
    if kw in ("enum", "oneOf", "anyOf") and (kw == "enum" or _choices(err.schema)):
        return text["choice"]
    if kw == "const":
        return text["checked"] if val is True else text["const"].format(v=label(val))
    if kw == "format":
        return text.get(val, text["format"])
    if kw in ("additionalProperties", "unevaluatedProperties"):
        extra = sorted(set(err.instance) - set(err.schema.get("properties") or {}))
        return text["additionalProperties"].format(v=", ".join(extra))
    return text[kw].format(v=val) if kw in text else text["fallback"]


ANNOTATIONS = {"title", "description", "$comment"}


def make_validator(schema: dict) -> Draft202012Validator:
    """A validator of `schema` in which each list of choices written as a oneOf/anyOf of consts (with titles) is
    checked as the enum it is: the same verdict and message ("choice"), without validating every option as a
    schema of its own (a fifth of the time for a form such as the hotline's registration). Its patterns run with
    a time limit (engine.forms.timed_regex): a pattern written by a designer can never hold the server."""
    return timed_validator(_as_enums(schema), format_checker=FORMATS)


def _as_enums(schema):
    if isinstance(schema, list):
        return [_as_enums(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _as_enums(v) for k, v in schema.items()}
    for keyword in ("oneOf", "anyOf"):
        options = schema.get(keyword)
        if isinstance(options, list) and options and "enum" not in out \
                and all(isinstance(o, dict) and set(o) <= ANNOTATIONS | {"const"} for o in options):
            consts = [o.get("const") for o in options]
            if all(isinstance(c, str) for c in consts) and len(set(consts)) == len(consts):
                del out[keyword]            # distinct strings: exactly one matches whenever any does
                out["enum"] = consts
    return out


def validate(form: Form, data: dict, lang: str = "zh", today: str | None = None) -> dict[str, str]:
    """{field path: message}: '' for whole-form problems, 'rows.0.name' for a field inside a row.
    `today` ("YYYY-MM-DD", China) turns on the date rules of engine.forms.rules."""
    validator = form.validator
    found: dict[str, str] = {}
    with time_limit():
        errors = sorted(validator.iter_errors(data), key=lambda e: PRIORITY.get(e.validator, 9))
    for err in errors:
        field = str(err.absolute_path[0]) if err.absolute_path else ""
        for path in _paths(err):
            found.setdefault(path, _message(err, lang, lambda v: form.choice_label(field, v)))
    for path, message in check_rules(form, data, today, lang).items():
        found.setdefault(path, message)
    rank = {k: i for i, k in enumerate(form.field_order())}
    return dict(sorted(found.items(), key=lambda kv: rank.get(kv[0].split(".")[0], len(rank))))
