"""Auditors can trust the record: a changed event breaks the hash chain, and replay finds the step."""
from __future__ import annotations

from engine.access import Actor
from engine import history
from tests.test_workers import ticket_in_handling

AUDITOR = Actor.of("audit1", ["auditors"])


def test_untouched_history_verifies_and_replays(service):
    instance_id = ticket_in_handling(service)
    events, chain_ok = service.history(instance_id, AUDITOR)
    assert chain_ok and [e.type for e in events] == ["started"] + ["task_completed"] * 3
    assert service.replay(instance_id, AUDITOR) == (True, None)


def test_edited_event_breaks_the_chain_and_replay_points_at_it(service):
    instance_id = ticket_in_handling(service)
    log = service.store._events[instance_id]            # tamper behind the store's back
    log[2].data = {**log[2].data, "lead_unit": "人社局"}  # the dispatch: someone rewrites the department
    assert history.verify_chain(log) == (False, 3)
    assert service.history(instance_id, AUDITOR)[1] is False
    assert service.replay(instance_id, AUDITOR) == (False, 3)


def test_removed_event_breaks_the_chain(service):
    instance_id = ticket_in_handling(service)
    del service.store._events[instance_id][1]
    assert history.verify_chain(service.store._events[instance_id]) == (False, 3)


def test_forged_event_with_recomputed_hash_breaks_the_link_to_the_next(service):
    instance_id = ticket_in_handling(service)
    log = service.store._events[instance_id]
    forged = log[2]                                       # the dispatch, rewritten by someone who knows the
    forged.data = {**forged.data, "lead_unit": "人社局"}   # hashing rule: its own hash checks out again
    forged.hash = history.event_hash(forged)
    assert history.event_hash(forged) == forged.hash
    assert history.verify_chain(log) == (False, 4)        # the next event still names the original hash
    assert service.history(instance_id, AUDITOR)[1] is False


def test_forged_first_event_is_caught_by_the_genesis_link(service):
    instance_id = ticket_in_handling(service)
    log = service.store._events[instance_id]
    log[0].prev_hash = "0" * 64                           # a chain that claims to continue another one
    log[0].hash = history.event_hash(log[0])
    assert history.verify_chain(log) == (False, 1)


def test_an_auditor_can_recompute_every_hash_with_the_published_rule(service):
    """The rule, outside the code: SHA-256 of the event as compact JSON with sorted keys and UTF-8 text,
    the time in UTC with microseconds, chained by the previous event's hash ("" for the first)."""
    import datetime as dt
    import hashlib
    import json
    events = service.store.events(ticket_in_handling(service))
    previous = ""
    for e in events:
        body = {"instance_id": e.instance_id, "seq": e.seq, "type": e.type, "actor": e.actor, "task": e.task,
                "task_id": e.task_id, "data": e.data, "result": e.result, "prev_hash": previous,
                "at": e.at.astimezone(dt.timezone.utc).isoformat(timespec="microseconds")}
        text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        assert hashlib.sha256(text.encode()).hexdigest() == e.hash, e.seq
        previous = e.hash


def test_key_order_does_not_change_a_hash():
    import datetime as dt
    at = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)
    one = history.new_event("i", 0, "", at, "started", "op1", data={"a": 1, "b": {"x": 1, "y": 2}})
    two = history.new_event("i", 0, "", at, "started", "op1", data={"b": {"y": 2, "x": 1}, "a": 1})
    assert one.hash == two.hash and one.data == {"a": 1, "b": {"x": 1, "y": 2}}


def test_a_hash_does_not_depend_on_the_server_time_zone(monkeypatch):
    """Two nodes in different zones compute the same hash: the time is hashed in UTC."""
    import datetime as dt
    import time
    at = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    utc_hash = history.new_event("i", 0, "", at, "started", "op1").hash
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        assert history.new_event("i", 0, "", at, "started", "op1").hash == utc_hash
    finally:
        monkeypatch.undo()
        time.tzset()


def test_values_json_cannot_hold_are_stored_as_text():
    """A date in the data is written and hashed as its ISO text, the form a reader gets back."""
    import datetime as dt
    at = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)
    e = history.new_event("i", 0, "", at, "started", "op1", data={"due": dt.date(2026, 12, 1)},
                          result={"at": at})
    assert e.data == {"due": "2026-12-01"} and e.result == {"at": "2026-11-23 09:00:00+00:00"}
    assert history.verify_chain([e]) == (True, None)


def test_an_event_keeps_the_task_it_records_and_hashes_it():
    import dataclasses
    import datetime as dt
    at = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)
    e = history.new_event("i", 3, "prev", at, "task_completed", "op1", task="handle", task_id="t-1")
    assert (e.seq, e.prev_hash, e.task, e.task_id) == (4, "prev", "handle", "t-1")
    assert history.event_hash(dataclasses.replace(e, task_id="t-2")) != e.hash
