"""Dry run: walk proposed (not deployed) files with sample data, in memory; nothing is stored anywhere.

Stateless: the caller keeps the list of steps taken so far and every call replays them from the start."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..access import Actor
from ..clock import FixedClock
from ..forms import coerce
from ..library import Bundle
from ..runtime import ClockDatetime, ProcessError
from ..service import InvalidData, Service, TaskClosed
from ..store import MemoryStore


@dataclass
class Snapshot:
    """What the case looks like after one step."""
    step: dict
    at: dt.datetime
    status: str
    ready: list[dict]
    timers: list[dict]
    data: dict
    sent: list[str] = field(default_factory=list)


@dataclass
class DryRun:
    snapshots: list[Snapshot]
    error: dict | None              # {"step": n, "message": ..., "fields": {...}} where the walk stopped
    forms: dict                     # bpmn_id -> Form of the ready tasks
    compiled: object


class _DryService(Service):
    """A service on a private memory store and clock, with the real holiday table; its clock is this thread's."""

    def __init__(self, clock, calendar, directory=None):
        before = ClockDatetime.source
        super().__init__(MemoryStore(), clock)
        ClockDatetime.source = before          # never move the clock of the real service
        self.calendar._cached = calendar
        if directory is not None:              # the real organisation, read only: unit pickers offer its units
            self.directory = directory

    def now(self):
        ClockDatetime.local.source = self.clock
        return self.clock.now()


def dry_run(bundle: Bundle, calendar, start_at: dt.datetime, start_data: dict, steps: list[dict],
            directory=None) -> DryRun:
    """Replay `steps` ({"task": bpmn_id, "index": i, "data": {...}} or {"timer": true}) on the files."""
    clock = FixedClock(start_at)
    service = _DryService(clock, calendar, directory)
    try:
        service.now()
        dep = service.deploy(bundle, "dry-run")
        compiled = service.compiled(dep.bundle_hash)
        everyone = Actor("dry-run", frozenset({"admins"}))
        rec = service.start(bundle.key, start_data or {}, everyone)
        snapshots, error = [_snap(service, rec.id, {"start": True})], None
        for number, step in enumerate(steps, 1):
            try:
                _apply(service, rec.id, step, compiled)
            except (InvalidData, TaskClosed, ProcessError, KeyError, ValueError) as exc:
                error = {"step": number, "message": str(exc), "fields": getattr(exc, "fields", {})}
                break
            snapshots.append(_snap(service, rec.id, step))
        forms = {r["bpmn_id"]: compiled.user_tasks[r["bpmn_id"]].form for r in snapshots[-1].ready
                 if r["bpmn_id"] in compiled.user_tasks}
        return DryRun(snapshots, error, forms, compiled)
    finally:
        ClockDatetime.local.source = None


def _apply(service, instance_id: str, step: dict, compiled) -> None:
    if step.get("timer"):
        rec = service.store.get_instance(instance_id)
        if rec.next_timer_at is None:
            raise ValueError("no timer is waiting")
        service.clock.set(rec.next_timer_at + dt.timedelta(seconds=1))
        service.fire_due_timers()
        return
    rows = [r for r in service.ready_tasks(instance_id) if r.bpmn_id == step.get("task")]
    row = rows[min(int(step.get("index") or 0), len(rows) - 1)] if rows else None
    if row is None:
        raise KeyError(f"task {step.get('task')} is not ready")
    if step.get("advance_hours"):
        service.clock.advance(hours=float(step["advance_hours"]))
    actor = Actor("dry-run", frozenset(row.groups))
    service.complete(row.task_id, step.get("data") or {}, actor)


def form_step(compiled, bpmn_id: str, index: int, formdata) -> dict:
    """A step from an HTML form post, typed by the same rules as a real task page."""
    form = compiled.user_tasks[bpmn_id].form
    return {"task": bpmn_id, "index": index, "data": coerce(form, formdata)}


def _snap(service, instance_id: str, step: dict) -> Snapshot:
    rec = service.store.get_instance(instance_id)
    ready, seen = [], {}
    for r in service.ready_tasks(instance_id):
        seen[r.bpmn_id] = seen.get(r.bpmn_id, -1) + 1
        ready.append({"task_id": r.task_id, "bpmn_id": r.bpmn_id, "index": seen[r.bpmn_id], "name": r.title,
                      "lane": r.lane, "groups": r.groups, "due_at": r.due_at})
    events = service.store.events(instance_id)
    sent = events[-1].result.get("sent", []) if events else []
    return Snapshot(step, service.now(), rec.status, ready, rec.timers, rec.data, sent)

