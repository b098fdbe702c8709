"""Auditor case search: filters, sorting and cursor pages answered from indexed columns, on every store;
the API's summaries and paging headers; PostgreSQL plans the query on an index, not a table scan."""
from __future__ import annotations

import datetime as dt
import random
import uuid

import pytest
from sqlalchemy import insert, text
from sqlalchemy.dialects import postgresql

from engine.access import Actor
from engine.audit.search import CaseQuery, parse_query
from engine.audit.service import AuditService
from engine.sql.audit import SqlAuditStore
from engine.sql.tables import instances
from tests.conftest import make_service
from tests.test_api import basic
from tests.test_hotline import DEPT1, DISPATCH, OP, REPLY, REVIEWER, at_handle, dispatched, register
from tests.walk import CHINA, do
from webapp.demo import EXAMPLES

AUDITOR = Actor.of("audit1", ["auditors"])


def cases(service, clock) -> dict:
    """A: 住建局, still in handling; B: answered at once; C: 人社局 (next day); D: handled late (two days on)."""
    a = at_handle(service)
    b = register(service, **EXAMPLES[1])
    do(service, b, "immediate_answer", OP, {"answer_text": "可到人社局窗口办理"})
    do(service, b, "archive", REVIEWER, {"archive_no": "RX-B"})
    clock.advance(days=1)
    c = dispatched(service, **{**DISPATCH, "lead_unit": "人社局"})
    clock.advance(days=1)
    d = at_handle(service)
    clock.set(dt.datetime(2026, 12, 3, 10, 0, tzinfo=CHINA))
    do(service, d, "handle", DEPT1, REPLY)
    return {"A": a, "B": b, "C": c, "D": d}


def names(found, ids) -> list[str]:
    back = {v: k for k, v in ids.items()}
    return [back[r.id] for r in found]


def test_filters_sorting_and_pages(store, clock):
    service = make_service(store, clock)
    ids = cases(service, clock)
    audit = AuditService(service)

    def search(**args):
        rows, cursor = audit.search(AUDITOR, parse_query(args, service.now(), CHINA))
        return names(rows, ids), cursor

    everything = search()[0]
    assert everything[:2] == ["D", "C"] and sorted(everything[2:]) == ["A", "B"]   # newest first
    assert search(sort="+created")[0][-2:] == ["C", "D"]
    case_no = service.store.get_instance(ids["C"]).data["case_no"]
    assert search(q=case_no[:-2])[0] == ["C"] and search(q=case_no.lower())[0] == ["C"]
    assert sorted(search(q="噪音")[0]) == ["A", "C", "D"]
    assert search(status="completed")[0] == ["B"]
    assert search(unit="人社局")[0] == ["C"]
    assert search(**{"from": "2026-11-24"})[0] == ["D", "C"]
    assert sorted(search(to="2026-11-23")[0]) == ["A", "B"]
    assert sorted(search(overdue="true")[0]) == ["A", "C", "D"]        # A, C past due; D handled late
    first, cursor = search(overdue="true", limit="2")                # the late and the past-due walks, paged
    rest, end = search(overdue="true", limit="2", cursor=cursor)
    assert first == ["D", "C"] and rest == ["A"] and end is None
    assert search(overdue="true", unit="住建局")[0] == ["D", "A"] and search(overdue="true", status="completed")[0] == []
    by_due = [n for n in search(sort="+due")[0] if n in ("A", "C", "D")]
    assert search(overdue="true", sort="+due")[0] == by_due and search(overdue="true", sort="-due")[0] == by_due[::-1]
    assert search(overdue="false")[0] == ["B"]
    assert search(process="reception_case")[0] == []
    assert search(sort="+due")[0][0] in ("A", "C")
    first, cursor = search(limit="3")
    second, last = search(limit="3", cursor=cursor)
    assert len(first) == 3 and cursor and len(second) == 1 and last is None
    assert sorted(first + second) == ["A", "B", "C", "D"]
    unit_view = audit.search(DEPT1, CaseQuery(limit=50))[0]
    assert set(names(unit_view, ids)) == {"A", "D"}                  # a unit finds only its own cases


def test_api_list_filters_pages_and_summaries(app):
    service = app.extensions["service"]
    ids = cases(service, service.clock)
    client = app.test_client()
    page = client.get("/api/v1/instances?limit=2&process=hotline", headers=basic("audit1"))
    assert page.status_code == 200 and len(page.get_json()) == 2
    assert "data" not in page.get_json()[0] and page.get_json()[0]["case_no"].startswith("RX")
    cursor = page.headers["X-Next-Cursor"]
    assert f"cursor={cursor}" in page.headers["Link"] and page.headers["Link"].endswith('rel="next"')
    rest = client.get(f"/api/v1/instances?limit=2&process=hotline&cursor={cursor}", headers=basic("audit1"))
    assert "X-Next-Cursor" not in rest.headers and "Link" not in rest.headers
    assert {r["id"] for r in page.get_json() + rest.get_json()} == set(ids.values())
    late = client.get("/api/v1/instances?overdue=true&unit=住建局", headers=basic("audit1")).get_json()
    assert {r["id"] for r in late} == {ids["A"], ids["D"]} and all(r["overdue"] for r in late)
    for bad in ("limit=501", "limit=0", "cursor=nonsense!", "from=yesterday", "overdue=maybe", "sort=title"):
        response = client.get(f"/api/v1/instances?{bad}", headers=basic("audit1"))
        assert response.status_code == 422 and response.get_json()["error"]["code"] == "invalid", bad
    assert len(client.get("/api/v1/instances", headers=basic("dept2")).get_json()) == 1


@pytest.mark.postgres
def test_postgresql_answers_the_search_from_an_index(pg_schema):
    store = pg_schema.store()
    rows, start = [], dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    rnd = random.Random(8)
    for n in range(20000):
        created = start + dt.timedelta(minutes=rnd.randrange(525600))
        rows.append({"id": str(uuid.UUID(int=rnd.getrandbits(128))), "process_key": rnd.choice(
            ["hotline", "petition_case", "reception_case", "petition_supervision", "reception_day"]),
            "version": 1, "bundle_hash": "x" * 64, "status": rnd.choice(["running", "completed", "completed"]),
            "state": "", "data": {}, "title": f"RX{created:%Y%m%d}-{n:06d} 诉求", "case_no": f"RX{created:%Y%m%d}-{n:06d}",
            "unit": f"单位{n % 40}", "created_at": created, "updated_at": created, "lock_version": 1,
            "due_at": created + dt.timedelta(days=7), "late": n % 9 == 0, "timers": []})
    with store.engine.begin() as conn:
        conn.execute(insert(instances), rows)
        conn.execute(text("ANALYZE instances"))
    audit_store = SqlAuditStore(store.engine)
    now = dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc)
    queries = [CaseQuery(now=now), CaseQuery(status="running", now=now), CaseQuery(process="petition_case", now=now),
               CaseQuery(q="RX20260315-00", now=now), CaseQuery(unit="单位7", now=now),
               CaseQuery(status="running", sort="due", descending=False, now=now),
               CaseQuery(unit="单位7", overdue=True, now=now), CaseQuery(overdue=True, now=now),
               CaseQuery(now=now, after=(dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc), "m"))]
    with store.engine.connect() as conn:
        for query in queries:
            compiled = audit_store.search_statement(query).compile(dialect=postgresql.psycopg.dialect())
            plan = "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + str(compiled), compiled.params))
            assert "Index" in plan and "Seq Scan on instances" not in plan, (query, plan)
        assert len(audit_store.search(queries[0])) == 51


def test_upgrading_an_existing_database_fills_the_search_columns(tmp_path):
    from alembic import command

    from engine.migrations import config, upgrade
    from engine.sql.store import SqlStore
    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(config(url), "0002")
    store = SqlStore(url)
    with store.engine.begin() as conn:
        conn.execute(text("INSERT INTO instances (id, process_key, version, bundle_hash, status, state, data, title, "
                          "created_at, updated_at, lock_version, last_seq, last_hash, timers) VALUES ('i1', 'hotline', "
                          "1, 'h', 'completed', '', :d, 't', '2026-11-01 00:00:00', '2026-11-02 00:00:00', 1, 0, '', '[]')"),
                     {"d": '{"case_no": "RX20261101-AAAAAA", "lead_unit": "住建局"}'})
    upgrade(url, store.engine)
    rec = store.get_instance("i1")
    assert (rec.case_no, rec.unit, rec.closed_at.day, rec.late) == ("RX20261101-AAAAAA", "住建局", 2, False)
    found = SqlAuditStore(store.engine).search(CaseQuery(q="RX20261101", now=rec.closed_at))
    assert [r.id for r in found] == ["i1"]
