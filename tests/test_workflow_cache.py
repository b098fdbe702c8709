"""The per-process workflow cache (engine/workflow_cache.py): a step reuses the workflow its process stored last,
but never a stale one: after another process (its own service and connections, same database) completed a step,
the lock version differs and the case is loaded from the database."""
from __future__ import annotations

import re

from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine

from engine.service import Service, TaskClosed
from engine.sql.store import SqlStore
from engine.workflow_cache import WorkflowCache
from tests.bench import DEPT, OP, REV, STEPS
from tests.conftest import PG_URL, PgSchema, make_service, sqlite_store


@pytest.fixture(params=["sqlite", "postgres"])
def two_services(request, tmp_path, clock):
    """Two services as two app processes would have them: each its own store, engine and cache."""
    if request.param == "sqlite":
        first = make_service(sqlite_store(tmp_path / "c.db"), clock)
        yield first, Service(SqlStore(f"sqlite:///{tmp_path / 'c.db'}"), clock)
        return
    schema = PgSchema()
    other = create_engine(PG_URL, connect_args={"options": f"-csearch_path={schema.name}"})
    try:
        first = make_service(schema.store(), clock)
        yield first, Service(SqlStore(other), clock)
    finally:
        other.dispose()
        schema.drop()


def step(service, rec, name, actor):
    data = next(d for n, _a, d in STEPS if n == name)
    task = next(t for t in service.ready_tasks(rec.id) if t.bpmn_id == name)
    return service.complete(task.task_id, data, actor)


def test_a_step_reuses_the_workflow_its_process_stored(two_services):
    a, _ = two_services
    rec = a.start("hotline", {}, OP)
    misses = a.workflows.misses
    rec = step(a, rec, "register", OP)
    rec = step(a, rec, "dispatch", OP)
    assert a.workflows.hits == 2 and a.workflows.misses == misses
    assert sorted(t.bpmn_id for t in a.ready_tasks(rec.id)) == ["accept"]


def test_a_stale_cached_workflow_is_never_used_after_another_process_stepped(two_services):
    a, b = two_services
    rec = a.start("hotline", {}, OP)
    rec = step(a, rec, "register", OP)                 # a keeps the workflow at this lock version
    kept_version = rec.lock_version
    rec_b = b.store.get_instance(rec.id)
    step(b, rec_b, "dispatch", OP)                     # the other process moves the case on
    assert b.store.get_instance(rec.id).lock_version == kept_version + 1
    misses = a.workflows.misses
    fresh = a.store.get_instance(rec.id)
    done = step(a, fresh, "accept", DEPT)              # a's cached workflow is of the old version: not used
    assert a.workflows.misses == misses + 1
    assert done.data["lead_unit"] == "住建局" and done.data["decision"] == "accept"
    assert sorted(t.bpmn_id for t in a.ready_tasks(rec.id)) == ["handle"]
    events = a.store.events(rec.id)
    assert [e.seq for e in events] == [1, 2, 3, 4] and done.lock_version == 4


def test_a_task_closed_by_another_process_is_refused_not_redone_from_the_cache(two_services):
    a, b = two_services
    rec = step(a, a.start("hotline", {}, OP), "register", OP)
    task = next(t for t in a.ready_tasks(rec.id) if t.bpmn_id == "dispatch")
    step(b, b.store.get_instance(rec.id), "dispatch", OP)
    with pytest.raises(TaskClosed):
        a.complete(task.task_id, next(d for n, _a, d in STEPS if n == "dispatch"), OP)
    assert [e.type for e in a.store.events(rec.id)].count("task_completed") == 2


def test_the_cache_is_bounded_and_hands_a_workflow_to_one_taker_only():
    cache = WorkflowCache(size=2)
    recs = [SimpleNamespace(id=str(i), lock_version=1, last_hash="h", bundle_hash="b", status="running")
            for i in range(3)]
    for rec in recs:
        cache.keep(rec, f"wf{rec.id}")
    assert len(cache) == 2 and cache.take(recs[0]) is None        # the least recently kept went first
    assert cache.take(recs[1]) == "wf1" and cache.take(recs[1]) is None   # taken: no second thread gets it
    moved = SimpleNamespace(**{**vars(recs[2]), "lock_version": 2})
    assert cache.take(moved) is None and cache.take(recs[2]) is None      # a stale entry is dropped
    cache.keep(SimpleNamespace(**{**vars(recs[0]), "status": "completed"}), "done")
    assert len(cache) == 0                                               # finished cases are not kept


def _statements(service):
    from sqlalchemy import event
    seen = []
    event.listen(service.store.engine, "before_cursor_execute",
                 lambda conn, cursor, sql, params, context, many: seen.append(sql.split()[0].upper()))
    return seen


def test_a_start_and_a_cached_step_read_only_what_they_need(two_services):
    """A new case is written without reading back its (non-existent) figures or events; a step on a cached
    workflow reads once (the task with its case and figures row) and writes the case, its tasks, its event,
    its figures and notices: a step that reads more has lost a shortcut, and every step pays for it."""
    a, _ = two_services
    a.start("hotline", {}, OP)                          # the deployment and calendar are read and kept
    seen = _statements(a)
    rec = a.start("hotline", {}, OP)
    # only writes (the newest deployment was read by the first start and is kept): the case, its task and
    # groups, the event, the figures row and totals, the notice (no read of figures or events a new case cannot
    # have, nothing to close)
    assert set(seen) == {"INSERT"} and len(seen) <= 8, seen
    task = next(t for t in a.ready_tasks(rec.id) if t.bpmn_id == "register")
    seen.clear()
    sql = []
    from sqlalchemy import event
    event.listen(a.store.engine, "before_cursor_execute", lambda conn, cursor, text, *_: sql.append(text))
    a.complete(task.task_id, next(d for n, _a, d in STEPS if n == "register"), OP)
    # the read; the case row; tasks (the completed one closed with the new ones), their groups, the event; the
    # figures row; the day's totals and counts, the new task's notice: no statement closes the completed task
    assert seen == ["SELECT", "UPDATE"] + ["INSERT"] * 3 + ["UPDATE"] + ["INSERT"] * 3, seen
    # the case and figures rows: only the columns the step changed (indexes on the others are not touched)
    case_set, fact_set = (re.search(r"SET (.*) WHERE", s).group(1) for s in sql if s.startswith("UPDATE"))
    assert "state" in case_set and "lock_version" in case_set
    assert not {"case_no", "created_at", "process_key", "unit", "status"} & set(re.findall(r"(\w+)=", case_set))
    assert "instance_id" not in fact_set and "process_key" not in fact_set and "started_on" not in fact_set


def test_a_review_that_changes_no_figure_writes_no_figures(two_services):
    a, _ = two_services
    rec = a.start("hotline", {}, OP)
    for name, actor in [("register", OP), ("dispatch", OP), ("accept", DEPT), ("handle", DEPT)]:
        rec = step(a, rec, name, actor)
    seen = []
    from sqlalchemy import event
    event.listen(a.store.engine, "before_cursor_execute",
                 lambda conn, cursor, sql, params, context, many: seen.append(sql))
    step(a, rec, "review_reply", REV)
    written = [s.split("(")[0] for s in seen if s.startswith(("INSERT", "UPDATE"))]
    assert written and not [s for s in written if "case_facts" in s or "fact_" in s], written


def test_a_version_deployed_on_another_node_starts_cases_within_the_check_interval(two_services, monkeypatch):
    """A start reads the newest version once a second, not on every start: this node's deployment is used at
    once, another node's within engine.catalog.CURRENT_CHECK seconds."""
    from engine import catalog
    a, b = two_services
    files = dict(a.current("hotline")[1].bundle.files)
    changed = files["hotline.bpmn"].replace("12345热线工单办理", "12345热线工单办理（2027版）")
    assert b.start("hotline", {}, OP).version == 1 and b.latest()["hotline"].version == 1
    assert a.latest()["hotline"].version == 1
    assert a.deploy_files("hotline", {"hotline.bpmn": changed}, "designer1", "2027").version == 2
    assert a.start("hotline", {}, OP).version == 2                   # its own deployment: at once
    assert a.latest()["hotline"].version == 2
    assert b.start("hotline", {}, OP).version == 1                   # read less than a second ago
    assert b.latest()["hotline"].version == 1
    monkeypatch.setattr(catalog, "CURRENT_CHECK", 0.0)
    assert b.start("hotline", {}, OP).version == 2 and b.latest()["hotline"].version == 2


def test_the_app_writes_the_state_spiff_itself_would_write(two_services):
    """The state is encoded by orjson (engine/jsoncodec.py): the same JSON as Spiff's own encoder, read back
    by either; values orjson refuses fall back to the standard library."""
    import json
    import math
    from engine import jsoncodec
    from engine.workflow_state import dump_state, encode_state
    a, _ = two_services
    rec = step(a, a.start("hotline", {}, OP), "register", OP)
    workflow = a.workflows.take(rec).wf
    assert json.loads(encode_state(workflow)) == json.loads(dump_state(workflow))
    assert jsoncodec.loads(dump_state(workflow)) == json.loads(dump_state(workflow))
    odd = {"big": 2 ** 70, "keys": {1: "one"}}
    assert json.loads(jsoncodec.dumps(odd)) == json.loads(json.dumps(odd))
    assert math.isnan(jsoncodec.loads('{"old": NaN}')["old"])         # rows written by the standard library
    with pytest.raises(TypeError):
        jsoncodec.dumps({"when": rec.created_at})                      # as json.dumps: not JSON data


def test_a_dump_reusing_finished_tasks_equals_a_fresh_one(monkeypatch):
    """A runner converts a finished task once and reuses it in later dumps (engine/runtime.py `_tasks_dict`):
    through branchy walks of every procedure (sent back, extended, supervised, parallel units, timers fired),
    every dump must equal one that converts every task afresh, as SpiffWorkflow itself would."""
    import datetime as dt
    import json
    from engine.clock import FixedClock
    from engine.runtime import Runner
    from engine.workflow_state import dump_state
    from engine.store import MemoryStore
    from tests import test_hotline as hotline, test_petition_case as petition, test_petition_supervision as supervision
    from tests.conftest import CHINA
    real, checked = Runner.dump, []

    def dump(self):
        text = real(self)
        assert json.loads(text) == json.loads(dump_state(self.wf)), "a kept task conversion went stale"
        checked.append(self)
        return text
    monkeypatch.setattr(Runner, "dump", dump)
    for walk in (hotline.test_unit_returns_case_and_operator_redispatches, hotline.test_review_redo_sends_case_back,
                 hotline.test_unsatisfied_callback_sends_case_back_for_rework, hotline.test_reminder_then_overdue_supervision,
                 hotline.test_leader_approval_with_more_info_loop,
                 petition.test_review_then_rereview_with_hearing_finalises_the_matter,
                 petition.test_one_extension_approved_a_second_is_refused,
                 petition.test_co_units_give_opinions_in_parallel_and_an_overdue_co_unit_is_supervised,
                 petition.test_review_ordering_redo_sends_the_case_back_to_the_handling_unit_with_a_new_deadline,
                 supervision.test_hand_started_case_with_two_units_resolved_in_first_round):
        walk(make_service(MemoryStore(), FixedClock(dt.datetime(2026, 11, 23, 9, 0, tzinfo=CHINA))))
    reused = [r for r in checked if r._finished]
    assert len(checked) > 80 and len(reused) > 40, (len(checked), len(reused))


def test_a_read_on_sqlite_sends_sqlite_the_query_alone(tmp_path):
    """SQLite reads use the plain engine (engine/sql/engine.py reader_of): an autocommit connection would add
    a PRAGMA on its way back to the pool and make SQLite prepare the query again each time (three times the
    cost of reading a case)."""
    from sqlalchemy import event
    from tests.conftest import sqlite_store
    store = sqlite_store(tmp_path / "r.db")
    traced = []
    event.listen(store.engine, "connect", lambda dbapi, _record: dbapi.set_trace_callback(traced.append))
    store.engine.dispose()
    for _ in range(2):
        traced.clear()
        assert store.get_task_with_instance("none") == (None, None)
        assert len(traced) == 1 and traced[0].startswith("SELECT"), traced


@pytest.mark.postgres
def test_postgresql_compresses_the_state_with_lz4_and_the_migration_goes_both_ways(pg_schema, clock):
    """Migration 0012: the state, rewritten by every step, is compressed with lz4 (cheaper than pglz for the
    server) on a server that has it; down and up again leave the column as each side says."""
    from alembic import command
    from sqlalchemy import text
    from engine.migrations import config
    from tests.conftest import pg_url_in
    store = pg_schema.store()
    service = make_service(store, clock)
    rec = step(service, service.start("hotline", {}, OP), "register", OP)
    column = text("SELECT attcompression FROM pg_attribute WHERE attrelid = 'instances'::regclass "
                  "AND attname = 'state'")
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
                                 "WHERE name = 'default_toast_compression'")).scalar()     # this server has it
        assert conn.execute(column).scalar() == "l"
        assert conn.execute(text("SELECT pg_column_compression(state) FROM instances WHERE id = :id"),
                            {"id": rec.id}).scalar() == "lz4"
    url = pg_url_in(pg_schema.name)
    command.downgrade(config(url), "0011_overdue_indexes")
    with store.engine.connect() as conn:
        assert conn.execute(column).scalar() == "p"
    command.upgrade(config(url), "head")
    with store.engine.connect() as conn:
        assert conn.execute(column).scalar() == "l"
