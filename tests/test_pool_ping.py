"""Pooled PostgreSQL connections are checked only after sitting idle (engine/sql/engine.py ping_when_idle): a
connection the server dropped while idle is replaced, not handed to a request."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from engine.sql import engine as sql_engine
from engine.sql.store import SqlStore
from tests.conftest import pg_url_in

pytestmark = pytest.mark.postgres


def test_a_connection_dropped_while_idle_is_replaced(pg_schema, monkeypatch):
    store = SqlStore(pg_url_in(pg_schema.name))
    try:
        with store.reader.connect() as conn:
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with pg_schema.admin.begin() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar_one()
        monkeypatch.setattr(sql_engine, "IDLE_PING_SECONDS", 0.0)       # it has now been idle long enough
        with store.reader.connect() as conn:
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
        store.ping()
    finally:
        store.engine.dispose()
