"""Several workers at once on PostgreSQL: every due timer fires once, every message is delivered once."""
from __future__ import annotations

import datetime as dt
import threading

from engine.access import Actor
from engine.service import Service
from engine.sql.store import SqlStore
from tests.conftest import CHINA, make_service
from webapp.demo import EXAMPLES

OP, DEPT = Actor.of("op1", ["operators"]), Actor.of("dept1", ["dept:住建局"])
DISPATCH = {"lead_unit": "住建局", "co_units": [], "requirements": "核查", "deadline_class": "general_5wd",
            "hide_caller_contact": False}


def ticket_in_handling(service) -> str:
    rec = service.start("hotline", {}, OP)
    for name, actor, data in (("register", OP, EXAMPLES[0]), ("dispatch", OP, DISPATCH),
                              ("accept", DEPT, {"decision": "accept"})):
        task = next(t for t in service.ready_tasks(rec.id) if t.bpmn_id == name)
        service.complete(task.task_id, data, actor)
    return rec.id


def test_two_workers_never_fire_a_timer_twice(pg_schema, clock):
    first = make_service(pg_schema.store(), clock)
    ids = [ticket_in_handling(first) for _ in range(6)]
    clock.set(dt.datetime(2026, 12, 1, 10, 0, tzinfo=CHINA))      # past the reminder and the 11-30 deadline
    workers = [first, Service(SqlStore(pg_schema.engine), clock)]
    barrier, fired = threading.Barrier(2), []

    def work(service):
        barrier.wait()
        for _ in range(3):
            fired.extend(service.fire_due_timers())

    threads = [threading.Thread(target=work, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for instance_id in ids:
        events = first.store.events(instance_id)
        names = [n for e in events if e.type == "timers_fired" for n in e.data["fired"]]
        assert sorted(names) == ["催办提醒", "超期"], names
        assert [m for e in events for m in e.result.get("sent", [])] == []     # overdue alone opens no case
        assert [t.bpmn_id for t in first.ready_tasks(instance_id)].count("efficiency_notice") == 1
    assert sorted(i for i, _ in fired) == sorted(ids)            # one firing per case, whoever won
    assert first.store.pending_messages() == []
