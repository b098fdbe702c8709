"""Replay step by step: re-execute the pinned bundle on the recorded inputs and keep, after each event,
what the diagram showed (done, ready) and the case data, rebuilt rather than read from the stored state."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..clock import FixedClock
from ..replay import _same, _step
from ..runtime import ClockDatetime, ProcessError, TaskNotReady
from ..sandbox.scripting import make_script_engine
from .trace import element_state


@dataclass
class StepState:
    seq: int
    matches: bool                   # the re-executed step reproduced what was recorded
    elements: dict = field(default_factory=dict)   # completed, ready, waiting, timers_fired, flows
    data: dict = field(default_factory=dict)
    status: str = "running"
    error: str = ""
    differs: dict = field(default_factory=dict)   # what the re-execution gave that the record did not


def replay_states(compiled, calendar, events, upto: int | None = None) -> list[StepState]:
    """One StepState per event up to seq `upto`; stops at the first step that cannot be re-executed."""
    if not events:
        return []
    xml = compiled.bundle.files[f"{compiled.bundle.key}.bpmn"]
    clock = FixedClock(events[0].at)
    engine = make_script_engine(clock.now, calendar)
    ClockDatetime.local.source = clock
    states, runner = [], None
    try:
        for event in events:
            if upto is not None and event.seq > upto:
                break
            clock.set(event.at)
            try:
                runner = _step(runner, compiled, engine, event)
            except (ProcessError, TaskNotReady, KeyError, ValueError) as exc:
                states.append(StepState(event.seq, False, error=str(exc) or type(exc).__name__))
                break
            status = "completed" if runner.is_completed() else "running"
            data = json.loads(json.dumps(runner.data(), default=str))
            same = _same(runner, event)
            states.append(StepState(event.seq, same, element_state(runner, xml), data, status,
                                    differs={} if same else _difference(runner, event, data, status)))
    finally:
        ClockDatetime.local.source = None
    return states


def _difference(runner, event, data, status) -> dict:
    recorded = event.result
    ready = sorted(t.bpmn_id for t in runner.ready_tasks())
    found = {}
    if recorded.get("status") != status:
        found["status"] = [recorded.get("status"), status]
    if sorted(recorded.get("ready", [])) != ready:
        found["ready"] = [sorted(recorded.get("ready", [])), ready]
    was = recorded.get("data", {})
    keys = sorted(k for k in set(was) | set(data) if was.get(k) != data.get(k))
    if keys:
        found["fields"] = keys
    return found


def first_divergence(states) -> StepState | None:
    return next((s for s in states if not s.matches), None)
