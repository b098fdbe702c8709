"""Differences between two versions: files, decision-table rows (by rule id), form fields (by property), elements."""
from __future__ import annotations

import json

from .xmlfiles import BPMN, local, ns, parse_xml, spiff_properties

FORM_ITSELF = "(form)"      # the form's own title, description and field order


def files_diff(a: dict[str, str], b: dict[str, str]) -> dict[str, list[str]]:
    return {"added": sorted(set(b) - set(a)), "removed": sorted(set(a) - set(b)),
            "changed": sorted(n for n in set(a) & set(b) if a[n] != b[n])}


def _d(root, name):
    return [el for el in root.iter() if isinstance(el.tag, str) and local(el) == name]


def _text(el) -> str:
    return " ".join("".join(t.text or "" for t in _d(el, "text")).split())


def _table(text: str | None) -> dict:
    root = parse_xml("", text)[0] if text else None
    if root is None:
        return {"name": "", "columns": [], "rows": {}}
    inputs = [i.get("label") or _text(i) for i in _d(root, "input")]
    outputs = [o.get("label") or o.get("name") or "" for o in _d(root, "output")]
    rows = {}
    for number, rule in enumerate(_d(root, "rule"), 1):
        cells = [_text(e) for e in _d(rule, "inputEntry") + _d(rule, "outputEntry")]
        note = next((d.text or "" for d in rule if isinstance(d.tag, str) and local(d) == "description"), "")
        rows[rule.get("id") or f"#{number}"] = {"number": number, "cells": cells, "note": note.strip()}
    decision = next(iter(_d(root, "decision")), None)
    return {"name": decision.get("name") if decision is not None else "", "columns": inputs + outputs,
            "inputs": len(inputs), "rows": rows}


def dmn_diff(a: dict[str, str], b: dict[str, str]) -> list[dict]:
    """Per DMN file: rows matched by rule id, side by side, with the columns that changed."""
    tables = []
    for name in sorted(n for n in set(a) | set(b) if n.endswith(".dmn")):
        left, right = _table(a.get(name)), _table(b.get(name))
        rows = []
        for rule_id in list(left["rows"]) + [r for r in right["rows"] if r not in left["rows"]]:
            old, new = left["rows"].get(rule_id), right["rows"].get(rule_id)
            status = "added" if old is None else "removed" if new is None else \
                "same" if old == new else "changed"
            changed = [i for i in range(max(len(old["cells"]) if old else 0, len(new["cells"]) if new else 0))
                       if old and new and (old["cells"][i:i + 1] != new["cells"][i:i + 1])]
            rows.append({"id": rule_id, "status": status, "left": old, "right": new, "changed": changed})
        tables.append({"file": name, "name": right["name"] or left["name"],
                       "columns": right["columns"] or left["columns"], "inputs": right.get("inputs", 0),
                       "rows": rows, "changed": any(r["status"] != "same" for r in rows)
                       or left["columns"] != right["columns"]})
    return tables


def _fields(schema_text: str | None, ui_text: str | None) -> dict[str, dict]:
    try:
        schema = json.loads(schema_text) if schema_text else {}
        ui = json.loads(ui_text) if ui_text else {}
    except ValueError:
        return {}
    if not isinstance(schema, dict):
        return {}
    required = set(schema.get("required") or [])
    props = schema.get("properties") or {}
    whole = {k: v for k, v in schema.items() if k not in ("properties", "required", "$schema")}
    if isinstance(ui, dict):
        whole.update({k: v for k, v in ui.items() if k.startswith("ui:")})
    fields = {k: {**p, "required": k in required, **({"ui": ui.get(k)} if isinstance(ui, dict) and ui.get(k) else {})}
              for k, p in props.items() if isinstance(p, dict)}
    return {FORM_ITSELF: whole, **fields}


def form_diff(a: dict[str, str], b: dict[str, str]) -> list[dict]:
    """Per form: each field's properties side by side (title, type, required, choices, limits, UI settings)."""
    forms = []
    for name in sorted(n for n in set(a) | set(b) if n.endswith(".schema.json")):
        ui = name.replace(".schema.json", ".uischema.json")
        left, right = _fields(a.get(name), a.get(ui)), _fields(b.get(name), b.get(ui))
        fields = []
        for key in list(left) + [k for k in right if k not in left]:
            old, new = left.get(key), right.get(key)
            status = "added" if old is None else "removed" if new is None else "same" if old == new else "changed"
            attrs = sorted(set(old or {}) | set(new or {}))
            fields.append({"key": key, "status": status, "rows": [
                {"attr": at, "left": _show((old or {}).get(at)), "right": _show((new or {}).get(at)),
                 "changed": (old or {}).get(at) != (new or {}).get(at)} for at in attrs]})
        forms.append({"file": name, "fields": fields, "changed": any(f["status"] != "same" for f in fields)})
    return forms


def _show(value) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _elements(text: str | None) -> dict[str, dict]:
    root = parse_xml("", text)[0] if text else None
    if root is None:
        return {}
    found = {}
    for el in root.iter():
        if isinstance(el.tag, str) and ns(el) == BPMN and el.get("id") and local(el) not in ("definitions",):
            content = {"type": local(el), "name": el.get("name") or "", "props": spiff_properties(el),
                       "attrs": {k: v for k, v in el.attrib.items() if k not in ("id", "name")},
                       "text": " ".join(t.strip() for t in el.itertext() if t.strip())[:500]}
            found[el.get("id")] = content
    return found


def bpmn_diff(a: str | None, b: str | None) -> list[dict]:
    """Elements added, removed or changed (by id): a list for those who cannot see the coloured diagram."""
    left, right = _elements(a), _elements(b)
    result = []
    for el_id in list(left) + [i for i in right if i not in left]:
        old, new = left.get(el_id), right.get(el_id)
        if old == new:
            continue
        status = "added" if old is None else "removed" if new is None else "changed"
        what = new or old
        result.append({"id": el_id, "type": what["type"], "name": what["name"] or (old or {}).get("name", ""),
                       "status": status, "old_name": (old or {}).get("name", "")})
    return [r for r in result if r["type"] not in ("incoming", "outgoing")]
