"""Trust: an event altered directly in the database (trigger dropped, one row updated) is flagged at the
first broken event on the case page, the audit page and in GET /history — on SQLite and on PostgreSQL."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from engine.accounts.users import seed_demo_users
from engine.audit.chain import check_chain
from tests.conftest import PgSchema, login, make_service, sqlite_store
from tests.test_api import AUDIT
from tests.test_hotline import at_callback

DROP = {"sqlite": ["DROP TRIGGER events_append_only_UPDATE"], "postgresql": ["DROP TRIGGER events_append_only ON events"]}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def sql_app(request, tmp_path, clock):
    from webapp import create_app
    schema = None
    if request.param == "sqlite":
        store = sqlite_store(tmp_path / "chain.db")
    else:
        schema = PgSchema()
        store = schema.store()
    service = make_service(store, clock)
    seed_demo_users(service.store)
    yield create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "t"}, service=service)
    if schema:
        schema.drop()


def tamper(store, instance_id, seq, change):
    """What someone with database access might do: drop the guard, rewrite one event's submitted data."""
    event = next(e for e in store.events(instance_id) if e.seq == seq)
    with store.engine.begin() as conn:
        for statement in DROP[store.engine.dialect.name]:
            conn.execute(text(statement))
        conn.execute(text("UPDATE events SET data = :d WHERE instance_id = :i AND seq = :s"),
                     {"d": json.dumps({**event.data, **change}, ensure_ascii=False), "i": instance_id, "s": seq})


def test_events_cannot_be_updated_while_the_trigger_stands(sql_app):
    service = sql_app.extensions["service"]
    iid = at_callback(service)
    with pytest.raises(DBAPIError):
        with service.store.engine.begin() as conn:
            conn.execute(text("UPDATE events SET actor = 'x' WHERE instance_id = :i"), {"i": iid})


def test_tampered_row_is_flagged_at_the_first_broken_event(sql_app):
    service = sql_app.extensions["service"]
    iid = at_callback(service)
    client = sql_app.test_client()
    before = client.get(f"/api/v1/instances/{iid}/history", headers=AUDIT).get_json()
    assert (before["chain_ok"], before["broken_at"]) == (True, None)
    tamper(service.store, iid, 3, {"lead_unit": "人社局"})

    assert check_chain(service.store.events(iid)).broken_at == 3
    after = client.get(f"/api/v1/instances/{iid}/history", headers=AUDIT).get_json()
    assert (after["chain_ok"], after["broken_at"]) == (False, 3)
    assert after["events"][2]["data"]["lead_unit"] == "人社局"       # shown as stored, flagged as broken
    login(client, "audit1")
    audit_page = client.get(f"/audit/cases/{iid}").get_data(as_text=True)
    assert "记录链校验失败：第 3 条记录起" in audit_page and "此处断开" in audit_page
    case_page = client.get(f"/instances/{iid}").get_data(as_text=True)
    assert "第 3 条记录起与写入时不一致" in case_page and "此条记录已被改动" in case_page


def test_a_deleted_last_event_is_noticed_from_the_case_row(sql_app):
    service = sql_app.extensions["service"]
    iid = at_callback(service)
    last = service.store.get_instance(iid).last_seq
    with service.store.engine.begin() as conn:
        dialect = service.store.engine.dialect.name
        conn.execute(text("DROP TRIGGER events_append_only_DELETE" if dialect == "sqlite"
                          else "DROP TRIGGER events_append_only ON events"))
        conn.execute(text("DELETE FROM events WHERE instance_id = :i AND seq = :s"), {"i": iid, "s": last})
    body = sql_app.test_client().get(f"/api/v1/instances/{iid}/history", headers=AUDIT).get_json()
    assert (body["chain_ok"], body["broken_at"]) == (False, last)
