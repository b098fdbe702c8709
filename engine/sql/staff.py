"""SQL tables and queries for the directory and staff work: units, roles, attachments, notifications."""
from __future__ import annotations

from sqlalchemy import (Boolean, Column, ForeignKey, Index, Integer, LargeBinary, String, Table, Text, and_,
                        delete, exists, func, insert, literal, or_, select, tuple_, update)
from sqlalchemy.dialects import postgresql, sqlite

from . import direct
from .tables import UTCDateTime, metadata, task_groups, tasks
from ..directory.snapshot import directory_changed

units = Table("units", metadata,
              Column("name", String(100), primary_key=True), Column("type", String(30), nullable=False),
              Column("parent", String(100)), Column("group", String(120), nullable=False, index=True),
              Column("active", Boolean, nullable=False))
unit_members = Table("unit_members", metadata,
                     Column("unit", String(100), ForeignKey("units.name"), primary_key=True),
                     Column("user", String(100), primary_key=True, index=True),
                     Column("role", String(20), nullable=False))
attachments = Table("attachments", metadata,
                    Column("id", String(36), primary_key=True),
                    Column("instance_id", String(36), ForeignKey("instances.id"), nullable=False, index=True),
                    Column("name", String(255), nullable=False), Column("content_type", String(100)),
                    Column("size", Integer, nullable=False), Column("sha256", String(64), nullable=False),
                    Column("field", String(100)), Column("uploaded_by", String(100)),
                    Column("uploaded_at", UTCDateTime), Column("content", LargeBinary, nullable=False))
notifications = Table("notifications", metadata,
                      Column("id", Integer, primary_key=True, autoincrement=True),
                      Column("recipient", String(120), nullable=False), Column("kind", String(30), nullable=False),
                      Column("instance_id", String(36)), Column("task_id", String(36)), Column("text", Text),
                      Column("at", UTCDateTime), Index("ix_notifications_recipient_id", "recipient", "id"))
notification_reads = Table("notification_reads", metadata,
                           Column("user", String(100), primary_key=True),
                           Column("last_read_id", Integer, nullable=False))
INSERT_NOTICES = insert(notifications).inline()            # inline: no RETURNING (a pipeline)
ATTACHMENT_META = [c for c in attachments.columns if c.name != "content"]
WALK_FROM = 2000      # ready tasks in the caller's groups from which the inbox page walks the tasks in order
PAGE_ORDER = [tasks.c.due_at.asc().nulls_last(), tasks.c.created_at, tasks.c.task_id]
FILTER_SQL = {
    "mine": lambda q: or_(tasks.c.assignee.is_(None), tasks.c.assignee == q.user),
    "claimed": lambda q: tasks.c.assignee == q.user,
    "overdue": lambda q: tasks.c.due_at < q.now,
    "due_soon": lambda q: and_(tasks.c.due_at >= q.now, tasks.c.due_at <= q.soon),
}





class SqlStaff:
    """Mixed into SqlStore (which provides `engine` and `reader`)."""

    # directory
    def units(self, after=None, limit=None):
        """Units in (type, name) order; `after` a (type, name) key: the units after it (a keyset page)."""
        from ..directory.model import Unit
        query = select(units).order_by(units.c.type, units.c.name).limit(limit)
        if after is not None:
            query = query.where(tuple_(units.c.type, units.c.name) > tuple_(*after))
        with self.reader.connect() as conn:
            return [Unit(**r._mapping) for r in conn.execute(query)]

    def put_unit(self, unit):
        values = {"name": unit.name, "type": unit.type, "parent": unit.parent, "group": unit.group,
                  "active": unit.active}
        with self.engine.begin() as conn:
            done = conn.execute(update(units).where(units.c.name == unit.name).values(**values))
            if done.rowcount == 0:
                conn.execute(insert(units).values(**values))
        directory_changed(self)

    def members(self, unit=None, user=None):
        from ..directory.model import Member
        query = select(unit_members).order_by(unit_members.c.unit, unit_members.c.user)
        if unit is not None:
            query = query.where(unit_members.c.unit == unit)
        if user is not None:
            query = query.where(unit_members.c.user == user)
        with self.reader.connect() as conn:
            return [Member(**r._mapping) for r in conn.execute(query)]

    def put_member(self, member):
        with self.engine.begin() as conn:
            conn.execute(delete(unit_members).where(unit_members.c.unit == member.unit)
                         .where(unit_members.c.user == member.user))
            conn.execute(insert(unit_members).values(unit=member.unit, user=member.user, role=member.role))
        directory_changed(self)

    def delete_member(self, unit, user):
        with self.engine.begin() as conn:
            conn.execute(delete(unit_members).where(unit_members.c.unit == unit).where(unit_members.c.user == user))
        directory_changed(self)

    def ready_tasks_unstaffed(self, staffed, limit=200):
        """Ready tasks none of whose groups has an active user."""
        covered = exists().where(task_groups.c.task_id == tasks.c.task_id).where(task_groups.c.ready.is_(True)) \
            .where(task_groups.c.group_name.in_(list(staffed)))
        ids = select(tasks.c.task_id).where(tasks.c.status == "ready").where(~covered) \
            .order_by(tasks.c.created_at).limit(limit)
        return self._tasks_where(tasks.c.task_id.in_(ids))

    # the worklist
    def _page_where(self, query, with_filter=True, walk=False):
        """`walk`: the caller's groups hold a large share of the ready tasks, so walking the tasks in page
        order and probing each one's groups finds a page after a few rows. A subquery with LIMIT is never
        turned into a join, which the planner would otherwise do (it underestimates such groups' share and
        would hash-join every task of the group, then sort them)."""
        if walk:
            probe = select(literal(1)).where(task_groups.c.task_id == tasks.c.task_id) \
                .where(task_groups.c.ready.is_(True)).where(task_groups.c.group_name.in_(list(query.groups))).limit(1)
            mine = probe.scalar_subquery().isnot(None)
        else:
            mine = exists().where(task_groups.c.task_id == tasks.c.task_id).where(task_groups.c.ready.is_(True)) \
                .where(task_groups.c.group_name.in_(list(query.groups)))
        where = [tasks.c.status == "ready", mine]
        if query.process:
            where.append(tasks.c.process_key == query.process)
        if query.instance:
            where.append(tasks.c.instance_id == query.instance)
        if query.q:
            like = "%" + query.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            where.append(or_(tasks.c.case_title.like(like, escape="\\"), tasks.c.title.like(like, escape="\\")))
        if with_filter and query.filter in FILTER_SQL:
            where.append(FILTER_SQL[query.filter](query))
        return and_(*where)

    def task_page(self, query):
        """One page in (due_at nulls last, created_at, task_id) order; each part walks an index in order."""
        from ..work.inbox import sort_key
        where, size = self._page_where(query, walk=self._walk(query)), query.limit + 1
        due, created, task_id = query.after or (None, None, None)
        if query.after is None:
            parts = [(where, PAGE_ORDER)]
        elif due is not None:     # the rest of the dated tasks, then the undated ones
            parts = [(and_(where, tuple_(tasks.c.due_at, tasks.c.created_at, tasks.c.task_id) >
                           tuple_(due, created, task_id)), PAGE_ORDER),
                     (and_(where, tasks.c.due_at.is_(None)), PAGE_ORDER[1:])]
        else:
            parts = [(and_(where, tasks.c.due_at.is_(None), tuple_(tasks.c.created_at, tasks.c.task_id) >
                           tuple_(created, task_id)), PAGE_ORDER[1:])]
        found = []
        for condition, order in parts:
            if len(found) < size:
                ids = select(tasks.c.task_id).where(condition).order_by(*order).limit(size - len(found))
                found += self._tasks_where(tasks.c.task_id.in_(ids))        # rows and groups in one round trip
        return sorted(found, key=sort_key)[:size]

    def _walk(self, query) -> bool:
        """Whether the caller's groups hold WALK_FROM ready tasks or more (counted by an index-only scan);
        kept on the query, which the page and the counts share."""
        if query.q or query.instance:
            return False
        if query.big is None:
            rows = select(task_groups.c.task_id).where(task_groups.c.ready.is_(True)) \
                .where(task_groups.c.group_name.in_(list(query.groups))).limit(WALK_FROM)
            with self.reader.connect() as conn:
                query.big = conn.scalar(select(func.count()).select_from(rows.subquery())) >= WALK_FROM
        return query.big

    def task_counts(self, query, cap=99):
        """Tasks per filter, counted up to `cap` (the page says "99+"): each count stops early."""
        base = self._page_where(query, with_filter=False, walk=self._walk(query))
        conditions = {"all": base, **{name: and_(base, cond(query)) for name, cond in FILTER_SQL.items()}}
        counts = [select(func.count()).select_from(select(tasks.c.task_id).where(condition).limit(cap + 1)
                                                   .subquery()).scalar_subquery() for condition in conditions.values()]
        with self.reader.connect() as conn:          # one round trip
            return dict(zip(conditions, conn.execute(select(*counts)).one()))

    # attachments
    def put_attachment(self, meta: dict, content: bytes):
        with self.engine.begin() as conn:
            conn.execute(insert(attachments).values(**meta, content=content))

    def attachments(self, instance_id, before=None, limit=None):
        """A case's files newest first; `before` an (uploaded_at, id) key: the older ones (a keyset page)."""
        key = tuple_(attachments.c.uploaded_at, attachments.c.id)
        query = select(*ATTACHMENT_META).where(attachments.c.instance_id == instance_id) \
            .order_by(attachments.c.uploaded_at.desc(), attachments.c.id.desc()).limit(limit)
        if before is not None:
            query = query.where(key < tuple_(*before))
        with self.reader.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def get_attachment(self, attachment_id):
        with self.reader.connect() as conn:
            row = conn.execute(select(attachments).where(attachments.c.id == attachment_id)).first()
        if row is None:
            return None, None
        meta = dict(row._mapping)
        return meta, meta.pop("content")

    # notifications
    def add_notifications(self, rows: list[dict]):
        if rows:
            with self.engine.begin() as conn:
                self._write_notices(conn, rows)

    def _write_notices(self, conn, rows):
        if rows:
            direct.execute(conn, INSERT_NOTICES, list(rows))

    def notifications(self, recipients, limit=50, before=None):
        """Newest first; `before` an id: the older ones (a keyset page). Each with `task_status`, its task's
        status now (None without a task), read in the same query."""
        query = select(notifications, tasks.c.status.label("task_status")) \
            .outerjoin(tasks, tasks.c.task_id == notifications.c.task_id) \
            .where(notifications.c.recipient.in_(list(recipients)))
        if before is not None:
            query = query.where(notifications.c.id < before)
        with self.reader.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query.order_by(notifications.c.id.desc()).limit(limit))]

    def unread_count(self, user, recipients, cap=None):
        """Unread notifications, counted up to `cap` + 1 (a unit with a large backlog has many)."""
        last = select(notification_reads.c.last_read_id).where(notification_reads.c.user == user).scalar_subquery()
        unread = select(notifications.c.id).where(and_(notifications.c.recipient.in_(list(recipients)),
                                                       notifications.c.id > func.coalesce(last, 0)))
        if cap is not None:
            unread = unread.limit(cap + 1)
        with self.reader.connect() as conn:          # one round trip
            return conn.scalar(select(func.count()).select_from(unread.subquery()))

    def mark_read(self, user, upto_id):
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(notification_reads).values(user=user, last_read_id=upto_id)
        with self.engine.begin() as conn:
            conn.execute(stmt.on_conflict_do_update(index_elements=["user"], set_={"last_read_id": upto_id}))
