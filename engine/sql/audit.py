"""SQL side of auditing: case search on indexed columns (never the workflow state) and the access log."""
from __future__ import annotations

from sqlalchemy import and_, insert, or_, select, text, tuple_, union_all

from ..audit.search import CaseQuery, case_no_range
from .engine import reader_of
from .tables import OPEN_NOT_LATE, access_log, instances, task_groups, tasks
from ..store import InstanceRecord

SUMMARY_COLS = [c for c in instances.columns if c.name not in ("state", "data")]


class SqlAuditStore:
    def __init__(self, engine):
        self.engine = engine
        self.reader = reader_of(engine)

    def search_statement(self, query: CaseQuery):
        if query.overdue:      # the late cases and those past due but not yet late: each walks its own index
            c = instances.c
            late = _page(select(c.id), query, *_filters(query), c.late.is_(True))
            due = _page(select(c.id), query, *_filters(query), text(OPEN_NOT_LATE), c.due_at < query.now)
            ids = union_all(*(select(p.c.id) for p in (late.subquery(), due.subquery()))).subquery()
            return _page(select(*SUMMARY_COLS), query, c.id.in_(select(ids.c.id)))
        return _page(select(*SUMMARY_COLS), query, *_filters(query))

    def search(self, query: CaseQuery) -> list[InstanceRecord]:
        with self.reader.connect() as conn:
            return [InstanceRecord(state="", data={}, **r._mapping) for r in conn.execute(self.search_statement(query))]

    def log_access(self, entry) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(access_log).values(at=entry.at, actor=entry.actor, action=entry.action,
                                                   instance_id=entry.instance_id, case_no=entry.case_no,
                                                   detail=entry.detail))

    def access_entries(self, limit=100, before_id=None, instance_id=None):
        from ..audit.access_log import AccessEntry
        stmt = select(access_log).order_by(access_log.c.id.desc()).limit(limit)
        if before_id:
            stmt = stmt.where(access_log.c.id < before_id)
        if instance_id:
            stmt = stmt.where(access_log.c.instance_id == instance_id)
        with self.reader.connect() as conn:
            return [AccessEntry(**r._mapping) for r in conn.execute(stmt)]


def _page(stmt, query: CaseQuery, *conditions):
    """`stmt` where `conditions`, after the cursor, in the query's order, one row more than a page."""
    col = instances.c[query.column]
    stmt = stmt.where(*conditions)
    if query.sort == "due":
        stmt = stmt.where(col.isnot(None))
    if query.after is not None:
        key, last = tuple_(col, instances.c.id), tuple_(query.after[0], query.after[1])
        stmt = stmt.where(key < last if query.descending else key > last)
    order = (col.desc(), instances.c.id.desc()) if query.descending else (col.asc(), instances.c.id.asc())
    return stmt.order_by(*order).limit(query.limit + 1)


def _filters(q: CaseQuery) -> list:
    c = instances.c
    found = []
    if q.process:
        found.append(c.process_key == q.process)
    if q.status:
        found.append(c.status == q.status)
    if q.unit:
        found.append(c.unit == q.unit)
    if q.date_from:
        found.append(c.created_at >= q.date_from)
    if q.date_to:
        found.append(c.created_at < q.date_to)
    if q.overdue is False:         # overdue: see SqlAuditStore.search_statement
        found.append(~or_(c.late.is_(True), and_(c.status == "running", c.due_at.isnot(None), c.due_at < q.now)))
    if q.q:
        span = case_no_range(q.q)
        found.append(and_(c.case_no >= span[0], c.case_no < span[1]) if span
                     else c.title.like(f"%{_escape(q.q)}%", escape="\\"))
    if q.visible_to is not None:
        seen = select(tasks.c.instance_id).join(task_groups, task_groups.c.task_id == tasks.c.task_id) \
            .where(task_groups.c.group_name.in_(list(q.visible_to)))
        found.append(c.id.in_(seen))
    return found


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

