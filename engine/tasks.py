"""Materialise a workflow's ready user tasks as worklist rows: groups, due time, masked fields."""
from __future__ import annotations

import datetime as dt
import logging

from .access import as_groups
from .clock import CHINA
from .forms import defaults
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
CARRY_OVER = "x-carryOver"


def form_values(form, data: dict, masked, previous: dict | None) -> tuple[dict, list[str]]:
    """What a task's form starts with, and which of those values are last run's answers carried over.

    The form's defaults, then the case data for its fields, except masked fields and empty values, and except
    what the previous run of the same task answered and nothing has changed since: a repeated task's decision
    (the choice that routes the case, its reason or comment, dates, numbers, confirmations) is made afresh each
    round instead of being offered the old one, which a user submitting unchanged would record as a new decision.
    A field marked `"x-carryOver": true` in the form's schema (a text the user revises, such as a reply sent
    back for a redo) keeps last run's value, listed in the second result so the form can say so. A value the
    process set since (a script's proposal for the new round) is offered as usual. `previous`: what the earlier
    run left (runtime.Runner.previous_run), None when the task runs for the first time."""
    values, carried = defaults(form), []
    for name, prop in form.properties.items():
        value = data.get(name)
        if name in masked or value is None:
            continue
        if previous is not None and name in previous and previous[name] == value:
            if not prop.get(CARRY_OVER):
                continue
            carried.append(name)
        values[name] = value
    return values, carried


def mask(data: dict, fields) -> dict:
    return {k: (HIDDEN if k in fields else v) for k, v in data.items()}
