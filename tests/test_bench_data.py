"""`make bench-data` makes cases the app can open and move on: N=2000 into a throwaway schema of the test
database (PostgreSQL), then as their users would: the inbox, a case page, completing a task; every cloned
case's event chain verifies."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text

from engine.history import verify_chain
from engine.migrations import upgrade
from engine.service import Service
from engine.sql.store import SqlStore
from tests.bench_data import generate
from tests.conftest import PG_URL, login

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def bench_schema():
    name = f"bench_{uuid.uuid4().hex[:8]}"
    lines = []
    result = generate(2000, PG_URL, name, out=lines.append)
    engine = create_engine(PG_URL, connect_args={"options": f"-csearch_path={name}"})
    yield engine, result, lines
    engine.dispose()
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
    admin.dispose()


@pytest.fixture
def app(bench_schema):
    from webapp import create_app
    engine, _, _ = bench_schema
    upgrade(PG_URL, engine)
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test"},
                      service=Service(SqlStore(engine)))


def one(engine, sql):
    with engine.connect() as conn:
        return conn.execute(text(sql)).first()


def test_proportions_and_shape(bench_schema):
    engine, result, lines = bench_schema
    assert result["cases"] >= 1900 and any(line.startswith("bench-data:") for line in lines)
    processes = dict(one(engine, "SELECT json_object_agg(process_key, n) FROM (SELECT process_key, count(*) n "
                                 "FROM instances GROUP BY 1) x")[0])
    assert set(processes) == {"hotline", "petition_case", "petition_supervision", "reception_day"}
    assert processes["hotline"] > 0.8 * sum(processes.values())
    ready = one(engine, "SELECT count(*) FROM tasks WHERE status = 'ready'")[0]
    assert 0.25 * result["cases"] < ready < 0.5 * result["cases"]
    big, second = [r[0] for r in SqlStore(engine).engine.connect().execute(text(
        "SELECT count(*) FROM task_groups WHERE ready AND group_name LIKE 'dept:%' GROUP BY group_name "
        "ORDER BY 1 DESC LIMIT 2"))]
    assert big > 1.5 * second                     # skewed: the big unit holds the largest share
    linked = one(engine, "SELECT count(*) FROM instances c JOIN instances p ON p.id = c.parent_id")[0]
    assert linked > 0
    assert one(engine, "SELECT count(DISTINCT case_no) = count(*) FROM instances")[0]
    assert one(engine, "SELECT count(*) FROM instances WHERE next_timer_at < now()")[0] == 0


def test_every_chain_verifies_and_no_id_is_shared(bench_schema):
    engine, _, _ = bench_schema
    store = SqlStore(engine)
    with engine.connect() as conn:
        ids = [r[0] for r in conn.execute(text("SELECT id FROM instances ORDER BY random() LIMIT 150"))]
        assert conn.scalar(text("SELECT count(*) FROM instances i WHERE last_hash <> (SELECT hash FROM events e "
                                "WHERE e.instance_id = i.id ORDER BY seq DESC LIMIT 1)")) == 0
    assert all(verify_chain(store.events(i)) == (True, None) for i in ids)


def test_the_app_opens_a_cloned_case_and_completes_its_task(app, bench_schema):
    engine, _, _ = bench_schema
    task_id, instance_id, group = one(engine, """
        SELECT t.task_id, t.instance_id, g.group_name FROM tasks t JOIN task_groups g ON g.task_id = t.task_id
        WHERE t.status = 'ready' AND g.ready AND t.bpmn_id = 'accept' AND g.group_name = 'dept:住建局'
        ORDER BY t.created_at DESC LIMIT 1""")
    client = app.test_client()
    login(client, "dept1")
    inbox = client.get("/")
    assert inbox.status_code == 200 and "99+" in inbox.get_data(as_text=True)
    page = client.get(f"/instances/{instance_id}")
    assert page.status_code == 200
    assert client.get(f"/tasks/{task_id}").status_code == 200
    done = client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"decision": "accept"}},
                       auth=("dept1", "demo"))
    assert done.status_code == 200, done.get_json()
    body = done.get_json()
    assert [t["name"] for t in body["ready_tasks"]] == ["handle"]
    history = client.get(f"/api/v1/instances/{instance_id}/history", auth=("audit1", "demo")).get_json()
    assert history["chain_ok"] and history["events"][-1]["task"] == "accept"
