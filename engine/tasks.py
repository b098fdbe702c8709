"""Materialise a workflow's ready user tasks as worklist rows: groups, due time, masked fields."""
from __future__ import annotations

import datetime as dt
import logging

from .access import as_groups
from .clock import CHINA
from .sandbox.scripting import evaluate
from .store import TaskRow

log = logging.getLogger(__name__)
FALLBACK_GROUPS = ["admins"]


def parse_due(value) -> dt.datetime | None:
    """A date means the end of that day in China time; a datetime without zone is China time. In UTC, as the
    SQL stores give due times back."""
    if not value:
        return None
    text = str(value)
    if len(text) == 10:
        at = dt.datetime.combine(dt.date.fromisoformat(text), dt.time(23, 59, 59), CHINA)
    else:
        at = dt.datetime.fromisoformat(text)
    return (at if at.tzinfo else at.replace(tzinfo=CHINA)).astimezone(dt.timezone.utc)


def task_property(runner, info, ready, name, default=None):
    """Evaluate a task's designer expression; a broken one is logged, not fatal to the case."""
    expression = info.expressions.get(name) if info else None
    if not expression:
        return default
    try:
        return runner.evaluate(expression, ready.data)
    except Exception as exc:  # any error in a designer's expression
        log.warning("task %s: %s = %r failed: %s", ready.bpmn_id, name, expression, exc)
        return default


def task_rows(runner, compiled, instance_id, process_key, case_title, now, resolve=None) -> list[TaskRow]:
    """`resolve`: turns the groups a task names into the groups its row gets (the directory's `head:<unit>`)."""
    rows = []
    for ready in runner.ready_tasks():
        info = compiled.user_tasks.get(ready.bpmn_id)
        groups = sorted(as_groups(task_property(runner, info, ready, "candidateGroups")))
        groups = (resolve(groups) if resolve and groups else groups) or FALLBACK_GROUPS
        try:
            due = parse_due(task_property(runner, info, ready, "dueAt"))
        except ValueError:
            due = None
        rule = due_rule(task_property(runner, info, ready, "dueRule")) if due else None
        rows.append(TaskRow(ready.id, instance_id, process_key, ready.bpmn_id, ready.name, ready.lane,
                            groups, case_title, due, "ready", now, due_rule=rule))
    return rows


def due_rule(value) -> str | None:
    """The stored form of a task's `dueRule`: `[60, "CD"]` gives "CD:60" (a calendar-day period, rolled forward
    over rest days), `[5, "WD"]` "WD:5" (working days); a text is kept as it is (at most 200 characters)."""
    if isinstance(value, (list, tuple)) and len(value) == 2 and value[1] in ("CD", "WD") \
            and isinstance(value[0], int) and not isinstance(value[0], bool):
        return f"{value[1]}:{value[0]}"
    return str(value)[:200] if isinstance(value, str) and value.strip() else None


def fields_masked_for(script_engine, compiled, bpmn_id: str, data: dict) -> list[str]:
    info = compiled.user_tasks.get(bpmn_id)
    expression = info.expressions.get("maskFields") if info else None
    if not expression:
        return []
    try:
        return sorted(as_groups(evaluate(script_engine, expression, data)))
    except Exception as exc:  # a broken mask hides everything personal rather than nothing
        log.warning("task %s: maskFields failed: %s", bpmn_id, exc)
        return sorted(k for k in data if k.startswith("caller_"))


def excluded_users(script_engine, compiled, bpmn_id: str, data: dict) -> set[str]:
    """Users who may not do this task although in its groups (`excludedUsers`, e.g. the absent leader
    may not approve his own absence). A broken expression excludes nobody but is logged."""
    info = compiled.user_tasks.get(bpmn_id)
    expression = info.expressions.get("excludedUsers") if info else None
    if not expression:
        return set()
    try:
        return as_groups(evaluate(script_engine, expression, data))
    except Exception as exc:  # a designer's expression
        log.warning("task %s: excludedUsers failed: %s", bpmn_id, exc)
        return set()


HIDDEN = "（已隐藏）"


def mask(data: dict, fields) -> dict:
    return {k: (HIDDEN if k in fields else v) for k, v in data.items()}
