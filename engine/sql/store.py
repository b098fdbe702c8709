"""SQLAlchemy store: SQLite by default, PostgreSQL via DATABASE_URL; optimistic locking by version. This file holds
the writes of cases (one transaction a step) and the claims; their reads are in case_reads.py."""
from __future__ import annotations

import datetime as dt
import threading
from contextlib import contextmanager, nullcontext
from dataclasses import replace

from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

try:
    from psycopg import IntegrityError as DriverIntegrityError  # raised as is at the end of a pipeline
except ImportError:                                                # pragma: no cover - SQLite only
    class DriverIntegrityError(Exception):
        pass

from . import direct
from .case_reads import INSTANCE_COLS, TASK_COLS, SqlCaseReads
from .catalog import SqlCatalog
from .engine import make_engine, reader_of
from .rota import SqlRota
from .accounts import SqlAccounts
from .bulletins import SqlBulletins
from .staff import SqlStaff
from .stats import UNREAD, SqlStats, fold_fact, write_fact
from ..records import Conflict, InstanceRecord, Message, TaskRow
from .tables import (CLAIM_DUE, CLAIM_MESSAGE, CLOSE_READY, CLOSE_READY_PG, SAVE_INSTANCE, events, instances,
                         outbox, task_groups, tasks)

INSERT_INSTANCE = insert(instances).inline()       # compiled once, run with the row as parameters
INSERT_EVENTS, INSERT_OUTBOX = insert(events).inline(), insert(outbox).inline()     # inline: no RETURNING
FIXED_COLS = {"id", "process_key", "version", "bundle_hash", "parent_id", "created_at"}   # never updated


class SqlStore(SqlCaseReads, SqlCatalog, SqlAccounts, SqlStats, SqlBulletins, SqlStaff, SqlRota):
    """The InstanceStore contract on SQLAlchemy Core; every write is one transaction."""

    def __init__(self, url_or_engine):
        self.engine = make_engine(url_or_engine) if isinstance(url_or_engine, str) else url_or_engine
        self.reader = reader_of(self.engine)
        self._upserts = {}
        self._held = threading.local()     # the transaction of the claim this thread is working on

    def ping(self):
        with self.reader.connect() as conn:
            conn.execute(select(1))

    def repin_instance(self, rec, tasks_, events_):
        """Save a case moved to another version: like save_instance, but version and bundle change too."""
        new = replace(rec, lock_version=rec.lock_version + 1)
        try:
            with self.engine.begin() as conn:
                changes = {k: v for k, v in _instance_row(new).items() if k not in FIXED_COLS - {"version", "bundle_hash"}}
                done = conn.execute(SAVE_INSTANCE, {**changes, "b_id": rec.id, "b_lock": rec.lock_version})
                if done.rowcount != 1:
                    raise Conflict(rec.id)
                self._write_children(conn, rec.id, tasks_, events_)
        except IntegrityError as exc:
            raise Conflict(rec.id) from exc
        rec.lock_version = new.lock_version

    # instances, tasks, events
    def add_instance(self, rec, tasks_, events_, messages=(), consumed=None, notices=()):
        try:
            with self._transaction() as conn:
                self._consume(conn, consumed)
                previous, fact = fold_fact(conn, rec, events_)          # a new case: nothing to read
                with self._pipeline(conn):                              # PostgreSQL: BEGIN and all in one trip
                    conn.execute(INSERT_INSTANCE, _instance_row(replace(rec, lock_version=1)))
                    self._write_children(conn, rec.id, tasks_, events_, messages, closed=[])
                    write_fact(conn, previous, fact, self.engine.dialect.name)
                    self._write_notices(conn, notices)
        except (IntegrityError, DriverIntegrityError) as exc:
            raise Conflict(rec.id) from exc
        rec.lock_version = 1

    def save_instance(self, rec, tasks_, events_, messages=(), consumed=None, notices=(), closed=None):
        """Write only if nobody wrote since `rec` was read; `rec.lock_version` moves on by one. `closed`: the
        rows of the tasks the step closed, when the caller knows them all (see `_write_children`).
        PostgreSQL: BEGIN, the locked update and the step's writes go in one pipeline round trip, then the
        update's row count decides commit or Conflict (a lost race also fails on the event's key)."""
        new = replace(rec, lock_version=rec.lock_version + 1)
        known, scalars = self._known_read(rec)
        changes = {k: v for k, v in _instance_row(new).items()
                   if k not in FIXED_COLS and (k not in scalars or scalars[k] != v)}    # an index not touched
        params = {**changes, "b_id": rec.id, "b_lock": rec.lock_version}
        pipelined = self.engine.dialect.name == "postgresql" and consumed is None
        try:
            with self._transaction() as conn:
                if pipelined:       # read committed: a step committed after this read fails the locked update
                    previous, fact = fold_fact(conn, new, events_, known)
                    with self._pipeline(conn):
                        done = direct.execute(conn, SAVE_INSTANCE, params)
                        self._write_step(conn, rec.id, tasks_, events_, messages, notices, previous, fact, closed)
                    locked = done.rowcount               # the driver's count, known once the pipeline synced
                else:
                    locked = direct.execute(conn, SAVE_INSTANCE, params).rowcount
                if locked != 1:
                    raise Conflict(rec.id)
                if not pipelined:
                    self._consume(conn, consumed)
                    previous, fact = fold_fact(conn, new, events_, known)
                    with self._pipeline(conn):
                        self._write_step(conn, rec.id, tasks_, events_, messages, notices, previous, fact, closed)
        except (IntegrityError, DriverIntegrityError) as exc:
            raise Conflict(rec.id) from exc
        rec.lock_version = new.lock_version

    def _write_step(self, conn, instance_id, tasks_, events_, messages, notices, previous, fact, closed=None):
        self._write_children(conn, instance_id, tasks_, events_, messages, closed)
        write_fact(conn, previous, fact, self.engine.dialect.name)
        self._write_notices(conn, notices)

    def _pipeline(self, conn):
        """PostgreSQL: send the step's writes, which return nothing we read, in one round trip (psycopg's
        pipeline mode; an error surfaces when the block ends, before the commit). SQLite: as they come."""
        if self.engine.dialect.name != "postgresql":
            return nullcontext()
        return conn.connection.driver_connection.pipeline()

    @contextmanager
    def _transaction(self):
        """Inside a claim, its transaction (committed when the claim ends, keeping its lock till then)."""
        held = getattr(self._held, "conn", None)
        if held is not None:
            yield held
            return
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def _claim(self, query, params, make):
        """Lock one row no other worker holds (FOR UPDATE SKIP LOCKED; SQLite has no row locks but
        serialises writers) and yield it; this thread's writes until the block ends share the lock's
        transaction, so a second worker skips the row instead of racing on it."""
        outer = getattr(self._held, "conn", None)
        with self.engine.begin() as conn:
            row = conn.execute(query, params).first()
            self._held.conn = conn
            try:
                yield make(**row._mapping) if row else None
            finally:
                self._held.conn = outer

    def claim_due_instance(self, now, skip=()):
        return self._claim(CLAIM_DUE, {"b_now": now, "b_skip": list(skip)}, InstanceRecord)

    def claim_message(self):
        return self._claim(CLAIM_MESSAGE, {}, Message)

    def _consume(self, conn, message_id):
        """Mark a message delivered in the same transaction as its effect; twice is a conflict."""
        if message_id is None:
            return
        done = conn.execute(update(outbox).where(outbox.c.id == message_id)
                            .where(outbox.c.delivered_at.is_(None))
                            .values(delivered_at=dt.datetime.now(dt.timezone.utc)))
        if done.rowcount != 1:
            raise Conflict(f"message {message_id}")

    def _write_children(self, conn, instance_id, tasks_, events_, messages=(), closed=None):
        """Close the instance's ready tasks, then upsert the ready ones given, their groups, the events.

        Closing marks every group row not ready; upserting the groups of the tasks still ready marks
        theirs ready again. A group a task no longer has stays behind as not ready: history, not work.
        When the caller knows every task the step closed (`closed`: their rows, [] for none) they are
        upserted with the ready ones, as closed with their groups not ready: no statement closes them."""
        if closed is None:
            self._close_ready_tasks(conn, instance_id)
        rows = [*tasks_, *(replace(r, status="closed") for r in closed or ())]
        if rows:
            direct.execute(conn, self._upsert(tasks, ("task_id",), exclude=("task_id", "created_at")),
                           [_task_values(r) for r in rows])
            groups = [{"task_id": r.task_id, "group_name": g, "ready": r.status == "ready"}
                      for r in rows for g in sorted(set(r.groups))]
            if groups:
                direct.execute(conn, self._upsert(task_groups, ("task_id", "group_name"),
                                                  exclude=("task_id", "group_name")), groups)
        if events_:
            direct.execute(conn, INSERT_EVENTS, [_plain(e) for e in events_])
        if messages:
            direct.execute(conn, INSERT_OUTBOX, [_plain(m) for m in messages])

    def _upsert(self, table, keys, exclude=(), set_=None):
        """INSERT .. ON CONFLICT (keys) DO UPDATE (PostgreSQL and SQLite share the syntax), built once per table
        (SQLAlchemy's `excluded` alias is slow to make) and run with parameters: compiled once, not per call.
        Sets the columns not excluded to the new values, or `set_(excluded)`."""
        if table.name not in self._upserts:
            dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
            base = dialect.insert(table)
            changes = set_(base.excluded) if set_ else {c.name: base.excluded[c.name] for c in table.columns
                                                          if c.name not in exclude}
            self._upserts[table.name] = base.on_conflict_do_update(index_elements=list(keys), set_=changes)
        return self._upserts[table.name]

    def _close_ready_tasks(self, conn, instance_id):
        statements = CLOSE_READY_PG if self.engine.dialect.name == "postgresql" else CLOSE_READY
        for statement in statements:
            conn.execute(statement, {"b_instance": instance_id})

    def _known_read(self, rec) -> tuple:
        """(the fact row, the case's scalar columns) read with `rec` by this thread (taken: used once), else
        (UNREAD, {})."""
        known, self._held.read = getattr(self._held, "read", None), None
        return known[2:] if known and known[:2] == (rec.id, rec.lock_version) else (UNREAD, {})


def _task_values(row: TaskRow) -> dict:
    return {k: getattr(row, k) for k in TASK_COLS}


def _plain(obj) -> dict:
    """A dataclass's fields as a dict, without asdict's deep copy."""
    return {name: getattr(obj, name) for name in obj.__dataclass_fields__}


def _instance_row(rec: InstanceRecord) -> dict:
    return {k: getattr(rec, k) for k in INSTANCE_COLS}
