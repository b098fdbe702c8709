"""When a field matters, read from the form's own rules: a JSON Schema `allOf` of `if`/`then` whose `if` only
fixes choice fields (`{"properties": {"action": {"const": "reply"}}, "required": ["action"]}`) makes the fields
its `then` names matter only under that choice. The form page shows such a field only while one of its
conditions holds (frontend/pages/form.js) and does not send it otherwise; the server checks the same schema."""
from __future__ import annotations


def shown_when(schema: dict) -> dict[str, list[dict[str, list]]]:
    """{field: [{choice field: [values]}, ...]}: the field is shown when every choice of one condition holds.
    Fields the form always requires, and rules of any other shape, add nothing (the field is always shown)."""
    always = set(schema.get("required") or [])
    found: dict[str, list[dict[str, list]]] = {}
    for rule in schema.get("allOf") or []:
        condition = _condition(rule.get("if")) if isinstance(rule, dict) else None
        then = rule.get("then") if condition else None
        if not isinstance(then, dict):
            continue
        named = [*(then.get("required") or []), *(then.get("properties") or {})]
        for field in dict.fromkeys(named):
            if isinstance(field, str) and field not in always and field not in condition:
                found.setdefault(field, []).append(condition)
    return found


def _condition(test) -> dict[str, list] | None:
    """{field: allowed values} when `test` only fixes fields to constants (and requires them), else None."""
    if not isinstance(test, dict) or set(test) - {"properties", "required"}:
        return None
    props = test.get("properties")
    if not isinstance(props, dict) or not props or set(props) - set(test.get("required") or []):
        return None
    condition = {}
    for field, spec in props.items():
        if not isinstance(spec, dict) or len(spec) != 1:
            return None
        if "const" in spec:
            condition[field] = [spec["const"]]
        elif isinstance(spec.get("enum"), list):
            condition[field] = list(spec["enum"])
        else:
            return None
    return condition
