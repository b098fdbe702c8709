"""Two workers interleaved deterministically: worker B takes one piece of work and commits between worker
A's read of a due case (or a waiting message) and A's write; A then carries on with the rest. Every overdue ticket
still gets exactly one 效能监察建议书 task (and, once referred, one supervision case), on every store; on
PostgreSQL the two workers split the work instead of colliding."""
from __future__ import annotations

import datetime as dt
import threading
import time
from contextlib import contextmanager

import pytest

from engine.service import Service
from engine.sql.store import SqlStore
from tests.conftest import CHINA, make_service
from tests.test_workers import ticket_in_handling

OVERDUE = dt.datetime(2026, 12, 1, 10, 0, tzinfo=CHINA)       # past the reminder and the 11-30 deadline
TICKETS = 3


class Interleaved:
    """Worker A's store: right after A's first claim of `method` returns a row, worker B runs once."""

    def __init__(self, store, method: str, other_worker):
        self._store, self._method, self._other_worker = store, method, other_worker
        self.claimed = None

    def __getattr__(self, name):
        real = getattr(self._store, name)
        if name != self._method:
            return real

        @contextmanager
        def claim(*args, **kwargs):
            with real(*args, **kwargs) as row:
                if row is not None and self.claimed is None:
                    self.claimed = row.id            # A has read it; B now runs and commits
                    self._other_worker()
                yield row
        return claim


def second_store(store):
    """What another worker process would have: its own store object on the same database."""
    return SqlStore(store.engine) if isinstance(store, SqlStore) else store


def overdue_tickets(store, clock) -> tuple[Service, list[str]]:
    first = make_service(store, clock)
    ids = [ticket_in_handling(first) for _ in range(TICKETS)]
    clock.set(OVERDUE)
    return first, ids


def assert_one_supervision_per_ticket(service, ids, referred=False):
    for instance_id in ids:
        events = service.store.events(instance_id)
        fired = [n for e in events if e.type == "timers_fired" for n in e.data["fired"]]
        assert sorted(fired) == ["催办提醒", "超期"], (instance_id, fired)
        children = service.store.list_instances(parent_id=instance_id)
        assert [c.process_key for c in children] == (["petition_supervision"] if referred else []), instance_id
        notices = [t.bpmn_id for t in service.ready_tasks(instance_id)].count("efficiency_notice")
        notices += len([e for e in events if e.task == "efficiency_notice"])
        assert notices == 1, instance_id
    assert service.store.pending_messages() == []


def refer_all(service, ids):
    """效能办 issues its notice and the centre refers each ticket to supervision (the message waits)."""
    from tests.test_hotline import EFF, NOTICE, REVIEWER
    from tests.walk import do
    for instance_id in ids:
        do(service, instance_id, "efficiency_notice", EFF, NOTICE)
        do(service, instance_id, "overdue_supervise", REVIEWER, {"supervision_note": "移交督查",
                                                                  "refer_to_supervision": True})


def is_postgres(store) -> bool:
    return isinstance(store, SqlStore) and store.engine.dialect.name == "postgresql"


def test_a_timer_fired_by_another_worker_between_read_and_write_fires_once(store, clock):
    first, ids = overdue_tickets(store, clock)
    worker_b = Service(second_store(store), clock)
    fired_by_b = []
    a_store = Interleaved(store, "claim_due_instance", lambda: fired_by_b.extend(worker_b.fire_due_timers(limit=1)))
    fired_by_a = Service(a_store, clock).fire_due_timers()
    assert a_store.claimed in ids
    assert_one_supervision_per_ticket(first, ids)
    assert sorted(i for i, _ in fired_by_a + fired_by_b) == sorted(ids)      # each case reported once
    assert len(fired_by_b) == 1              # B took one case; A collided with it or not, and did the rest
    if is_postgres(store):                   # B skipped the case A held: no collision, the work was split
        assert a_store.claimed in [i for i, _ in fired_by_a] and fired_by_b[0][0] != a_store.claimed
    else:                                    # no row locks: B fired the very case A had read
        assert fired_by_b[0][0] == a_store.claimed not in [i for i, _ in fired_by_a]


def test_a_message_delivered_by_another_worker_between_read_and_write_starts_one_case(store, clock):
    first, ids = overdue_tickets(store, clock)
    first.deliver_messages = lambda limit=50: 0             # fire now, leave the messages waiting
    assert sorted(i for i, _ in first.fire_due_timers()) == sorted(ids)
    refer_all(first, ids)
    assert len(store.pending_messages()) == TICKETS
    worker_b = Service(second_store(store), clock)
    delivered_by_b = []
    a_store = Interleaved(store, "claim_message", lambda: delivered_by_b.append(worker_b.deliver_messages(limit=1)))
    delivered_by_a = Service(a_store, clock).deliver_messages()
    assert a_store.claimed is not None
    assert_one_supervision_per_ticket(first, ids, referred=True)
    assert (delivered_by_a, delivered_by_b) == (TICKETS - 1, [1])    # A collided or was skipped, then went on


@pytest.mark.postgres
def test_a_claimed_case_is_skipped_not_waited_for(pg_schema, clock):
    store = pg_schema.store()
    first, ids = overdue_tickets(store, clock)
    other = SqlStore(pg_schema.engine)
    with store.claim_due_instance(clock.now()) as held:
        with other.claim_due_instance(clock.now()) as second:
            assert held.id in ids and second.id in ids and second.id != held.id
        with other.claim_due_instance(clock.now(), skip={second.id}) as third:
            assert third.id not in (held.id, second.id)
    with other.claim_due_instance(clock.now()) as again:                    # released with the claim
        assert again.id in ids


# what a step writes for its case (events, tasks, notices, figures), and another writer moving its lock version
WRITTEN = ("SELECT (SELECT count(*) FROM events WHERE instance_id = :id), (SELECT count(*) FROM tasks WHERE "
           "instance_id = :id), (SELECT count(*) FROM notifications WHERE instance_id = :id), (SELECT channel FROM "
           "case_facts WHERE instance_id = :id)")
MOVE_LOCK = "UPDATE instances SET lock_version = lock_version + 1 WHERE id = :id"


def _ticket_at_register(pg_schema, clock):
    """A new hotline ticket on PostgreSQL: (service, case, its register task, what is written for it so far)."""
    from sqlalchemy import text
    from tests.bench import OP
    service = make_service(pg_schema.store(), clock)
    rec = service.start("hotline", {}, OP)
    task = next(t for t in service.ready_tasks(rec.id) if t.bpmn_id == "register")
    with pg_schema.engine.connect() as conn:
        written = conn.execute(text(WRITTEN), {"id": rec.id}).one()
    return service, rec, task, written


@pytest.mark.postgres
def test_a_step_that_waits_for_another_writer_of_its_case_and_loses_writes_nothing(pg_schema, clock):
    """On PostgreSQL a step sends its locked update and its writes in one pipeline before it learns the update's
    row count. Here the update waits for another transaction that holds the case and moves its lock version
    without adding an event (so no key of the step's rows collides): the step is a Conflict and leaves nothing
    behind, not an event, a task, a figure or a notice."""
    from sqlalchemy import text
    from engine.store import Conflict
    from tests.bench import OP, STEPS
    service, rec, task, before = _ticket_at_register(pg_schema, clock)
    outcome = []

    def complete():
        try:
            outcome.append(service.complete(task.task_id, STEPS[0][2], OP))
        except Exception as exc:      # noqa: BLE001 - the assertion below names it
            outcome.append(exc)
    with pg_schema.engine.connect() as other:
        other.execute(text(MOVE_LOCK), {"id": rec.id})
        worker = threading.Thread(target=complete)
        worker.start()
        waited = time.monotonic() + 10
        while time.monotonic() < waited and not other.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )).scalar():
            time.sleep(0.02)
        assert worker.is_alive()             # the step's update is waiting for the row
        other.commit()
    worker.join(10)
    assert len(outcome) == 1 and isinstance(outcome[0], Conflict), outcome
    with pg_schema.engine.connect() as conn:
        assert conn.execute(text(WRITTEN), {"id": rec.id}).one() == before
    assert service.store.get_instance(rec.id).lock_version == rec.lock_version + 1     # the other writer's


@pytest.mark.postgres
@pytest.mark.parametrize("run", range(3))
def test_a_step_whose_case_moved_after_its_read_is_a_conflict_whenever_the_server_says_so(pg_schema, clock, run):
    """As above without the wait: the case moves on between the step's read and its writes, so the server
    refuses the locked update at once. Repeated: the server's answer may come back while the client is still
    sending the rest of the pipeline. Always a Conflict (409), nothing written."""
    from sqlalchemy import text
    from engine.store import Conflict
    from tests.bench import OP, STEPS
    service, rec, task, before = _ticket_at_register(pg_schema, clock)
    read = service.store.get_task_with_instance

    def read_then_move(task_id):
        found = read(task_id)
        with pg_schema.engine.begin() as other:
            other.execute(text(MOVE_LOCK), {"id": rec.id})
        return found
    service.store.get_task_with_instance = read_then_move
    with pytest.raises(Conflict):
        service.complete(task.task_id, STEPS[0][2], OP)
    with pg_schema.engine.connect() as conn:
        assert conn.execute(text(WRITTEN), {"id": rec.id}).one() == before
