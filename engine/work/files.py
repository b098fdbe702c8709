"""Form fields of type file (`"ui:widget": "files"`): uploads become case attachments and the field keeps
[{id, name, sha256, size}]; a submitted entry must name a file of the same case."""
from __future__ import annotations


def file_fields(form) -> list[str]:
    return [k for k in form.properties if (form.ui.get(k) or {}).get("ui:widget") == "files"]


def entry(meta: dict) -> dict:
    return {"id": meta["id"], "name": meta["name"], "sha256": meta["sha256"], "size": meta["size"]}


def check_entries(store, form, data: dict, instance_id: str, lang: str = "zh") -> dict[str, str]:
    """{field: message} for entries that are not files of this case (or claim another file's name or hash)."""
    problems = {}
    for name in file_fields(form):
        for item in data.get(name) or []:
            meta, _content = store.get_attachment(item.get("id", "")) if isinstance(item, dict) else (None, None)
            if meta is None or meta["instance_id"] != instance_id or entry(meta) != {**entry(meta), **item}:
                problems[name] = "Unknown file" if str(lang).startswith("en") else "附件不属于本案件"
    return problems
