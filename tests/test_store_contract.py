"""One contract, three stores: memory, SQLite and PostgreSQL behave the same."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import text

from engine import history
from engine.store import Conflict, Deployment, InstanceRecord, NotFound, TaskRow, User

T0 = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.timezone.utc)


def record(instance_id="i1", **kw) -> InstanceRecord:
    base = dict(id=instance_id, process_key="hotline", version=1, bundle_hash="h" * 64, status="running",
                state="{}", data={"case_no": "H1"}, title="H1", created_at=T0, updated_at=T0)
    return InstanceRecord(**{**base, **kw})


def task(task_id, groups, instance_id="i1", due=None) -> TaskRow:
    return TaskRow(task_id, instance_id, "hotline", "register", "登记", "话务员", groups, "H1", due, "ready", T0)


def event(rec, seq_base=0, prev="", type_="started") -> history.Event:
    return history.new_event(rec.id, seq_base, prev, T0, type_, "op1", data={"a": 1}, result={"status": "running"})


def started(store, instance_id="i1", groups=("operators",)):
    rec = record(instance_id)
    e = event(rec)
    rec.last_seq, rec.last_hash = e.seq, e.hash
    store.add_instance(rec, [task(f"t-{instance_id}", list(groups), instance_id)], [e])
    return store.get_instance(instance_id)


def test_instance_round_trip(store):
    rec = started(store)
    assert (rec.lock_version, rec.data, rec.created_at) == (1, {"case_no": "H1"}, T0)
    assert rec.created_at.tzinfo is not None
    with pytest.raises(NotFound):
        store.get_instance("nope")


def test_stale_write_is_a_conflict_not_an_overwrite(store):
    rec = started(store)
    first, second = store.get_instance(rec.id), store.get_instance(rec.id)
    first.data = {"who": "first"}
    store.save_instance(first, [], [])
    second.data = {"who": "second"}
    with pytest.raises(Conflict):
        store.save_instance(second, [], [])
    assert store.get_instance(rec.id).data == {"who": "first"}
    assert store.get_instance(rec.id).lock_version == 2


def test_a_write_refused_by_the_database_after_the_lock_check_is_a_conflict_and_leaves_nothing(store):
    """An event seq already taken fails at the end of the step's writes (PostgreSQL: its pipeline): nothing
    of the step is kept, not even the case row written first."""
    rec = started(store)
    seqs = [e.seq for e in store.events(rec.id)]
    again = store.get_instance(rec.id)
    again.data = {"who": "again"}
    with pytest.raises(Conflict):
        store.save_instance(again, [task("t-new", ["operators"], rec.id)], [event(rec)])   # the first seq again
    kept = store.get_instance(rec.id)
    assert (kept.data, kept.lock_version) == ({"case_no": "H1"}, 1)
    assert [t.task_id for t in store.instance_tasks(rec.id)] == ["t-i1"]
    assert [e.seq for e in store.events(rec.id)] == seqs


def test_ready_tasks_by_group_and_closing(store):
    rec = started(store)
    assert [t.task_id for t in store.ready_tasks({"operators"})] == ["t-i1"]
    assert store.ready_tasks({"dept:住建局"}) == []
    due = T0 + dt.timedelta(days=5)
    store.save_instance(rec, [task("t2", ["dept:住建局"], due=due)], [])
    assert store.ready_tasks({"operators"}) == []
    assert store.get_task("t-i1").status == "closed"
    mine = store.ready_tasks({"dept:住建局", "x"})
    assert [(t.task_id, t.due_at, t.groups) for t in mine] == [("t2", due, ["dept:住建局"])]
    assert store.ready_tasks({"dept:人社局"}) == []
    assert store.instance_groups(rec.id) == {"operators", "dept:住建局"}
    assert [t.task_id for t in store.instance_tasks(rec.id, ready_only=True)] == ["t2"]


def test_task_keeps_its_arrival_time_across_saves(store):
    rec = started(store)
    later = task("t-i1", ["operators"])
    later.created_at = T0 + dt.timedelta(hours=3)
    store.save_instance(rec, [later], [])
    assert store.get_task("t-i1").created_at == T0


def test_visible_instances_follow_task_groups(store):
    started(store, "i1", ["operators"])
    started(store, "i2", ["dept:人社局"])
    assert {r.id for r in store.list_instances(visible_to={"dept:人社局"})} == {"i2"}
    assert {r.id for r in store.list_instances()} == {"i1", "i2"}
    assert store.list_instances(status="completed") == []


def test_events_chain_and_order(store):
    rec = started(store)
    e2 = history.new_event(rec.id, rec.last_seq, rec.last_hash, T0, "task_completed", "op1", task="register")
    store.save_instance(rec, [], [e2])
    events = store.events(rec.id)
    assert [e.seq for e in events] == [1, 2]
    assert history.verify_chain(events) == (True, None)


def test_duplicate_event_seq_is_a_conflict(store):
    rec = started(store)
    clash = history.new_event(rec.id, 0, "", T0, "task_completed", "op1")
    with pytest.raises(Conflict):
        store.save_instance(rec, [], [clash])
    assert store.get_instance(rec.id).lock_version == 1


def test_due_instances(store):
    rec = started(store)
    rec.next_timer_at = T0 + dt.timedelta(hours=1)
    store.save_instance(rec, [], [])
    assert store.due_instances(T0) == [] and store.due_instances(rec.next_timer_at) == []   # due means passed
    assert store.due_instances(T0 + dt.timedelta(hours=2)) == [rec.id]


def test_bundles_and_deployments(store):
    store.put_bundle("a" * 64, "hotline", {"hotline.bpmn": "<x/>"})
    store.put_bundle("a" * 64, "hotline", {"hotline.bpmn": "<x/>"})
    first = store.add_deployment(Deployment("hotline", 0, "a" * 64, "热线", T0, "cli"))
    store.put_bundle("b" * 64, "hotline", {"hotline.bpmn": "<y/>"})
    second = store.add_deployment(Deployment("hotline", 0, "b" * 64, "热线", T0, "cli"))
    assert (first.version, second.version) == (1, 2)
    assert [d.version for d in store.deployments("hotline")] == [1, 2]
    assert store.get_bundle_files("a" * 64) == {"hotline.bpmn": "<x/>"}
    with pytest.raises(NotFound):
        store.get_bundle_files("c" * 64)


def test_users_tokens_calendar(store):
    store.add_user(User("op1", "hash", ["operators"], "话务员"))
    assert store.get_user("op1").groups == ["operators"]
    assert store.get_user("nobody") is None
    store.add_token("t" * 64, "op1")
    assert store.user_for_token("t" * 64).name == "op1"
    assert store.user_for_token("u" * 64) is None
    store.set_calendar_days({dt.date(2027, 1, 1): "holiday", dt.date(2027, 2, 7): "workday"})
    store.set_calendar_days({dt.date(2027, 2, 7): None})
    assert store.calendar_days() == [(dt.date(2027, 1, 1), "holiday")]
    store.add_calendar_year(2027, "notice")
    assert 2027 in store.calendar_years()


def test_two_writers_at_once_exactly_one_wins(store):
    rec = started(store)
    barrier, outcomes = threading.Barrier(2), []

    def write(name):
        mine = store.get_instance(rec.id)
        mine.data = {"who": name}
        e = history.new_event(rec.id, mine.last_seq, mine.last_hash, T0, "task_completed", name)
        mine.last_seq, mine.last_hash = e.seq, e.hash
        barrier.wait()
        try:
            store.save_instance(mine, [], [e])
            outcomes.append("won")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=write, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "won"]
    assert len(store.events(rec.id)) == 2


def test_sql_events_are_append_only(tmp_path, pg_schema):
    from tests.conftest import sqlite_store
    for store in (sqlite_store(tmp_path / "a.db"), pg_schema.store()):
        started(store)
        for statement in ("UPDATE events SET actor = 'mallory'", "DELETE FROM events"):
            with pytest.raises(Exception, match="append-only"):
                with store.engine.begin() as conn:
                    conn.execute(text(statement))
        assert store.events("i1")[0].actor == "op1"


def test_task_with_its_instance_in_one_read(store):
    rec = started(store)
    row, inst = store.get_task_with_instance("t-i1")
    assert (row.groups, row.status, inst.id, inst.lock_version, inst.data) == (["operators"], "ready", rec.id, 1,
                                                                                 {"case_no": "H1"})
    assert store.get_task_with_instance("nope") == (None, None)


def test_lockout_fields_tokens_with_expiry_and_shared_counters(store):
    store.add_user(User("op1", "hash", ["operators"], "话务员"))
    assert [store.add_to_user("op1", "failed_logins") for _ in range(3)] == [1, 2, 3]
    at = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.timezone.utc)
    store.update_user("op1", locked_at=at, failed_logins=0)
    user = store.get_user("op1")
    assert (user.locked_at, user.failed_logins, user.session_gen) == (at, 0, 0)
    assert store.add_to_user("op1", "session_gen") == 1
    store.add_token("t" * 64, "op1", "tid1", at, at + dt.timedelta(days=1))
    store.add_token("s" * 64, "op1", "tid2", at + dt.timedelta(hours=1), None)
    token = store.token_for_hash("t" * 64)
    assert (token.token_id, token.user_name, token.expires_at) == ("tid1", "op1", at + dt.timedelta(days=1))
    assert [t.token_id for t in store.tokens_of("op1")] == ["tid1", "tid2"]
    found, owner = store.token_with_user("t" * 64)
    assert (found, owner.name, owner.locked_at) == (token, "op1", at) and store.token_with_user("x" * 64) is None
    assert store.delete_token("tid1") and not store.delete_token("tid1")
    assert store.token_for_hash("t" * 64) is None and [t.token_id for t in store.tokens_of("op1")] == ["tid2"]
    assert [store.hit_counter("k", 7) for _ in range(3)] == [1, 2, 3]
    assert store.hit_counter("k", 7, 10) == 13 and store.counter("k", 7) == 13 and store.counter("k", 8) == 0
    store.prune_counters(8)
    assert store.counter("k", 7) == 0


def test_a_step_folds_the_fact_row_as_stored_when_another_step_came_between(store):
    """The fact row read with a task serves the save of that same version only: after another thread's
    step, a save folds the row that step left (a dispatch counted once, not lost)."""
    rec = started(store)
    store.get_task_with_instance("t-i1")             # this thread reads the case at version 1, with its fact row

    def dispatch():
        other = store.get_instance(rec.id)
        e = history.new_event(rec.id, other.last_seq, other.last_hash, T0, "task_completed", "op1", task="dispatch",
                              task_id="t-i1", result={"status": "running"})
        other.last_seq, other.last_hash = e.seq, e.hash
        store.save_instance(other, [], [e])

    thread = threading.Thread(target=dispatch)
    thread.start()
    thread.join()
    mine = store.get_instance(rec.id)
    e = history.new_event(rec.id, mine.last_seq, mine.last_hash, T0, "claimed", "op1", result={"status": "running"})
    mine.last_seq, mine.last_hash = e.seq, e.hash
    store.save_instance(mine, [], [e])
    assert (store.fact(rec.id)["dispatched"], mine.lock_version) == (1, 3)
