"""engine/sql/direct.py: a step's writes on the driver's cursor store exactly what SQLAlchemy would store, fail as
SQLAlchemy fails, and stay visible to statement listeners."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import (JSON, Boolean, Column, Date, Integer, MetaData, String, Table, bindparam, event, insert,
                        select, update)
from sqlalchemy.exc import IntegrityError

from engine.sql import direct
from engine.sql.engine import make_engine
from engine.sql.tables import UTCDateTime
from tests.conftest import PgSchema, pg_url_in

CHINA = dt.timezone(dt.timedelta(hours=8))
meta = MetaData()
rows = Table("direct_rows", meta, Column("id", String(10), primary_key=True), Column("n", Integer),
             Column("data", JSON), Column("at", UTCDateTime), Column("on", Date), Column("flag", Boolean),
             Column("late", Boolean, nullable=False, default=False))
INSERT = insert(rows).inline()
SET = update(rows).where(rows.c.id == bindparam("b_id"))
VALUES = [
    {"id": "a", "n": 1, "data": {"诉求": "噪音扰民", "list": [1, 2.5, None, True]}, "flag": True, "late": False,
     "at": dt.datetime(2026, 11, 23, 9, 30, tzinfo=CHINA), "on": dt.date(2026, 11, 23)},
    {"id": "b", "n": None, "data": None, "at": None, "on": None, "flag": None, "late": True},
]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engines(request, tmp_path):
    """Two engines on one database (as make_engine builds them): one written directly, one by SQLAlchemy."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'direct.db'}"
        made = [make_engine(url), make_engine(url)]
        meta.create_all(made[0])
        yield made
    else:
        schema = PgSchema()
        made = [make_engine(pg_url_in(schema.name)), make_engine(pg_url_in(schema.name))]
        meta.create_all(made[0])
        yield made
        for engine in made:
            engine.dispose()
        schema.drop()


def _read(engine, table_name="direct_rows"):
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(rows).order_by(rows.c.id))]


def test_rows_written_directly_read_back_as_rows_written_by_sqlalchemy(engines):
    mine, theirs = engines
    with mine.begin() as conn:
        direct.execute(conn, INSERT, VALUES)                  # executemany
    expected = _read(mine)
    with theirs.begin() as conn:
        conn.execute(rows.delete())
        conn.execute(INSERT, VALUES)
    assert _read(theirs) == expected
    assert expected[0]["at"] == dt.datetime(2026, 11, 23, 1, 30, tzinfo=dt.timezone.utc)   # stored as UTC
    assert expected[0]["data"] == VALUES[0]["data"] and expected[1]["late"] is True
    with mine.begin() as conn:                                # one row, and an update's count
        conn.execute(rows.delete())
        direct.execute(conn, INSERT, VALUES[0])
        done = direct.execute(conn, SET, {"n": 7, "data": {"k": "v"}, "b_id": "a"})
        assert done.rowcount == 1
        assert direct.execute(conn, SET, {"n": 8, "b_id": "nobody"}).rowcount == 0
    [row] = _read(theirs)
    assert (row["n"], row["data"], row["on"]) == (7, {"k": "v"}, dt.date(2026, 11, 23))


def test_a_refused_write_raises_what_sqlalchemy_raises(engines):
    mine, _ = engines
    with pytest.raises(IntegrityError):
        with mine.begin() as conn:
            direct.execute(conn, INSERT, VALUES[:1] + VALUES[:1])
    assert _read(mine) == []                                  # the transaction rolled back
    with mine.begin() as conn:                                # and the pooled connection still works
        direct.execute(conn, INSERT, VALUES[1])
    assert [r["id"] for r in _read(mine)] == ["b"]


def test_a_value_sqlalchemy_must_fill_in_takes_its_path(engines):
    """`late` has a Python-side default: a row without it is written by SQLAlchemy, which supplies it."""
    mine, _ = engines
    with mine.begin() as conn:
        direct.execute(conn, INSERT, {"id": "c", "n": 3})
    assert [(r["id"], r["late"]) for r in _read(mine)] == [("c", False)]


def test_listeners_see_each_statement_with_its_parameters(engines):
    mine, _ = engines
    seen = []
    event.listen(mine, "before_cursor_execute",
                 lambda conn, cursor, sql, params, context, many: seen.append((sql.split()[0], many, params)))
    with mine.begin() as conn:
        direct.execute(conn, INSERT, VALUES)
        direct.execute(conn, SET, {"n": 2, "b_id": "a"})
    assert [(s, m) for s, m, _ in seen] == [("INSERT", True), ("UPDATE", False)]
    assert len(seen[0][2]) == 2
