"""Rules JSON Schema cannot say, written as extra keywords in a form's schema and checked after it:
`x-notIn: "<field>"` (a list must not contain that field's value, e.g. co-units without the lead unit),
`x-notBefore: "today"` and `x-notAfter: "today"` (a date or date-time field against today in China)."""
from __future__ import annotations

MESSAGES = {
    "notIn": ("不能包含{v}", "Must not include {v}"),
    "notBefore": ("不能早于今天", "Must not be before today"),
    "notAfter": ("不能晚于今天", "Must not be after today"),
}
RULE_KEYWORDS = ("x-notIn", "x-notBefore", "x-notAfter")


def _text(key: str, lang: str, **values) -> str:
    pair = MESSAGES[key]
    return pair[1 if str(lang).lower().startswith("en") else 0].format(**values)


def _day(value) -> str | None:
    return value[:10] if isinstance(value, str) and len(value) >= 10 else None


def check_rules(form, data: dict, today: str | None, lang: str = "zh") -> dict[str, str]:
    """{field: message} for every broken rule; fields already in error are the caller's to skip."""
    found = {}
    for name, prop in form.properties.items():
        value = data.get(name)
        other = prop.get("x-notIn")
        if other and isinstance(value, list) and data.get(other) is not None and data.get(other) in value:
            label = form.properties.get(other, {}).get("title", other)
            found[name] = _text("notIn", lang, v=label)
        day = _day(value)
        if today and day and prop.get("x-notBefore") == "today" and day < today:
            found[name] = _text("notBefore", lang)
        if today and day and prop.get("x-notAfter") == "today" and day > today:
            found[name] = _text("notAfter", lang)
    return found
