"""SqlStore's reads of cases, their tasks and events: single statements on the autocommit `reader`, rows turned
into records, a ready task's current groups. The writes (one transaction per step, the lock check, claims) are in
store.py."""
from __future__ import annotations

from sqlalchemy import JSON, bindparam, func, select

from ..records import Event, InstanceRecord, Message, NotFound, TaskRow, task_order
from .tables import case_facts, events, instances, outbox, task_groups, tasks

INSTANCE_COLS = [c.name for c in instances.columns]
TASK_COLS = [c.name for c in tasks.columns]
FACT_COLS = [c.name for c in case_facts.columns]
# the case's columns whose values are immutable (text, numbers, times): a save may compare them with the row it
# read and leave out those unchanged; JSON columns are always written (their values may be changed in place)
SCALAR_INSTANCE_COLS = [c.name for c in instances.columns if not isinstance(c.type, JSON)]
TASK_WITH_INSTANCE = select(tasks, task_groups.c.group_name, task_groups.c.ready.label("group_ready"),
                            *[c.label(f"i_{c.name}") for c in instances.columns],
                            *[c.label(f"f_{c.name}") for c in case_facts.columns]) \
    .join(instances, instances.c.id == tasks.c.instance_id) \
    .outerjoin(case_facts, case_facts.c.instance_id == tasks.c.instance_id) \
    .outerjoin(task_groups, task_groups.c.task_id == tasks.c.task_id).where(tasks.c.task_id == bindparam("b_task"))


class SqlCaseReads:
    """Mixed into SqlStore (which provides `reader` and the thread-local `_held`)."""

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

    def get_instance(self, instance_id):
        with self.reader.connect() as conn:
            row = conn.execute(select(instances).where(instances.c.id == instance_id)).first()
        if row is None:
            raise NotFound(instance_id)
        return InstanceRecord(**row._mapping)

    def pending_messages(self, limit=100):
        with self.reader.connect() as conn:
            rows = conn.execute(select(outbox).where(outbox.c.delivered_at.is_(None))
                                .order_by(outbox.c.created_at).limit(limit))
            return [Message(**r._mapping) for r in rows]

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
        completion). The fact row and the case's scalar columns are kept for this thread's next save of the case
        at the same lock version, which then need not read the fact row again and writes only the columns that
        changed (a step elsewhere moves the lock version: that save is a Conflict)."""
        with self.reader.connect() as conn:
            rows = conn.execute(TASK_WITH_INSTANCE, {"b_task": task_id}).all()
        if not rows:
            return None, None
        first = rows[0]._mapping
        current = [r for r in rows if r.group_name and (r.group_ready or first["status"] != "ready")]
        row = TaskRow(**{k: first[k] for k in TASK_COLS}, groups=sorted(r.group_name for r in current))
        rec = InstanceRecord(**{k: first[f"i_{k}"] for k in INSTANCE_COLS})
        fact = {k: first[f"f_{k}"] for k in FACT_COLS} if first["f_instance_id"] is not None else None
        scalars = {k: first[f"i_{k}"] for k in SCALAR_INSTANCE_COLS}
        self._held.read = (rec.id, rec.lock_version, fact, scalars)
        return row, rec

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
