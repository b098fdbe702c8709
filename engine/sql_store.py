"""SQLAlchemy store: SQLite by default, PostgreSQL via DATABASE_URL; optimistic locking by version."""
from __future__ import annotations

import datetime as dt
import threading
from contextlib import contextmanager, nullcontext
from dataclasses import replace

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

try:
    from psycopg import IntegrityError as DriverIntegrityError  # raised as is at the end of a pipeline
except ImportError:                                                # pragma: no cover - SQLite only
    class DriverIntegrityError(Exception):
        pass

from .sql_catalog import SqlCatalog
from .sql_engine import make_engine
from .sql_rota import SqlRota
from .sql_accounts import SqlAccounts
from .sql_bulletins import SqlBulletins
from .sql_staff import SqlStaff
from .sql_stats import UNREAD, SqlStats, fold_fact, write_fact
from .sql_tables import (CLAIM_DUE, CLAIM_MESSAGE, CLOSE_READY, CLOSE_READY_PG, SAVE_INSTANCE, case_facts, events,
                         instances, outbox, task_groups, tasks)
from .store import Conflict, Event, InstanceRecord, Message, NotFound, TaskRow, task_order

INSTANCE_COLS = [c.name for c in instances.columns]
TASK_COLS = [c.name for c in tasks.columns]
FACT_COLS = [c.name for c in case_facts.columns]
TASK_WITH_INSTANCE = select(tasks, task_groups.c.group_name, task_groups.c.ready.label("group_ready"),
                            *[c.label(f"i_{c.name}") for c in instances.columns],
                            *[c.label(f"f_{c.name}") for c in case_facts.columns]) \
    .join(instances, instances.c.id == tasks.c.instance_id) \
    .outerjoin(case_facts, case_facts.c.instance_id == tasks.c.instance_id) \
    .outerjoin(task_groups, task_groups.c.task_id == tasks.c.task_id).where(tasks.c.task_id == bindparam("b_task"))
INSERT_INSTANCE = insert(instances).inline()       # compiled once, run with the row as parameters
FIXED_COLS = {"id", "process_key", "version", "bundle_hash", "parent_id", "created_at"}   # never updated


class SqlStore(SqlCatalog, SqlAccounts, SqlStats, SqlBulletins, SqlStaff, SqlRota):
    """The InstanceStore contract on SQLAlchemy Core; every write is one transaction."""

    def __init__(self, url_or_engine):
        self.engine = make_engine(url_or_engine) if isinstance(url_or_engine, str) else url_or_engine
        # single-statement reads need no BEGIN/ROLLBACK round trips
        self.reader = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self._upserts = {}
        self._held = threading.local()     # the transaction of the claim this thread is working on

    def ping(self):
        with self.reader.connect() as conn:
            conn.execute(select(1))

    def running_summary(self, process_key):
        """Running cases per version and their ready tasks, from the indexed columns (no case is loaded)."""
        running = (instances.c.process_key == process_key) & (instances.c.status == "running")
        cases = select(instances.c.version, func.count()).where(running).group_by(instances.c.version)
        ready = select(instances.c.version, tasks.c.bpmn_id, func.count()) \
            .join(instances, instances.c.id == tasks.c.instance_id) \
            .where(running & (tasks.c.status == "ready")).group_by(instances.c.version, tasks.c.bpmn_id)
        summary = {}
        with self.reader.connect() as conn:
            for version, count in conn.execute(cases):
                summary[version] = {"cases": count, "tasks": {}}
            for version, bpmn_id, count in conn.execute(ready):      # of running cases: counted above
                summary[version]["tasks"][bpmn_id] = count
        return summary

    def running_cases(self, process_key, version=None, *, limit):
        query = select(instances.c.id, instances.c.version, instances.c.title, instances.c.created_at) \
            .where(instances.c.process_key == process_key).where(instances.c.status == "running")
        if version is not None:
            query = query.where(instances.c.version == version)
        with self.reader.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(query.order_by(instances.c.created_at).limit(limit))]
            ready = conn.execute(select(tasks.c.instance_id, tasks.c.bpmn_id).where(tasks.c.status == "ready")
                                 .where(tasks.c.instance_id.in_([r["id"] for r in rows])))
            by_case = {}
            for instance_id, bpmn_id in ready:
                by_case.setdefault(instance_id, []).append(bpmn_id)
        return [{**r, "tasks": sorted(by_case.get(r["id"], []))} for r in rows]

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
                conn.execute(INSERT_INSTANCE, _instance_row(replace(rec, lock_version=1)))
                previous, fact = fold_fact(conn, rec, events_)
                with self._pipeline(conn):
                    self._write_children(conn, rec.id, tasks_, events_, messages, closed=[])
                    write_fact(conn, previous, fact, self.engine.dialect.name)
                    self._write_notices(conn, notices)
        except (IntegrityError, DriverIntegrityError) as exc:
            raise Conflict(rec.id) from exc
        rec.lock_version = 1

    def get_instance(self, instance_id):
        with self.reader.connect() as conn:
            row = conn.execute(select(instances).where(instances.c.id == instance_id)).first()
        if row is None:
            raise NotFound(instance_id)
        return InstanceRecord(**row._mapping)

    def save_instance(self, rec, tasks_, events_, messages=(), consumed=None, notices=(), closed=None):
        """Write only if nobody wrote since `rec` was read; `rec.lock_version` moves on by one. `closed`: the
        rows of the tasks the step closed, when the caller knows them all (see `_write_children`).
        PostgreSQL: BEGIN, the locked update and the step's writes go in one pipeline round trip, then the
        update's row count decides commit or Conflict (a lost race also fails on the event's key)."""
        new = replace(rec, lock_version=rec.lock_version + 1)
        known = self._known_fact(rec)
        changes = {k: v for k, v in _instance_row(new).items() if k not in FIXED_COLS}
        params = {**changes, "b_id": rec.id, "b_lock": rec.lock_version}
        pipelined = self.engine.dialect.name == "postgresql" and consumed is None
        try:
            with self._transaction() as conn:
                if pipelined:       # read committed: a step committed after this read fails the locked update
                    previous, fact = fold_fact(conn, new, events_, known)
                    with self._pipeline(conn):
                        done = conn.execute(SAVE_INSTANCE, params)
                        self._write_step(conn, rec.id, tasks_, events_, messages, notices, previous, fact, closed)
                    locked = done.context.cursor.rowcount     # the driver's count, known once the pipeline synced
                else:
                    locked = conn.execute(SAVE_INSTANCE, params).rowcount
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

    def pending_messages(self, limit=100):
        with self.reader.connect() as conn:
            rows = conn.execute(select(outbox).where(outbox.c.delivered_at.is_(None))
                                .order_by(outbox.c.created_at).limit(limit))
            return [Message(**r._mapping) for r in rows]

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
            conn.execute(self._upsert(tasks, ("task_id",), exclude=("task_id", "created_at")),
                         [_task_values(r) for r in rows])
            groups = [{"task_id": r.task_id, "group_name": g, "ready": r.status == "ready"}
                      for r in rows for g in sorted(set(r.groups))]
            if groups:
                conn.execute(self._upsert(task_groups, ("task_id", "group_name"), exclude=("task_id", "group_name")),
                             groups)
        if events_:
            conn.execute(insert(events).inline(), [_plain(e) for e in events_])    # inline: no RETURNING
        if messages:
            conn.execute(insert(outbox).inline(), [_plain(m) for m in messages])

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

    def list_instances(self, process_key=None, status=None, ids=None, visible_to=None, parent_id=None,
                       limit=200):
        query = select(instances)
        if parent_id:
            query = query.where(instances.c.parent_id == parent_id)
        if visible_to is not None:
            seen = select(tasks.c.instance_id).join(task_groups, task_groups.c.task_id == tasks.c.task_id) \
                .where(task_groups.c.group_name.in_(list(visible_to)))
            query = query.where(instances.c.id.in_(seen))
        if process_key:
            query = query.where(instances.c.process_key == process_key)
        if status:
            query = query.where(instances.c.status == status)
        if ids is not None:
            query = query.where(instances.c.id.in_(list(ids)))
        with self.reader.connect() as conn:
            rows = conn.execute(query.order_by(instances.c.created_at.desc()).limit(limit))
            return [InstanceRecord(**r._mapping) for r in rows]

    def instance_groups(self, instance_id):
        query = select(task_groups.c.group_name).join(tasks, task_groups.c.task_id == tasks.c.task_id) \
            .where(tasks.c.instance_id == instance_id)
        with self.reader.connect() as conn:
            return set(conn.scalars(query))

    def instance_tasks(self, instance_id, ready_only=False):
        query = tasks.c.instance_id == instance_id
        if ready_only:
            query = query & (tasks.c.status == "ready")
        return self._tasks_where(query)

    def _tasks_where(self, condition) -> list[TaskRow]:
        """Task rows with their groups, in one query."""
        query = select(tasks, task_groups.c.group_name, task_groups.c.ready.label("group_ready")).outerjoin(
            task_groups, task_groups.c.task_id == tasks.c.task_id).where(condition).order_by(tasks.c.created_at)
        found: dict[str, TaskRow] = {}
        with self.reader.connect() as conn:
            for r in conn.execute(query):
                values = {k: v for k, v in r._mapping.items() if k not in ("group_name", "group_ready")}
                row = found.setdefault(r.task_id, TaskRow(**values, groups=[]))
                if r.group_name and (r.group_ready or row.status != "ready"):   # a ready task's current groups
                    row.groups.append(r.group_name)
        return list(found.values())

    def ready_tasks(self, groups):
        ids = select(task_groups.c.task_id).where(task_groups.c.ready.is_(True)) \
            .where(task_groups.c.group_name.in_(list(groups)))
        found = self._tasks_where(tasks.c.task_id.in_(ids) & (tasks.c.status == "ready"))
        return sorted(found, key=task_order)

    def get_task(self, task_id):
        found = self._tasks_where(tasks.c.task_id == task_id)
        return found[0] if found else None

    def get_task_with_instance(self, task_id):
        """The task, its groups, its case and the case's fact row in one round trip (the start of every
        completion). The fact row is kept for this thread's next save of the case at the same lock version,
        which then need not read it again (a step elsewhere moves the lock version: that save is a Conflict)."""
        with self.reader.connect() as conn:
            rows = conn.execute(TASK_WITH_INSTANCE, {"b_task": task_id}).all()
        if not rows:
            return None, None
        first = rows[0]._mapping
        current = [r for r in rows if r.group_name and (r.group_ready or first["status"] != "ready")]
        row = TaskRow(**{k: first[k] for k in TASK_COLS}, groups=sorted(r.group_name for r in current))
        rec = InstanceRecord(**{k: first[f"i_{k}"] for k in INSTANCE_COLS})
        fact = {k: first[f"f_{k}"] for k in FACT_COLS} if first["f_instance_id"] is not None else None
        self._held.fact = (rec.id, rec.lock_version, fact)
        return row, rec

    def _known_fact(self, rec):
        """The fact row read with `rec` by this thread (taken: used once), else UNREAD."""
        known, self._held.fact = getattr(self._held, "fact", None), None
        return known[2] if known and known[:2] == (rec.id, rec.lock_version) else UNREAD

    def due_instances(self, now, limit=100):
        with self.reader.connect() as conn:
            return list(conn.scalars(select(instances.c.id).where(instances.c.next_timer_at < now)
                                     .order_by(instances.c.next_timer_at).limit(limit)))

    def events(self, instance_id):
        cols = [events.c[n] for n in Event.__dataclass_fields__]
        with self.reader.connect() as conn:
            rows = conn.execute(select(*cols).where(events.c.instance_id == instance_id).order_by(events.c.seq))
            return [Event(**r._mapping) for r in rows]

    def events_of_type(self, instance_id, type_, before=None, limit=50):
        """A case's events of one type, newest first; `before` a seq: the older ones (a keyset page)."""
        cols = [events.c[n] for n in Event.__dataclass_fields__]
        query = select(*cols).where(events.c.instance_id == instance_id, events.c.type == type_)
        if before is not None:
            query = query.where(events.c.seq < before)
        with self.reader.connect() as conn:
            return [Event(**r._mapping) for r in conn.execute(query.order_by(events.c.seq.desc()).limit(limit))]


def _task_values(row: TaskRow) -> dict:
    return {k: getattr(row, k) for k in TASK_COLS}


def _plain(obj) -> dict:
    """A dataclass's fields as a dict, without asdict's deep copy."""
    return {name: getattr(obj, name) for name in obj.__dataclass_fields__}


def _instance_row(rec: InstanceRecord) -> dict:
    return {k: getattr(rec, k) for k in INSTANCE_COLS}
