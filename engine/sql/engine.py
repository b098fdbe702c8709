"""Creating the SQLAlchemy engine: SQLite pragmas, PostgreSQL connection options, and pooled connections
checked only after sitting idle."""
from __future__ import annotations

import time

from sqlalchemy import create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError

from .. import jsoncodec

IDLE_PING_SECONDS = 10.0


def make_engine(url: str):
    # PostgreSQL: no parallel workers for the app's short queries (starting them costs more than the query)
    # (added to the URL's own `options`, e.g. a search_path, which connect_args would otherwise replace)
    options = {}
    if url.startswith("postgres"):
        given = make_url(url).query.get("options", "")
        options = {"connect_args": {"options": f"{given} -c max_parallel_workers_per_gather=0".strip()}}
    engine = create_engine(url, future=True, json_serializer=jsoncodec.dumps, json_deserializer=jsoncodec.loads,
                           **options)
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _pragmas(conn, _record):
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA busy_timeout=5000")
    else:
        ping_when_idle(engine)
    return engine


def reader_of(engine):
    """The engine for single-statement reads: PostgreSQL's without BEGIN/ROLLBACK round trips; SQLite's as it is
    (its driver opens no transaction for a SELECT, and switching a connection to autocommit and back cost three
    times a case read)."""
    return engine if engine.dialect.name == "sqlite" else engine.execution_options(isolation_level="AUTOCOMMIT")


def ping_when_idle(engine) -> None:
    """Check a pooled connection before use only when it sat idle IDLE_PING_SECONDS (a server restart, a
    proxy that dropped it); a dead one is replaced. SQLAlchemy's pool_pre_ping would cost a round trip on
    every checkout, i.e. several per request."""
    @event.listens_for(engine, "checkout")
    def _ping(dbapi_conn, record, _proxy):
        now, last = time.monotonic(), record.info.get("used_at")
        record.info["used_at"] = now
        if last is not None and now - last > IDLE_PING_SECONDS:
            try:
                engine.dialect.do_ping(dbapi_conn)
            except Exception as exc:           # any failure: the pool opens a new connection
                raise DisconnectionError() from exc
