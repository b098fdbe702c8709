"""The figures part of the SQL store: the fact row written with each step, aggregates, bulletins."""
from __future__ import annotations

from sqlalchemy import and_, case, func, insert, literal, or_, select, union_all
from sqlalchemy.dialects import postgresql, sqlite

from .sql_tables import bulletins, case_facts, events
from .stats.definitions import SUMS
from .stats.facts import next_fact, rebuild
from .store import Conflict, Event

F = case_facts.c


def write_fact(conn, rec, events_, dialect: str) -> None:
    """Fold the step's events into the case's fact row, in the step's own transaction."""
    if not events_:
        return
    previous = conn.execute(select(case_facts).where(F.instance_id == rec.id)).first()
    if previous is None and events_[0].seq > 0:       # a case older than the table: fold its whole log
        cols = [events.c[n] for n in Event.__dataclass_fields__]
        log = [Event(**r._mapping) for r in conn.execute(select(*cols).where(events.c.instance_id == rec.id)
                                                         .order_by(events.c.seq))]
        row = rebuild(rec, log + [e for e in events_ if not log or e.seq > log[-1].seq])
    else:
        row = next_fact(dict(previous._mapping) if previous else None, rec, events_)
    base = (postgresql if dialect == "postgresql" else sqlite).insert(case_facts).values(**row)
    conn.execute(base.on_conflict_do_update(index_elements=["instance_id"],
                                            set_={k: v for k, v in row.items() if k != "instance_id"}))


def _where(flt):
    conds = []
    if flt.process:
        conds.append(F.process_key == flt.process)
    if flt.start:
        conds.append(F.started_on >= flt.start)
    if flt.end:
        conds.append(F.started_on <= flt.end)
    if flt.units is not None:
        conds.append(F.unit.in_(list(flt.units)) if flt.units else literal(False))
    for dim, value in flt.where:
        column = F[dim]
        conds.append(column == (value if column.type.python_type is str else _as(column, value)))
    return and_(*conds) if conds else literal(True)


def _as(column, value):
    import datetime as dt
    return dt.date.fromisoformat(str(value)) if column.type.python_type is dt.date else value


def _open_overdue(today):
    return and_(F.due_date.is_not(None), F.replied_on.is_(None), F.status == "running", F.due_date < today)


def _condition(figure, today):
    if figure == "cases":
        return literal(True)
    if figure == "open_overdue":
        return _open_overdue(today)
    if figure == "overdue":
        return or_(F.late > 0, _open_overdue(today))
    if figure == "closed_with_deadline":
        return and_(F.closed > 0, F.has_deadline > 0)
    if figure == "open":
        return F.status == "running"
    return F[figure] > 0


def _sums(today):
    cols = []
    for name in SUMS:
        if name == "cases":
            cols.append(func.count().label(name))
        elif name == "open_overdue":
            cols.append(func.coalesce(func.sum(case((_open_overdue(today), 1), else_=0)), 0).label(name))
        else:
            cols.append(func.coalesce(func.sum(F[name]), 0).label(name))
    cols.append(func.coalesce(func.sum(case((and_(F.closed > 0, F.has_deadline > 0), 1), else_=0)), 0)
                .label("closed_with_deadline"))
    return cols


class SqlStats:
    """Mixed into SqlStore (`self.engine`, `self.reader`)."""

    def fact(self, instance_id):
        with self.reader.connect() as conn:
            row = conn.execute(select(case_facts).where(F.instance_id == instance_id)).first()
        return dict(row._mapping) if row else None

    def put_facts(self, rows):
        with self.engine.begin() as conn:
            for row in rows:
                conn.execute(case_facts.delete().where(F.instance_id == row["instance_id"]))
            if rows:
                conn.execute(insert(case_facts), [dict(r) for r in rows])

    def fact_sums(self, flt, dims, today):
        """Totals and per-dimension sums in one scan (GROUPING SETS on PostgreSQL, UNION ALL on SQLite)."""
        where = _where(flt)
        if self.engine.dialect.name == "postgresql":
            query = select(*[F[d] for d in dims], *[func.grouping(F[d]).label(f"g_{d}") for d in dims],
                           *_sums(today)).where(where).group_by(_grouping_sets(dims))
            with self.reader.connect() as conn:
                rows = [dict(r._mapping) for r in conn.execute(query)]
            return _split(rows, dims)
        parts = [select(literal("").label("dim"), literal(None).label("key"), *_sums(today)).where(where)]
        parts += [select(literal(d).label("dim"), F[d].label("key"), *_sums(today)).where(where).group_by(F[d])
                  for d in dims]
        with self.reader.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(union_all(*parts))]
        out = {"": []} | {d: [] for d in dims}
        for r in rows:
            dim = r.pop("dim")
            out[dim].append({**r, "key": "" if dim == "" else _key(r["key"])})
        return out

    def fact_cases(self, flt, figure, today, limit=500):
        query = select(case_facts).where(_where(flt)).where(_condition(figure, today)) \
            .order_by(F.started_at.desc()).limit(limit)
        with self.reader.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def overdue_pairs(self, flt, today):
        query = select(F.due_date, F.replied_on, func.count()).where(_where(flt)) \
            .where(_condition("overdue", today)).group_by(F.due_date, F.replied_on)
        with self.reader.connect() as conn:
            return [tuple(r) for r in conn.execute(query)]

    # bulletins
    def add_bulletin(self, b):
        from sqlalchemy.exc import IntegrityError
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(bulletins).values(**{k: getattr(b, k) for k in b.__dataclass_fields__}))
        except IntegrityError as exc:
            raise Conflict(b.no) from exc

    def get_bulletin(self, no):
        from .stats.bulletins import Bulletin
        with self.reader.connect() as conn:
            row = conn.execute(select(bulletins).where(bulletins.c.no == no)).first()
        return Bulletin(**row._mapping) if row else None

    def bulletins(self, kind=None):
        from .stats.bulletins import Bulletin
        query = select(bulletins).order_by(bulletins.c.issued_at.desc())
        if kind:
            query = query.where(bulletins.c.kind == kind)
        with self.reader.connect() as conn:
            return [Bulletin(**r._mapping) for r in conn.execute(query)]

    def bulletin_count(self, kind, year):
        with self.reader.connect() as conn:
            return conn.scalar(select(func.count()).select_from(bulletins)
                               .where(bulletins.c.kind == kind, bulletins.c.year == year))


def _grouping_sets(dims):
    from sqlalchemy import tuple_
    return func.grouping_sets(tuple_(), *[tuple_(F[d]) for d in dims])


def _split(rows, dims):
    """GROUPING SETS rows back into {"": [totals], dim: [groups]}: grouping(d) = 0 marks d's set."""
    out = {"": []} | {d: [] for d in dims}
    for r in rows:
        flags = {d: r.pop(f"g_{d}") for d in dims}
        keys = {d: r.pop(d) for d in dims}
        dim = next((d for d in dims if flags[d] == 0), "")
        out[dim].append({**r, "key": "" if dim == "" else _key(keys[dim])})
    return out


def _key(value):
    return value.isoformat() if hasattr(value, "isoformat") else value
