"""`make bench`, second part: due timers fired per second by 1 and by 2 worker processes on PostgreSQL.

Each run gets a fresh schema with overdue hotline tickets (two due timers each: the reminder and the
deadline, whose message starts a supervision case). The workers start together and fire until nothing
is due; with claims (FOR UPDATE SKIP LOCKED) two workers split the cases instead of racing for them."""
from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import time

from sqlalchemy import create_engine

from engine.clock import FixedClock
from engine.service import Service
from engine.sql.store import SqlStore
from tests.conftest import CHINA, PG_URL, PgSchema, make_service
from tests.test_workers import ticket_in_handling

TICKETS = int(os.environ.get("BENCH_TIMER_TICKETS", "120"))
START = dt.datetime(2026, 11, 23, 9, 0, tzinfo=CHINA)
OVERDUE = dt.datetime(2026, 12, 1, 10, 0, tzinfo=CHINA)


def _worker(schema_name: str, barrier, results) -> None:
    engine = create_engine(PG_URL, connect_args={"options": f"-csearch_path={schema_name}"})
    service = Service(SqlStore(engine), FixedClock(OVERDUE))
    for key in ("hotline", "petition_supervision"):
        service.current(key)                        # compile before the clock starts
    barrier.wait()
    started, timers, cases = time.perf_counter(), 0, 0
    while fired := service.fire_due_timers():
        timers += sum(len(names) for _, names in fired)
        cases += len(fired)
    results.put((started, time.perf_counter(), timers, cases))
    engine.dispose()


def run(workers: int) -> tuple[float, int, int]:
    """(seconds, timers fired, cases fired) for `workers` processes on a fresh schema."""
    schema = PgSchema()
    try:
        service = make_service(schema.store(), FixedClock(START))
        for _ in range(TICKETS):
            ticket_in_handling(service)
        ctx = multiprocessing.get_context("spawn")
        barrier, results = ctx.Barrier(workers), ctx.Queue()
        procs = [ctx.Process(target=_worker, args=(schema.name, barrier, results)) for _ in range(workers)]
        for p in procs:
            p.start()
        done = [results.get(timeout=600) for _ in procs]
        for p in procs:
            p.join()
        assert service.store.due_instances(OVERDUE) == [] and service.store.pending_messages() == []
    finally:
        schema.drop()
    seconds = max(d[1] for d in done) - min(d[0] for d in done)
    return seconds, sum(d[2] for d in done), sum(d[3] for d in done)


def main() -> None:
    print(f"\nPostgreSQL: due timers fired per second ({TICKETS} overdue tickets, 2 timers each)")
    for workers in (1, 2):
        seconds, timers, cases = run(workers)
        assert (timers, cases) == (2 * TICKETS, TICKETS), (timers, cases)   # each fired once, by someone
        print(f"  {workers} worker(s): {timers / seconds:6.1f} timers/s  ({timers} timers in {cases} cases, "
              f"{seconds:.1f} s)")
