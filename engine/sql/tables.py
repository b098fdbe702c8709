"""The SQL schema of the store (SQLAlchemy Core tables, created by engine/migrations) and its hot statements."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (JSON, Boolean, Column, Date, DateTime, ForeignKey, Index, Integer, MetaData, String, Table,
                        Text, TypeDecorator, UniqueConstraint, bindparam, select, text, update)


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on every backend (SQLite keeps no zone)."""
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return value.astimezone(dt.timezone.utc) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)


metadata = MetaData()
OPEN_NOT_LATE = "status = 'running' AND due_at IS NOT NULL AND late IS NOT TRUE"   # open, past due: not yet late
bundles = Table("bundles", metadata,
                Column("hash", String(64), primary_key=True), Column("process_key", String(100)),
                Column("files", JSON, nullable=False))
deployments = Table("deployments", metadata,
                    Column("id", Integer, primary_key=True, autoincrement=True),
                    Column("process_key", String(100), nullable=False), Column("version", Integer, nullable=False),
                    Column("bundle_hash", String(64), ForeignKey("bundles.hash"), nullable=False),
                    Column("name", String(200)), Column("deployed_at", UTCDateTime),
                    Column("deployed_by", String(100)), Column("comment", Text),
                    UniqueConstraint("process_key", "version"))
instances = Table("instances", metadata,
                  Column("id", String(36), primary_key=True), Column("process_key", String(100), index=True),
                  Column("version", Integer), Column("bundle_hash", String(64)),
                  Column("status", String(20), index=True), Column("state", Text),
                  Column("data", JSON), Column("title", String(300)), Column("parent_id", String(36), index=True),
                  Column("created_at", UTCDateTime), Column("updated_at", UTCDateTime),
                  Column("next_timer_at", UTCDateTime, index=True), Column("timers", JSON),
                  Column("lock_version", Integer, nullable=False), Column("last_seq", Integer),
                  Column("last_hash", String(64)), Column("error", Text),
                  Column("case_no", String(60)), Column("unit", String(100)), Column("due_at", UTCDateTime),
                  Column("closed_at", UTCDateTime), Column("late", Boolean, nullable=False, default=False),
                  Index("ix_instances_created", "created_at", "id"),
                  Index("ix_instances_process_created", "process_key", "created_at"),
                  Index("ix_instances_status_created", "status", "created_at"),
                  Index("ix_instances_unit_created", "unit", "created_at"),
                  Index("ix_instances_case_no", "case_no"),
                  Index("ix_instances_status_due", "status", "due_at"),
                  Index("ix_instances_late_created", "late", "created_at"),
                  # overdue cases of one unit (0011): its late ones newest first, its open ones past their deadline
                  Index("ix_instances_unit_late", "unit", "created_at", "id", postgresql_where=text("late IS TRUE"),
                        sqlite_where=text("late IS TRUE")),
                  Index("ix_instances_unit_overdue", "unit", "due_at", postgresql_include=["created_at", "id"],
                        postgresql_where=text(OPEN_NOT_LATE), sqlite_where=text(OPEN_NOT_LATE)),
                  # PostgreSQL with pg_trgm (migration 0008): free text in titles without reading every case
                  Index("ix_instances_title_trgm", "title", postgresql_using="gin",
                        postgresql_ops={"title": "gin_trgm_ops"}).ddl_if(dialect="postgresql"))
tasks = Table("tasks", metadata,
              Column("task_id", String(36), primary_key=True),
              Column("instance_id", String(36), ForeignKey("instances.id"), index=True),
              Column("process_key", String(100)), Column("bpmn_id", String(100)), Column("title", String(200)),
              Column("lane", String(100)), Column("case_title", String(300)), Column("due_at", UTCDateTime),
              Column("status", String(20), nullable=False), Column("created_at", UTCDateTime),
              Column("assignee", String(100)), Column("due_rule", String(200)),
              Index("ix_tasks_ready_due", "status", "due_at", "created_at", "task_id"),     # 0007
              Index("ix_tasks_assignee", "assignee", "status", "due_at"),
              Index("ix_tasks_case_title_trgm", "case_title", postgresql_using="gin",
                    postgresql_ops={"case_title": "gin_trgm_ops"}).ddl_if(dialect="postgresql"))
task_groups = Table("task_groups", metadata,
                    Column("task_id", String(36), ForeignKey("tasks.task_id"), primary_key=True),
                    Column("group_name", String(100), primary_key=True),
                    Column("ready", Boolean, nullable=False),
                    Index("ix_task_groups_ready_group", "ready", "group_name"))
events = Table("events", metadata,
               Column("id", Integer, primary_key=True, autoincrement=True),
               Column("instance_id", String(36), ForeignKey("instances.id"), nullable=False),
               Column("seq", Integer, nullable=False), Column("at", UTCDateTime), Column("type", String(40)),
               Column("actor", String(100)), Column("task", String(100)), Column("task_id", String(36)),
               Column("data", JSON), Column("result", JSON), Column("prev_hash", String(64)),
               Column("hash", String(64)), UniqueConstraint("instance_id", "seq"))
users = Table("users", metadata,
              Column("name", String(100), primary_key=True), Column("password_hash", String(200)),
              Column("groups", JSON), Column("display_name", String(200)), Column("active", Boolean),
              Column("failed_logins", Integer, nullable=False, server_default="0"),
              Column("locked_at", UTCDateTime), Column("session_gen", Integer, nullable=False, server_default="0"))
tokens = Table("tokens", metadata,
               Column("token_hash", String(64), primary_key=True),
               Column("user_name", String(100), ForeignKey("users.name")),
               Column("token_id", String(16)), Column("created_at", UTCDateTime),
               Column("expires_at", UTCDateTime), Index("ix_tokens_token_id", "token_id", unique=True))
counters = Table("counters", metadata,    # throttling: hits per key and time window, shared by all app nodes
                 Column("key", String(200), primary_key=True), Column("window", Integer, primary_key=True),
                 Column("hits", Integer, nullable=False))
calendar_days = Table("calendar_days", metadata,
                      Column("day", Date, primary_key=True), Column("kind", String(10), nullable=False))
outbox = Table("messages", metadata,
                 Column("id", String(36), primary_key=True),
                 Column("sender_id", String(36), ForeignKey("instances.id"), nullable=False),
                 Column("name", String(100), nullable=False), Column("payload", JSON),
                 Column("created_at", UTCDateTime), Column("delivered_at", UTCDateTime, index=True))
access_log = Table("access_log", metadata,
                   Column("id", Integer, primary_key=True, autoincrement=True),
                   Column("at", UTCDateTime, nullable=False), Column("actor", String(100), nullable=False),
                   Column("action", String(30), nullable=False), Column("instance_id", String(36), index=True),
                   Column("case_no", String(60)), Column("detail", JSON), Index("ix_access_log_at", "at"))
calendar_years = Table("calendar_years", metadata,
                       Column("year", Integer, primary_key=True), Column("source", String(200)))


# Statements built once (building them per call costs more than running them on PostgreSQL).
SAVE_INSTANCE = update(instances).where(instances.c.id == bindparam("b_id")) \
    .where(instances.c.lock_version == bindparam("b_lock"))
_CLOSING = update(tasks).where(tasks.c.instance_id == bindparam("b_instance")).where(tasks.c.status == "ready") \
    .values(status="closed")
_CLOSED = _CLOSING.returning(tasks.c.task_id).cte("closed")
CLOSE_READY_PG = [   # one round trip: a data-modifying CTE
    update(task_groups).where(task_groups.c.task_id.in_(select(_CLOSED.c.task_id))).values(ready=False)]
CLOSE_READY = [_CLOSING, update(task_groups).where(task_groups.c.ready.is_(True)).where(
    task_groups.c.task_id.in_(select(tasks.c.task_id).where(tasks.c.instance_id == bindparam("b_instance"))))
    .values(ready=False)]

# Claims: the oldest due case / waiting message that no other worker has locked.
CLAIM_DUE = select(instances).where(instances.c.next_timer_at < bindparam("b_now")) \
    .where(instances.c.id.not_in(bindparam("b_skip", expanding=True))) \
    .order_by(instances.c.next_timer_at).limit(1).with_for_update(skip_locked=True)
CLAIM_MESSAGE = select(outbox).where(outbox.c.delivered_at.is_(None)).order_by(outbox.c.created_at) \
    .limit(1).with_for_update(skip_locked=True)

def _fact_columns():
    """The columns of engine/stats/facts.py's row, typed (migration 0006_stats creates the same)."""
    from ..stats.facts import COUNTS, DATES, FLAGS, TEXTS, TIMES
    return ([Column("instance_id", String(36), primary_key=True)]
            + [Column(n, String(300) if n == "case_no" else String(100)) for n in TEXTS]
            + [Column(n, UTCDateTime) for n in TIMES] + [Column(n, Date) for n in DATES]
            + [Column(n, Integer, nullable=False, default=0) for n in FLAGS + COUNTS])


def _rollup_sums():
    from ..stats.rollup import DAILY_SUMS
    return DAILY_SUMS


# one row per case: what the figures count, written in the same transaction as each step
case_facts = Table("case_facts", metadata, *_fact_columns(),
                   Index("ix_case_facts_process_started", "process_key", "started_on"),
                   Index("ix_case_facts_unit_started", "unit", "process_key", "started_on",
                         postgresql_include=["matter_type", "township", "outcome"]),
                   # covering partial indexes: the overdue figures read only these (index-only scans)
                   Index("ix_case_facts_open_due", "process_key", "started_on",
                         postgresql_include=["due_date", "unit", "channel"],
                         postgresql_where=text("replied_on IS NULL AND due_date IS NOT NULL AND status = 'running'")),
                   Index("ix_case_facts_late", "process_key", "started_on",
                         postgresql_include=["due_date", "replied_on", "unit", "channel"],
                         postgresql_where=text("late > 0")))
# running totals over case_facts (engine/stats/rollup.py), changed in the same transaction as the fact row
fact_daily = Table("fact_daily", metadata, Column("process_key", String(100), primary_key=True),
                   Column("started_on", Date, primary_key=True), Column("unit", String(100), primary_key=True),
                   Column("channel", String(100), primary_key=True),
                   *[Column(n, Integer, nullable=False, default=0) for n in _rollup_sums()])
fact_counts = Table("fact_counts", metadata, Column("process_key", String(100), primary_key=True),
                    Column("started_on", Date, primary_key=True), Column("dim", String(40), primary_key=True), Column("value", String(100), primary_key=True),
                    Column("n", Integer, nullable=False, default=0))
# issued bulletins: the content as published, never updated
bulletins = Table("bulletins", metadata,
                  Column("no", String(60), primary_key=True), Column("kind", String(40), nullable=False),
                  Column("year", Integer, nullable=False), Column("seq", Integer, nullable=False),
                  Column("title", String(200)), Column("period_start", Date), Column("period_end", Date),
                  Column("issued_at", UTCDateTime), Column("issued_by", String(100)),
                  Column("content", JSON, nullable=False), Column("content_hash", String(64)),
                  UniqueConstraint("kind", "year", "seq"))
