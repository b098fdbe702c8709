"""The figures part of the SQL store: the fact row and running totals written with each step, the sums."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, bindparam, case, func, insert, literal, literal_column, or_, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite

from . import direct
from .tables import case_facts, events, fact_counts, fact_daily
from ..stats.definitions import SUMS
from ..stats.facts import next_fact, rebuild
from ..stats.rollup import COUNT_DIMS, COUNT_KEY, DAILY_KEY, DAILY_SUMS, count_deltas, daily_deltas
from ..store import Event

F = case_facts.c


_STATEMENTS: dict[str, tuple] = {}
_PREVIOUS = select(case_facts).where(F.instance_id == bindparam("b_id"))
_UPDATE_FACT = case_facts.update().where(F.instance_id == bindparam("b_id"))    # SET: the columns given


def _statements(dialect: str) -> tuple:
    """The three upserts, built once per dialect (building `excluded` per call costs more than running them)."""
    if dialect not in _STATEMENTS:
        insert_ = (postgresql if dialect == "postgresql" else sqlite).insert
        fact = insert_(case_facts)
        fact = fact.on_conflict_do_update(index_elements=["instance_id"], set_={
            c.name: fact.excluded[c.name] for c in case_facts.columns if c.name != "instance_id"})
        adds = []
        for table, key, sums in ((fact_daily, DAILY_KEY, DAILY_SUMS), (fact_counts, COUNT_KEY, ("n",))):
            base = insert_(table)
            adds.append(base.on_conflict_do_update(index_elements=list(key),
                                                   set_={s: table.c[s] + base.excluded[s] for s in sums}))
        _STATEMENTS[dialect] = (fact, *adds)
    return _STATEMENTS[dialect]


UNREAD = object()      # fold_fact: the previous fact row is to be read


def fold_fact(conn, rec, events_, known=UNREAD) -> tuple[dict | None, dict | None]:
    """The case's fact row before and after the step's events (reads only, unless the row before is `known`:
    None when the case has none); (None, None) without events."""
    if not events_:
        return None, None
    if events_[0].seq == 1:                           # the case starts: it has no row yet
        return None, next_fact(None, rec, events_)
    if known is UNREAD:
        found = conn.execute(_PREVIOUS, {"b_id": rec.id}).first()
        known = dict(found._mapping) if found else None
    previous = known
    if previous is None:                              # a case older than the table: fold its whole log
        cols = [events.c[n] for n in Event.__dataclass_fields__]
        log = [Event(**r._mapping) for r in conn.execute(select(*cols).where(events.c.instance_id == rec.id)
                                                         .order_by(events.c.seq))]
        return previous, rebuild(rec, log + [e for e in events_ if not log or e.seq > log[-1].seq])
    return previous, next_fact(previous, rec, events_)


def write_fact(conn, previous: dict | None, row: dict | None, dialect: str) -> None:
    """Write the fact row folded by `fold_fact` and add its change to the running totals (writes only)."""
    if row is None or row == previous:          # a step that changes no figure writes none
        return
    upsert_fact, add_daily, add_counts = _statements(dialect)
    if previous is None:
        direct.execute(conn, upsert_fact, row)
    else:                                       # the row read at this lock version: only what changed
        changed = {k: v for k, v in row.items() if previous.get(k) != v}
        direct.execute(conn, _UPDATE_FACT, {**changed, "b_id": row["instance_id"]})
    for statement, rows in ((add_daily, daily_deltas(previous, row)), (add_counts, count_deltas(previous, row))):
        if rows:
            direct.execute(conn, statement, rows)


def _where(flt, table=case_facts):
    t = table.c
    conds = []
    if isinstance(flt.process, str):
        conds.append(t.process_key == flt.process)
    elif flt.process:
        conds.append(t.process_key.in_(list(flt.process)))
    if flt.start:
        conds.append(t.started_on >= flt.start)
    if flt.end:
        conds.append(t.started_on <= flt.end)
    if flt.units is not None:
        conds.append(t.unit.in_(list(flt.units)) if flt.units else literal(False))
    for dim, value in flt.where:
        column = t[dim]
        conds.append(column == (value if column.type.python_type is str else _as(column, value)))
    return and_(*conds) if conds else literal(True)


def _as(column, value):
    return dt.date.fromisoformat(str(value)) if column.type.python_type is dt.date else value


def _open_overdue(today):
    """Written with literals so PostgreSQL can use the partial index that holds exactly these rows."""
    return and_(F.replied_on.is_(None), F.due_date.is_not(None), F.status == literal_column("'running'"),
                F.due_date < today)


def _condition(figure, today):
    if figure == "cases":
        return literal(True)
    if figure == "open_overdue":
        return _open_overdue(today)
    if figure == "overdue":
        return or_(F.late > literal_column("0"), _open_overdue(today))
    if figure == "closed_with_deadline":
        return and_(F.closed > 0, F.has_deadline > 0)
    if figure == "open":
        return F.status == "running"
    return F[figure] > 0


def _blank(key) -> dict:
    return {"key": key, **{s: 0 for s in SUMS}, "closed_with_deadline": 0}


def _fold(target: dict, key, sums: dict) -> None:
    acc = target.setdefault(key, _blank(key))
    for name, value in sums.items():
        acc[name] += int(value or 0)


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
        self.rebuild_rollups()

    def fact_sums(self, flt, dims, today):
        """Totals and groups from the running totals (a few thousand rows a year), plus the cases overdue as of
        `today` from the fact rows (a partial index keeps that to the open ones)."""
        out = {"": {}} | {d: {} for d in dims}
        by_day = {"started_week", "started_month"} & set(dims)
        sets = [()] + [(d,) for d in ("unit", "channel") if d in dims] + ([("started_on",)] if by_day else [])
        open_overdue = [func.count().label("open_overdue")]
        with self.reader.connect() as conn:
            for table, sums, extra in ((fact_daily, [func.sum(fact_daily.c[s]).label(s) for s in DAILY_SUMS], None),
                                       (case_facts, open_overdue, _open_overdue(today))):
                for cols, row in self._grouped(conn, table, flt, sets, sums, extra):
                    self._place(out, cols, row)
            self._counts(conn, flt, [d for d in dims if d in COUNT_DIMS], out)
        if not out[""]:
            out[""][""] = _blank("")
        return {dim: list(groups.values()) for dim, groups in out.items()}

    def _grouped(self, conn, table, flt, sets, sums, extra=None):
        """(grouping columns, row) for each set: GROUPING SETS in one scan on PostgreSQL, a query a set on SQLite."""
        where = and_(_where(flt, table), extra if extra is not None else literal(True))
        if self.engine.dialect.name != "postgresql":
            for cols in sets:
                query = select(*[table.c[c] for c in cols], *sums).where(where).group_by(*[table.c[c] for c in cols])
                for r in conn.execute(query):
                    yield cols, dict(r._mapping)
            return
        names = sorted({c for cols in sets for c in cols})
        query = select(*[table.c[c] for c in names], *[func.grouping(table.c[c]).label(f"g_{c}") for c in names],
                       *sums).where(where).group_by(func.grouping_sets(*[tuple_(*[table.c[c] for c in cols])
                                                                        for cols in sets]))
        for r in conn.execute(query):
            row = dict(r._mapping)
            flags = {c: row.pop(f"g_{c}") for c in names}
            cols = next(((c,) for c in names if flags[c] == 0), ())
            for c in names:
                value = row.pop(c)
                if cols == (c,):
                    row[c] = value
            yield cols, row

    def _counts(self, conn, flt, wanted, out):
        """Cases per matter type, township, outcome: the running counts, or one unit's own fact rows."""
        if not wanted:
            return
        if flt.units is None:
            c = fact_counts.c
            query = select(c.dim, c.value, func.sum(c.n).label("cases")).where(_where(flt, fact_counts)) \
                .where(c.dim.in_(wanted)).group_by(c.dim, c.value)
            rows = [(r.dim, r.value or None, r.cases) for r in conn.execute(query)]
        else:                                      # one unit: its rows, from the covering unit index
            rows = [(cols[0], row[cols[0]] or None, row["cases"]) for cols, row in
                    self._grouped(conn, case_facts, flt, [(d,) for d in wanted], [func.count().label("cases")])]
        for dim, value, n in rows:
            if n:
                _fold(out[dim], value, {"cases": n})

    @staticmethod
    def _place(out, cols, row):
        """One grouped row into its place: totals, unit, channel, or the week and month of its day."""
        if not cols:
            _fold(out[""], "", row)
            return
        key = row.pop(cols[0])
        if cols[0] == "started_on":
            for dim, value in (("started_week", key - dt.timedelta(days=key.weekday())),
                               ("started_month", f"{key:%Y-%m}")):
                if dim in out:
                    _fold(out[dim], value.isoformat() if isinstance(value, dt.date) else value, row)
            return
        _fold(out[cols[0]], key or None, row)

    def rebuild_rollups(self):
        """Recompute the running totals from the fact rows (after a bulk load or a repair)."""
        with self.engine.begin() as conn:
            conn.execute(fact_daily.delete())
            conn.execute(fact_counts.delete())
            keys = [func.coalesce(F[k], "") if k in ("unit", "channel") else F[k] for k in DAILY_KEY]
            sums = [func.count()] + [func.sum(F[s]) for s in DAILY_SUMS[1:-1]] + [
                func.sum(case((and_(F.closed > 0, F.has_deadline > 0), 1), else_=0))]
            conn.execute(insert(fact_daily).from_select(list(DAILY_KEY) + list(DAILY_SUMS),
                                                        select(*keys, *sums).group_by(*keys)))
            for dim in COUNT_DIMS:
                keys = [F.process_key, F.started_on, literal(dim), func.coalesce(F[dim], "")]
                conn.execute(insert(fact_counts).from_select(list(COUNT_KEY) + ["n"],
                                                             select(*keys, func.count()).group_by(*keys)))

    def fact_cases(self, flt, figure, today, limit=500, after=None):
        """Newest first; `after`: (started_at, instance_id) of the last row already shown."""
        query = select(case_facts).where(_where(flt)).where(_condition(figure, today)) \
            .order_by(F.started_at.desc(), F.instance_id.desc()).limit(limit)
        if after is not None:
            query = query.where(tuple_(F.started_at, F.instance_id) < tuple_(*after))
        with self.reader.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def overdue_pairs(self, flt, today):
        """(deadline, answer day or None, cases): answered late, and still open past the deadline; each query
        reads only its covering partial index."""
        late = select(F.due_date, F.replied_on, func.count()).where(_where(flt)) \
            .where(F.late > literal_column("0")).group_by(F.due_date, F.replied_on)
        still_open = select(F.due_date, func.count()).where(_where(flt)).where(_open_overdue(today)) \
            .group_by(F.due_date)
        with self.reader.connect() as conn:
            return [tuple(r) for r in conn.execute(late)] + [(due, None, n) for due, n in conn.execute(still_open)]
