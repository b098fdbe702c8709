"""InstanceStore: the persistence interface the engine needs, and an in-memory store. The records it speaks in
live in engine/records.py and are importable from here too."""
from __future__ import annotations

import copy
import datetime as dt
import threading
from contextlib import contextmanager
from dataclasses import replace
from typing import ContextManager, Iterable, Protocol

from .stats.facts import next_fact
from .stats.memory import MemoryStats

from .directory.memory import MemoryStaff
from .accounts.memory import MemoryAccounts
from .memory_catalog import MemoryCatalog
from .reception.memory import MemoryRota
from .records import (Conflict, Deployment, Event, InstanceRecord, Message, NotFound, TaskRow, Token, User,
                      task_order)

__all__ = ["Conflict", "Deployment", "Event", "InstanceRecord", "InstanceStore", "MemoryStore", "Message",
           "NotFound", "TaskRow", "Token", "User", "task_order"]


class InstanceStore(Protocol):
    def ping(self) -> None: ...
    def put_bundle(self, bundle_hash: str, key: str, files: dict[str, str]) -> None: ...
    def get_bundle_files(self, bundle_hash: str) -> dict[str, str]: ...
    def add_deployment(self, dep: Deployment) -> Deployment: ...
    def deployments(self, key: str | None = None) -> list[Deployment]: ...
    def deployment_log(self, key: str | None = None, after: tuple[str, int] | None = None,
                       limit: int = 50) -> list[Deployment]: ...
    def add_instance(self, rec: InstanceRecord, tasks: list[TaskRow], events: list[Event],
                     messages=(), consumed: str | None = None, notices=()) -> None: ...
    def get_instance(self, instance_id: str) -> InstanceRecord: ...
    def save_instance(self, rec: InstanceRecord, tasks: list[TaskRow], events: list[Event],
                      messages=(), consumed: str | None = None, notices=(),
                      closed: list[TaskRow] | None = None) -> None: ...
    def pending_messages(self, limit: int = 100) -> list[Message]: ...
    def claim_message(self) -> ContextManager[Message | None]: ...
    def claim_due_instance(self, now: dt.datetime, skip=()) -> ContextManager[InstanceRecord | None]: ...
    def list_instances(self, process_key=None, status=None, ids=None, visible_to=None,
                       parent_id=None, limit=200) -> list[InstanceRecord]: ...
    def instance_groups(self, instance_id: str) -> set[str]: ...
    def running_summary(self, process_key: str) -> dict[int, dict]: ...
    def running_cases(self, process_key: str, version: int | None = None, *, limit: int) -> list[dict]: ...
    def repin_instance(self, rec: InstanceRecord, tasks: list[TaskRow], events: list[Event]) -> None: ...
    def instance_tasks(self, instance_id: str, ready_only: bool = False) -> list[TaskRow]: ...
    def ready_tasks(self, groups: Iterable[str]) -> list[TaskRow]: ...
    def get_task(self, task_id: str) -> TaskRow | None: ...
    def get_task_with_instance(self, task_id: str) -> tuple[TaskRow | None, InstanceRecord | None]: ...
    def due_instances(self, now: dt.datetime, limit: int = 100) -> list[str]: ...
    def events(self, instance_id: str) -> list[Event]: ...
    def events_of_type(self, instance_id: str, type_: str, before: int | None = None,
                       limit: int = 50) -> list[Event]: ...
    def add_user(self, user: User) -> None: ...
    def get_user(self, name: str) -> User | None: ...
    def users(self, after: str | None = None, limit: int | None = None) -> list[User]: ...
    def update_user(self, name: str, **values) -> None: ...
    def add_to_user(self, name: str, column: str, amount: int = 1) -> int: ...
    def add_token(self, token_hash: str, name: str, token_id: str | None = None,
                  created_at: dt.datetime | None = None, expires_at: dt.datetime | None = None) -> None: ...
    def user_for_token(self, token_hash: str) -> User | None: ...
    def token_for_hash(self, token_hash: str) -> Token | None: ...
    def token_with_user(self, token_hash: str) -> tuple[Token, User] | None: ...
    def tokens_of(self, name: str) -> list[Token]: ...
    def tokens_for(self, names: list[str]) -> list[Token]: ...
    def delete_token(self, token_id: str) -> bool: ...
    def hit_counter(self, key: str, window: int, amount: int = 1) -> int: ...
    def counter(self, key: str, window: int) -> int: ...
    def prune_counters(self, before_window: int) -> None: ...
    def calendar_days(self) -> list[tuple[dt.date, str]]: ...
    def set_calendar_days(self, changes: dict[dt.date, str | None]) -> None: ...
    def calendar_years(self) -> set[int]: ...
    def add_calendar_year(self, year: int, source: str) -> None: ...


class MemoryStore(MemoryCatalog, MemoryAccounts, MemoryStats, MemoryStaff, MemoryRota):
    """A complete store in dicts, for fast tests; same contract as the SQL store."""

    def __init__(self):
        self._lock = threading.Lock()
        self._bundles, self._deps, self._instances = {}, [], {}
        self._tasks, self._events, self._users, self._tokens = {}, {}, {}, {}
        self._days, self._years, self._messages = {}, {}, {}
        self._counters: dict[tuple[str, int], int] = {}
        self._facts, self._bulletins = {}, {}

    def ping(self):
        return None

    def add_instance(self, rec, tasks, events, messages=(), consumed=None, notices=()):
        with self._lock:
            if rec.id in self._instances:
                raise Conflict(rec.id)
            self._consume(consumed)
            self._write(replace(rec, lock_version=1), tasks, events, messages)
            self.add_notifications(notices)
            rec.lock_version = 1

    def get_instance(self, instance_id):
        rec = self._instances.get(instance_id)
        if rec is None:
            raise NotFound(instance_id)
        return copy.deepcopy(rec)

    def save_instance(self, rec, tasks, events, messages=(), consumed=None, notices=(), closed=None):
        """`closed` (the rows of the tasks the step closed) spares the SQL store a statement; here every
        ready task of the case is closed before the given rows are written, which ends the same."""
        with self._lock:
            current = self._instances.get(rec.id)
            if current is None or current.lock_version != rec.lock_version:
                raise Conflict(rec.id)
            self._check_seq(rec.id, events)
            self._consume(consumed)
            self._write(replace(rec, lock_version=rec.lock_version + 1), tasks, events, messages)
            self.add_notifications(notices)
            rec.lock_version += 1

    def _consume(self, message_id):
        if message_id is None:
            return
        message = self._messages.get(message_id)
        if message is None or message.delivered_at is not None:
            raise Conflict(f"message {message_id}")
        message.delivered_at = dt.datetime.now(dt.timezone.utc)

    def pending_messages(self, limit=100):
        waiting = [m for m in self._messages.values() if m.delivered_at is None]
        return copy.deepcopy(sorted(waiting, key=lambda m: m.created_at)[:limit])

    @contextmanager
    def claim_message(self):
        """The oldest waiting message (one process: nobody to lock it against)."""
        yield next(iter(self.pending_messages(limit=1)), None)

    @contextmanager
    def claim_due_instance(self, now, skip=()):
        due = [i for i in self.due_instances(now, limit=len(skip) + 1) if i not in skip]
        yield self.get_instance(due[0]) if due else None

    def _check_seq(self, instance_id, events):
        """An event whose seq is taken (a step that lost the race) is a conflict, before anything is written."""
        log = self._events.get(instance_id)
        if events and log and events[0].seq <= log[-1].seq:
            raise Conflict(instance_id)

    def _write(self, rec, tasks, events, messages=()):
        self._instances[rec.id] = copy.deepcopy(rec)
        self._messages.update({m.id: copy.deepcopy(m) for m in messages})
        for row in self._tasks.values():
            if row.instance_id == rec.id and row.status == "ready":
                row.status = "closed"
        for row in tasks:
            old = self._tasks.get(row.task_id)
            self._tasks[row.task_id] = replace(copy.deepcopy(row), created_at=old.created_at if old else row.created_at)
        self._events.setdefault(rec.id, []).extend(copy.deepcopy(events))
        if events:                                                  # figures, in the same write
            self._facts[rec.id] = next_fact(self._facts.get(rec.id), rec, events)

    def list_instances(self, process_key=None, status=None, ids=None, visible_to=None, parent_id=None,
                       limit=200):
        if visible_to is not None:
            seen = {t.instance_id for t in self._tasks.values() if set(visible_to) & set(t.groups)}
            ids = seen if ids is None else set(ids) & seen
        found = [r for r in self._instances.values() if process_key in (None, r.process_key)
                 and status in (None, r.status) and (ids is None or r.id in ids)
                 and parent_id in (None, r.parent_id)]
        return copy.deepcopy(sorted(found, key=lambda r: r.created_at, reverse=True)[:limit])

    def running_summary(self, process_key):
        summary = {}
        for rec in self._instances.values():
            if rec.process_key == process_key and rec.status == "running":
                entry = summary.setdefault(rec.version, {"cases": 0, "tasks": {}})
                entry["cases"] += 1
        for row in self._tasks.values():
            rec = self._instances.get(row.instance_id)
            if row.status == "ready" and rec and rec.process_key == process_key and rec.status == "running":
                tasks = summary[rec.version]["tasks"]
                tasks[row.bpmn_id] = tasks.get(row.bpmn_id, 0) + 1
        return summary

    def running_cases(self, process_key, version=None, *, limit):
        found = sorted((r for r in self._instances.values() if r.process_key == process_key
                        and r.status == "running" and version in (None, r.version)),
                       key=lambda r: r.created_at)[:limit]
        return [{"id": r.id, "version": r.version, "title": r.title, "created_at": r.created_at,
                 "tasks": sorted(t.bpmn_id for t in self._tasks.values()
                                 if t.instance_id == r.id and t.status == "ready")} for r in found]

    def repin_instance(self, rec, tasks, events):
        """Save a case moved to another version of its process (version and bundle change, nothing else may)."""
        with self._lock:
            current = self._instances.get(rec.id)
            if current is None or current.lock_version != rec.lock_version:
                raise Conflict(rec.id)
            self._check_seq(rec.id, events)
            self._write(replace(rec, lock_version=rec.lock_version + 1), tasks, events)
            rec.lock_version += 1

    def instance_groups(self, instance_id):
        return {g for t in self._tasks.values() if t.instance_id == instance_id for g in t.groups}

    def instance_tasks(self, instance_id, ready_only=False):
        rows = [t for t in self._tasks.values() if t.instance_id == instance_id
                and (t.status == "ready" or not ready_only)]
        return copy.deepcopy(sorted(rows, key=task_order))

    def ready_tasks(self, groups):
        groups = set(groups)
        rows = [t for t in self._tasks.values() if t.status == "ready" and groups & set(t.groups)]
        return copy.deepcopy(sorted(rows, key=task_order))

    def get_task(self, task_id):
        return copy.deepcopy(self._tasks.get(task_id))

    def get_task_with_instance(self, task_id):
        row = self.get_task(task_id)
        return (row, self.get_instance(row.instance_id)) if row else (None, None)

    def due_instances(self, now, limit=100):
        due = [r for r in self._instances.values() if r.next_timer_at and r.next_timer_at < now]
        return [r.id for r in sorted(due, key=lambda r: r.next_timer_at)][:limit]

    def events(self, instance_id):
        return copy.deepcopy(self._events.get(instance_id, []))

    def events_of_type(self, instance_id, type_, before=None, limit=50):
        found = [e for e in reversed(self._events.get(instance_id, []))
                 if e.type == type_ and (before is None or e.seq < before)]
        return copy.deepcopy(found[:limit])
