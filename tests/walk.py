"""Helpers to walk a diagram through the service layer as its users would."""
from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

from engine.accounts.users import hash_password
from engine.clock import FixedClock
from engine.directory.seed import seed_directory
from engine.library import bundle_from_directory
from engine.service import Service
from engine.store import MemoryStore

ROOT = Path(__file__).resolve().parent.parent
CHINA = dt.timezone(dt.timedelta(hours=8))


def china(month, day, hour=9, minute=0, second=0, year=2026):
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=CHINA)


def end_of(month, day, year=2026):
    return china(month, day, 23, 59, 59, year)


def service_with(*keys) -> Service:
    """A service on an in-memory store, Monday 2026-11-23 09:00 China time, only `keys` deployed."""
    service = Service(MemoryStore(), FixedClock(china(11, 23)))
    service.calendar.seed_from_package()
    seed_directory(service.store, demo_hash())
    for key in keys:
        service.deploy(bundle_from_directory(key, ROOT / "processes", ROOT / "forms"))
    return service


@functools.cache
def demo_hash() -> str:
    """One argon2 hash of "demo" for every demo user of a test run (hashing is slow on purpose)."""
    return hash_password("demo")


def ready(service, iid) -> dict:
    """{bpmn_id: TaskRow} of the case's ready tasks."""
    return {row.bpmn_id: row for row in service.ready_tasks(iid)}


def inbox(service, actor, iid) -> set[str]:
    return {row.bpmn_id for row in service.inbox(actor) if row.instance_id == iid}


def do(service, iid, bpmn_id, actor, data):
    """Complete a ready task `bpmn_id` of the case that sits in `actor`'s inbox."""
    mine = {row.task_id for row in service.inbox(actor)}
    rows = [row for row in service.ready_tasks(iid) if row.bpmn_id == bpmn_id]
    assert rows, f"{bpmn_id} not ready; ready: {sorted(ready(service, iid))}"
    rows = [row for row in rows if row.task_id in mine]
    assert rows, f"{bpmn_id} not in {actor.name}'s inbox"
    return service.complete(rows[0].task_id, data, actor)
