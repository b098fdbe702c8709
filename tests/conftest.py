"""Shared fixtures: the three stores (memory, SQLite, PostgreSQL), a service on a fixed clock."""
from __future__ import annotations

import datetime as dt
import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from engine.clock import FixedClock
from engine.migrations import upgrade
from engine.service import Service
from engine.sql.store import SqlStore
from engine.store import MemoryStore

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
CHINA = dt.timezone(dt.timedelta(hours=8))


def pg_url_in(schema: str) -> str:
    """PG_URL with the schema as search_path (PG_URL may already carry a query, e.g. a socket's host)."""
    return f"{PG_URL}{'&' if '?' in PG_URL else '?'}options=-csearch_path%3D{schema}"


def sqlite_store(path: Path) -> SqlStore:
    url = f"sqlite:///{path}"
    store = SqlStore(url)
    upgrade(url, store.engine)
    return store


class PgSchema:
    """A throwaway schema in the test database, dropped afterwards."""

    def __init__(self):
        self.name = f"t_{uuid.uuid4().hex[:10]}"
        self.admin = create_engine(PG_URL)
        with self.admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{self.name}"'))
        self.engine = create_engine(PG_URL, connect_args={"options": f"-csearch_path={self.name}"},
                                    pool_size=10)

    def store(self) -> SqlStore:
        store = SqlStore(self.engine)
        upgrade(PG_URL, self.engine)
        return store

    def drop(self):
        self.engine.dispose()
        with self.admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{self.name}" CASCADE'))
        self.admin.dispose()


@pytest.fixture
def pg_schema():
    schema = PgSchema()
    yield schema
    schema.drop()


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request, tmp_path):
    if request.param == "memory":
        yield MemoryStore()
    elif request.param == "sqlite":
        yield sqlite_store(tmp_path / "test.db")
    else:
        schema = PgSchema()
        yield schema.store()
        schema.drop()


@pytest.fixture
def clock():
    return FixedClock(dt.datetime(2026, 11, 23, 9, 0, tzinfo=CHINA))


def make_service(store, clock) -> Service:
    from engine.directory.seed import seed_directory
    from tests.walk import demo_hash
    service = Service(store, clock)
    service.calendar.seed_from_package()
    seed_directory(store, demo_hash())
    service.deploy_directory(ROOT / "processes", ROOT / "forms")
    return service


@pytest.fixture
def service(clock):
    return make_service(MemoryStore(), clock)


@pytest.fixture
def app(tmp_path, clock):
    """The web app on a SQLite file, demo users seeded, processes deployed, CSRF off for the test client."""
    from engine.accounts.users import seed_demo_users
    from webapp import create_app
    service = make_service(sqlite_store(tmp_path / "web.db"), clock)
    seed_demo_users(service.store)
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test"}, service=service)


def login(client, name, password="demo"):
    return client.post("/login", data={"username": name, "password": password})


def pytest_collection_modifyitems(items):
    """Browser tests start chromium: give them more than the per-test limit in pyproject.toml."""
    for item in items:
        if item.get_closest_marker("browser") and not item.get_closest_marker("timeout"):
            item.add_marker(pytest.mark.timeout(300))


@pytest.fixture
def live(app):
    """The app served over real HTTP by a threaded server on a free port: (base URL, app)."""
    import threading
    from werkzeug.serving import make_server
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", app
    server.shutdown()
