"""One contract, three stores: memory, SQLite and PostgreSQL behave the same."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import text

from engine import history
from engine.store import Conflict, Deployment, InstanceRecord, Message, NotFound, TaskRow, User

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


def test_records_handed_in_or_out_share_nothing_with_the_store(store):
    """What a caller does with a record after writing it, or with what it read, never changes the store."""
    rec = record("i1", data={"case_no": "H1", "caller": {"name": "张三"}})
    e = event(rec)
    rec.last_seq, rec.last_hash = e.seq, e.hash
    row = task("t1", ["operators"])
    message = Message("m1", rec.id, "petition_case", {"units": ["住建局"]}, T0)
    store.add_instance(rec, [row], [e], messages=[message])
    rec.data["caller"]["name"] = "李四"
    row.groups.append("admins")
    e.data["a"] = 2
    message.payload["units"].append("人社局")
    read = store.get_instance("i1")
    read.data["caller"]["name"] = "王五"
    store.events("i1")[0].data["a"] = 3
    store.events_of_type("i1", "started")[0].data["a"] = 4
    store.list_instances()[0].data["caller"]["name"] = "赵六"
    store.instance_tasks("i1")[0].groups.append("x")
    store.ready_tasks({"operators"})[0].groups.append("y")
    store.get_task("t1").groups.append("z")
    store.pending_messages()[0].payload["units"].append("民政局")
    assert store.get_instance("i1").data == {"case_no": "H1", "caller": {"name": "张三"}}
    assert [ev.data for ev in store.events("i1")] == [{"a": 1}]
    assert store.get_task("t1").groups == ["operators"] and store.instance_tasks("i1")[0].groups == ["operators"]
    assert [m.payload for m in store.pending_messages()] == [{"units": ["住建局"]}]


def test_a_conflict_names_the_case_or_message_and_not_found_the_case(store):
    rec = started(store)
    with pytest.raises(Conflict, match="^i1$"):
        store.add_instance(record("i1"), [], [event(record("i1"))])
    stale = store.get_instance(rec.id)
    store.save_instance(store.get_instance(rec.id), [], [])
    with pytest.raises(Conflict, match="^i1$"):
        store.save_instance(stale, [], [])
    again = store.get_instance(rec.id)
    with pytest.raises(Conflict, match="^i1$"):            # the last event's seq again
        store.save_instance(again, [], [history.new_event(rec.id, 0, "", T0, "claimed", "op1")])
    with pytest.raises(Conflict, match="^message m-none$"):
        store.save_instance(store.get_instance(rec.id), [], [], consumed="m-none")
    with pytest.raises(NotFound, match="^nope$"):
        store.get_instance("nope")


def test_the_record_written_first_is_at_version_one_and_saves_as_it_is(store):
    rec = record("i1")
    e = event(rec)
    rec.last_seq, rec.last_hash = e.seq, e.hash
    store.add_instance(rec, [task("t1", ["operators"])], [e])
    assert rec.lock_version == 1
    rec.data = {"case_no": "H1", "step": 2}
    store.save_instance(rec, [], [])                       # the caller's own record, not one read back
    assert (rec.lock_version, store.get_instance("i1").data["step"]) == (2, 2)


def test_a_message_is_consumed_once_with_its_effect(store):
    rec = started(store)
    store.save_instance(store.get_instance(rec.id), [], [],
                        messages=[Message("m1", rec.id, "petition_case", {}, T0)])
    assert [m.id for m in store.pending_messages()] == ["m1"]
    child = record("c1", parent_id=rec.id)
    ce = event(child)
    child.last_seq, child.last_hash = ce.seq, ce.hash
    store.add_instance(child, [], [ce], consumed="m1")
    assert store.pending_messages() == []
    other = record("c2", parent_id=rec.id)
    with pytest.raises(Conflict, match="^message m1$"):
        store.add_instance(other, [], [event(other)], consumed="m1")
    with pytest.raises(NotFound):
        store.get_instance("c2")


def test_lists_are_ordered_filtered_and_capped_by_default(store):
    later = [T0 + dt.timedelta(minutes=i) for i in range(205)]
    for i in sorted(range(205), key=lambda i: (i * 37) % 205):       # written out of every order asked for
        at = later[i]
        rec = record(f"i{i:03d}", created_at=at, next_timer_at=T0 - dt.timedelta(minutes=300 - i))
        e = event(rec)
        rec.last_seq, rec.last_hash = e.seq, e.hash
        store.add_instance(rec, [task(f"t{i:03d}", ["operators" if i % 2 else "dept:住建局"], rec.id)], [e],
                           messages=[Message(f"m{i:03d}", rec.id, "x", {}, at)])
    newest = store.list_instances()
    assert len(newest) == 200 and newest[0].id == "i204" and newest[-1].id == "i005"
    assert [r.id for r in store.list_instances(ids=["i001", "i002", "i003"], visible_to={"operators"})] \
        == ["i003", "i001"]
    assert [r.id for r in store.list_instances(ids=["i002", "i001"])] == ["i002", "i001"]
    assert store.due_instances(T0)[:2] == ["i000", "i001"] and len(store.due_instances(T0)) == 100
    assert [m.id for m in store.pending_messages()][:2] == ["m000", "m001"] and len(store.pending_messages()) == 100
    assert store.instance_tasks("i001")[0].status == "ready"
    other = record("p1", process_key="petition_case", created_at=T0 - dt.timedelta(days=1))
    store.add_instance(other, [], [event(other)])
    assert [r.id for r in store.list_instances(process_key="petition_case")] == ["p1"]
    assert len(store.list_instances(process_key="hotline", limit=500)) == 205
    assert store.get_task("nope") is None
    assert store.ping() is None


def test_comments_are_paged_by_type_newest_first(store):
    rec = started(store)
    events_ = []
    seq, prev = rec.last_seq, rec.last_hash
    for i in range(70):
        e = history.new_event(rec.id, seq, prev, T0, "comment" if i % 5 else "claimed", "op1", data={"i": i})
        seq, prev = e.seq, e.hash
        events_.append(e)
    store.save_instance(rec, [], events_)
    comments = store.events_of_type(rec.id, "comment")             # a page of 50 by default
    assert len(comments) == 50 and comments[0].data == {"i": 69} and comments[-1].data == {"i": 8}
    assert len(store.events_of_type(rec.id, "comment", limit=100)) == 56
    assert [e.data["i"] for e in store.events_of_type(rec.id, "comment", before=5, limit=5)] == [2, 1]
    assert [e.data["i"] for e in store.events_of_type(rec.id, "claimed", before=13)] == [10, 5, 0]
    assert store.events_of_type("nope", "comment") == [] and store.events("nope") == []
    assert [e.seq for e in store.events(rec.id)] == list(range(1, 72))


def test_tasks_without_a_deadline_come_in_arrival_order_after_those_with_one(store):
    rec = started(store, "i1", ["dept:住建局"])
    rows = [task("t-b", ["dept:住建局"]), task("t-a", ["dept:住建局"]), task("t-due", ["dept:住建局"],
                                                                          due=T0 + dt.timedelta(days=3))]
    rows[0].created_at, rows[1].created_at = T0 + dt.timedelta(hours=2), T0 + dt.timedelta(hours=1)
    store.save_instance(rec, rows, [])
    order = ["t-due", "t-a", "t-b"]
    assert [t.task_id for t in store.ready_tasks({"dept:住建局"})] == order
    assert [t.task_id for t in store.instance_tasks(rec.id, ready_only=True)] == order
    assert [t.task_id for t in store.instance_tasks(rec.id)][:3] != [] and \
        {t.status for t in store.instance_tasks(rec.id)} == {"ready", "closed"}


def test_running_cases_and_their_ready_tasks_per_version(store):
    kinds = [(1, "running"), (1, "running"), (2, "running"), (1, "completed"), (2, "running")]
    for i in (4, 2, 0, 3, 1):
        version, status = kinds[i]
        rec = record(f"i{i}", version=version, status=status, created_at=T0 + dt.timedelta(minutes=i),
                     title=f"H{i}")
        e = event(rec)
        rec.last_seq, rec.last_hash = e.seq, e.hash
        rows = [task(f"t{i}", ["operators"], rec.id)] + ([task(f"u{i}", ["operators"], rec.id)] if i == 0 else [])
        if i == 0:
            rows[1].bpmn_id = "dispatch"
        store.add_instance(rec, rows if status == "running" and i != 4 else [], [e])     # i4 waits for a timer
    other = record("x1", process_key="petition_case")
    store.add_instance(other, [task("tx", ["operators"], "x1")], [event(other)])
    assert store.running_summary("hotline") == {1: {"cases": 2, "tasks": {"register": 2, "dispatch": 1}},
                                                2: {"cases": 2, "tasks": {"register": 1}}}
    assert store.running_summary("nothing") == {}
    cases = store.running_cases("hotline", limit=10)
    assert [(c["id"], c["version"], c["title"], c["created_at"], c["tasks"]) for c in cases] == [
        ("i0", 1, "H0", T0, ["dispatch", "register"]), ("i1", 1, "H1", T0 + dt.timedelta(minutes=1), ["register"]),
        ("i2", 2, "H2", T0 + dt.timedelta(minutes=2), ["register"]), ("i4", 2, "H4", T0 + dt.timedelta(minutes=4), [])]
    assert [c["id"] for c in store.running_cases("hotline", version=1, limit=10)] == ["i0", "i1"]
    assert [c["id"] for c in store.running_cases("hotline", limit=1)] == ["i0"]


def test_a_case_moved_to_another_version_keeps_its_chain_and_lock(store):
    rec = started(store)
    moved = store.get_instance(rec.id)
    moved.version, moved.bundle_hash = 2, "b" * 64
    e = history.new_event(rec.id, moved.last_seq, moved.last_hash, T0, "migrated", "admin1", data={"to": 2})
    moved.last_seq, moved.last_hash = e.seq, e.hash
    store.repin_instance(moved, [task("t-new", ["operators"])], [e])
    kept = store.get_instance(rec.id)
    assert (kept.version, kept.bundle_hash, kept.lock_version, moved.lock_version) == (2, "b" * 64, 2, 2)
    assert [t.task_id for t in store.instance_tasks(rec.id, ready_only=True)] == ["t-new"]
    assert store.get_task("t-i1").status == "closed"
    assert history.verify_chain(store.events(rec.id)) == (True, None)
    stale = store.get_instance(rec.id)
    stale.lock_version = 1
    with pytest.raises(Conflict, match="^i1$"):
        store.repin_instance(stale, [], [])
    with pytest.raises(Conflict):
        store.repin_instance(record("nope"), [], [])
    current = store.get_instance(rec.id)
    taken = history.new_event(rec.id, 1, "", T0, "migrated", "admin1")                 # seq 2 is taken
    with pytest.raises(Conflict, match="^i1$"):
        store.repin_instance(current, [], [taken])
    assert store.get_instance(rec.id).lock_version == 2 and len(store.events(rec.id)) == 2


def test_a_step_that_names_the_task_it_closed_closes_that_one_and_keeps_the_others(store):
    rec = started(store, "i1", ["operators"])
    store.save_instance(rec, [task("t-a", ["dept:住建局"]), task("t-b", ["dept:人社局"])], [])
    done, later = store.get_task("t-a"), task("t-c", ["reviewers"])
    later.created_at = T0 + dt.timedelta(hours=1)
    store.save_instance(rec, [task("t-b", ["dept:人社局"]), later], [], closed=[done])
    assert store.get_task("t-a").status == "closed" and store.ready_tasks({"dept:住建局"}) == []
    assert [t.task_id for t in store.ready_tasks({"dept:人社局", "reviewers"})] == ["t-b", "t-c"]
    assert [t.task_id for t in store.instance_tasks(rec.id, ready_only=True)] == ["t-b", "t-c"]
    assert store.instance_groups(rec.id) >= {"dept:住建局", "dept:人社局", "reviewers"}


def test_claims_hand_out_the_oldest_due_case_and_waiting_message(store):
    for i, minutes in enumerate([30, 10, 20]):
        rec = record(f"i{i}", next_timer_at=T0 + dt.timedelta(minutes=minutes))
        e = event(rec)
        rec.last_seq, rec.last_hash = e.seq, e.hash
        store.add_instance(rec, [], [e], messages=[Message(f"m{i}", rec.id, "x", {"n": i}, T0 + dt.timedelta(minutes=minutes))])
    now = T0 + dt.timedelta(minutes=25)
    with store.claim_due_instance(now) as due:
        assert isinstance(due, InstanceRecord) and due.id == "i1"
    with store.claim_due_instance(now, skip=["i1"]) as due:
        assert due.id == "i2"
    with store.claim_due_instance(now, skip=["i1", "i2"]) as due:
        assert due is None
    with store.claim_message() as message:
        assert isinstance(message, Message) and (message.id, message.payload) == ("m1", {"n": 1})


def test_case_lists_filter_by_parent_and_status_and_groups_belong_to_their_case(store):
    started(store, "p1", ["operators"])
    for cid, status in (("c1", "running"), ("c2", "completed")):
        child = record(cid, parent_id="p1", status=status)
        store.add_instance(child, [task(f"t-{cid}", [f"dept:{cid}"], cid)], [event(child)])
    store.add_instance(record("x1"), [task("t-x1", ["reviewers"], "x1")], [event(record("x1"))])
    assert {r.id for r in store.list_instances(parent_id="p1")} == {"c1", "c2"}
    assert [r.id for r in store.list_instances(parent_id="p1", status="completed")] == ["c2"]
    assert {r.id for r in store.list_instances(status="running")} == {"p1", "c1", "x1"}
    assert store.instance_groups("c1") == {"dept:c1"} and store.instance_groups("p1") == {"operators"}


def test_a_task_read_with_its_case_has_its_current_groups(store):
    rec = started(store, "i1", ["operators"])
    store.save_instance(rec, [task("t-i1", ["operators", "reviewers"]), task("t-none", [])], [])
    store.save_instance(rec, [task("t-i1", ["reviewers"]), task("t-none", [])], [])      # handed over
    row, _ = store.get_task_with_instance("t-i1")
    assert row.groups == ["reviewers"] and store.get_task("t-i1").groups == ["reviewers"]
    assert store.get_task_with_instance("t-none")[0].groups == [] and store.get_task("t-none").groups == []
    store.save_instance(rec, [task("t-next", ["dept:住建局"])], [])       # closes both
    closed, _ = store.get_task_with_instance("t-i1")
    assert closed.status == "closed" and "reviewers" in closed.groups      # (SQL: every group it ever had)
    assert store.get_task_with_instance("t-none")[0].groups == [] and store.get_task("t-none").groups == []


def test_a_case_older_than_the_figures_table_has_its_row_rebuilt_from_its_log(tmp_path, pg_schema):
    """A case whose figures row is missing (written before the table existed) gets it folded from its whole
    log at its next step, also when the step read the task with its case first."""
    from engine.sql.tables import case_facts
    from tests.conftest import sqlite_store
    for store in (sqlite_store(tmp_path / "f.db"), pg_schema.store()):
        rec = started(store)
        with store.engine.begin() as conn:
            conn.execute(case_facts.delete())
        store.get_task_with_instance("t-i1")
        mine = store.get_instance(rec.id)
        e = history.new_event(rec.id, mine.last_seq, mine.last_hash, T0, "task_completed", "op1", task="dispatch",
                              task_id="t-i1", result={"status": "running"})
        mine.last_seq, mine.last_hash = e.seq, e.hash
        store.save_instance(mine, [], [e])
        fact = store.fact(rec.id)
        assert (fact["process_key"], fact["dispatched"], fact["started_on"]) == ("hotline", 1, T0.date())


def test_the_notices_of_a_step_are_written_with_it(store):
    rec = record("i1")
    e = event(rec)
    rec.last_seq, rec.last_hash = e.seq, e.hash
    row = task("t1", ["operators"])
    first = {"recipient": "operators", "kind": "new_task", "instance_id": "i1", "task_id": "t1", "text": "H1：登记",
             "at": T0}
    store.add_instance(rec, [row], [e], notices=[first])
    second = {**first, "recipient": "dept:住建局", "task_id": "t2", "at": T0 + dt.timedelta(hours=1)}
    store.save_instance(rec, [task("t2", ["dept:住建局"])], [], notices=[second])
    assert [(n["recipient"], n["task_id"], n["text"]) for n in store.notifications({"operators", "dept:住建局"})] == [
        ("dept:住建局", "t2", "H1：登记"), ("operators", "t1", "H1：登记")]


def test_a_waiting_case_takes_its_message_with_the_step_it_causes(store):
    rec = started(store)
    sender = record("s1")
    store.add_instance(sender, [], [event(sender)], messages=[Message("m1", "s1", "reply", {"ok": True}, T0)])
    mine = store.get_instance(rec.id)
    e = history.new_event(rec.id, mine.last_seq, mine.last_hash, T0, "message_received", "system")
    mine.last_seq, mine.last_hash, mine.data = e.seq, e.hash, {"case_no": "H1", "reply": True}
    store.save_instance(mine, [task("t-next", ["reviewers"])], [e], consumed="m1")
    assert store.pending_messages() == [] and store.get_instance(rec.id).data["reply"] is True
    assert [t.task_id for t in store.instance_tasks(rec.id, ready_only=True)] == ["t-next"]
    again = store.get_instance(rec.id)
    with pytest.raises(Conflict, match="^message m1$"):
        store.save_instance(again, [], [], consumed="m1")
