"""Replay step by step: re-execute the pinned bundle on the recorded inputs and keep, after each event,
what the diagram showed (done, ready) and the case data, rebuilt rather than read from the stored state."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..clock import FixedClock
from ..replay import _same, _step
from ..runtime import ClockDatetime, ProcessError, TaskNotReady
from ..scripting import make_script_engine
from .trace import element_state


@dataclass
class StepState:
    seq: int
    matches: bool                   # the re-executed step reproduced what was recorded
    elements: dict = field(default_factory=dict)   # completed, ready, waiting, timers_fired, flows
    data: dict = field(default_factory=dict)
    status: str = "running"
    error: str = ""


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
            states.append(StepState(event.seq, _same(runner, event), element_state(runner, xml), data, status))
    finally:
        ClockDatetime.local.source = None
    return states


def first_divergence(states) -> StepState | None:
    return next((s for s in states if not s.matches), None)
