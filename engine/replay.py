"""Audit replay: run a case's pinned diagrams again on its recorded inputs and compare each step."""
from __future__ import annotations

import json

from .clock import FixedClock
from .forms import blanks
from .runtime import ClockDatetime, ProcessError, Runner, TaskNotReady
from .sandbox.scripting import make_script_engine
from .store import Event


def replay_events(compiled, calendar, events: list[Event], compiled_for=None) -> tuple[bool, int | None]:
    """(True, None) if every recorded step reproduces; else (False, seq of the first that does not).
    A case moved to another version (a "migrated" event) replays on each version in turn: `compiled_for`
    gives the compiled bundle of a hash."""
    if not events:
        return True, None
    moves = [e for e in events if e.type == "migrated"]
    if moves and compiled_for:
        compiled = compiled_for(moves[0].data["from_bundle"])
    clock = FixedClock(events[0].at)
    engine = make_script_engine(clock.now, calendar)
    ClockDatetime.local.source = clock
    try:
        runner = None
        for event in events:
            clock.set(event.at)
            if event.type == "migrated" and compiled_for and runner is not None:
                compiled = compiled_for(event.data["to_bundle"])
                runner = Runner.load(runner.dump(), compiled, engine)
                runner.repredict()
            try:
                runner = _step(runner, compiled, engine, event)
            except (ProcessError, TaskNotReady, KeyError, ValueError, StopIteration):
                return False, event.seq
            if runner is not None and not _same(runner, event):
                return False, event.seq
        return True, None
    finally:
        ClockDatetime.local.source = None


def _step(runner, compiled, engine, event):
    if event.type == "started":
        return Runner.start(compiled, engine, event.data)
    if event.type == "task_completed":
        form = compiled.user_tasks[event.task].form
        runner.complete_by_spec(event.task, event.result.get("task_index") or 0, event.data, blanks(form))
    elif event.type in ("timers_fired", "retried"):
        runner.fire_timers()
    elif event.type == "returned":          # 退回: the same reset, from the task of the same element
        task = next(t for t in runner.ready_tasks() if t.bpmn_id == event.task)
        extra = {k: v for k, v in event.data.items() if k != "to_task"}
        runner.return_to(task.id, event.data["to_task"], extra)
    elif event.type == "message_received":
        runner.deliver(event.data["message"], event.data["payload"])
    return runner


def _same(runner, event) -> bool:
    if "status" not in event.result or event.type == "cancelled":   # no outcome of the diagram's own
        return True
    status = "completed" if runner.is_completed() else "running"
    ready = sorted(t.bpmn_id for t in runner.ready_tasks())
    data = json.loads(json.dumps(runner.data(), default=str))
    return (status, ready, data) == (event.result["status"], event.result["ready"], event.result["data"])
