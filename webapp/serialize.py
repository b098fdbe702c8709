"""The JSON shapes of the API contract: instance and task."""
from __future__ import annotations


def _iso(value):
    return value.isoformat() if value else None


def task_json(row) -> dict:
    return {"id": row.task_id, "instance_id": row.instance_id, "process_key": row.process_key,
            "name": row.bpmn_id, "title": row.title, "lane": row.lane, "due_at": _iso(row.due_at),
            "case_title": row.case_title, "assignee": row.assignee}


def links_json(links: dict) -> dict:
    return {"parent": links["parent"].id if links["parent"] else None,
            "children": [{"id": c.id, "process_key": c.process_key, "status": c.status, "title": c.title}
                         for c in links["children"]],
            "outcomes": links["outcomes"]}


def instance_json(rec, ready_tasks=None, data=None) -> dict:
    return {"id": rec.id, "process_key": rec.process_key, "version": rec.version,
            "bundle_hash": rec.bundle_hash, "status": rec.status, "title": rec.title,
            "data": rec.data if data is None else data,
            "ready_tasks": [task_json(t) for t in ready_tasks] if ready_tasks is not None else None,
            "timers": rec.timers or [], "created_at": _iso(rec.created_at),
            "updated_at": _iso(rec.updated_at), "parent_id": rec.parent_id, "error": rec.error}
