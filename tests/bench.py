"""`make bench`: hotline tickets through the service layer (SQLite, PostgreSQL) vs raw SpiffWorkflow persisted
in the same database (tests/bench_raw.py), completions over HTTP with `make serve`'s gunicorn on PostgreSQL
(tests/bench_http.py), then due timers fired per second by 1 and 2 workers on PostgreSQL (tests/bench_timers.py).

Raw SpiffWorkflow gets the same diagram, the same sandboxed script engine, the spec kept out of the stored state
and one read + write of the state per step; the service layer adds validation, the store, ready-task rows and the
event chain. `BENCH_ONLY=steps` stops after these two parts; `BENCH_HTTP=0` skips HTTP.
"""
from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from engine.access import Actor
from engine.clock import FixedClock
from tests import bench_http, bench_timers
from tests.bench_raw import RawCases
from tests.conftest import CHINA, PgSchema, make_service, sqlite_store
from webapp.demo import EXAMPLES
from webapp.serve_hooks import tune_gc

N = int(os.environ.get("BENCH_N", "30"))
OP, REV, DEPT = Actor.of("op1", ["operators"]), Actor.of("review1", ["reviewers"]), Actor.of("dept1", ["dept:住建局"])
STEPS = [
    ("register", OP, EXAMPLES[0]),
    ("dispatch", OP, {"lead_unit": "住建局", "co_units": [], "requirements": "核查", "deadline_class": "general_5wd",
                      "hide_caller_contact": False}),
    ("accept", DEPT, {"decision": "accept"}),
    ("handle", DEPT, {"action": "reply", "result_text": "已处理", "measures_taken": "责令停工",
                      "caller_feedback_done": True, "feedback_method": "phone", "completed_at": "2026-11-23"}),
    ("review_reply", REV, {"review_decision": "accept"}),
    ("callback", REV, {"callback_at": "2026-11-23T08:00:00+08:00", "reached": True, "caller_satisfied": "satisfied", "result_verified": "true",
                       "unit_fulfilled_duty": True, "demand_excessive": False}),
    ("archive", REV, {"archive_no": "GD-1", "archive_category": "投诉", "archive_medium": "electronic"}),
]


def timed(fn):
    t0 = time.perf_counter()
    result = fn()
    return result, (time.perf_counter() - t0) * 1000


def service_ticket(service, times):
    rec, ms = timed(lambda: service.start("hotline", {}, OP))
    times["start"].append(ms)
    for name, actor, data in STEPS:
        task = next(t for t in service.ready_tasks(rec.id) if t.bpmn_id == name)
        rec, ms = timed(lambda: service.complete(task.task_id, data, actor))
        times[name].append(ms)
    assert rec.status == "completed", rec.status


def raw_ticket(raw: RawCases, times):
    case_id, ms = timed(lambda: raw.start({"case_no": uuid.uuid4().hex}))
    times["start"].append(ms)
    for name, _actor, data in STEPS:
        times[name].append(timed(lambda name=name, data=data: raw.step(case_id, name, data))[1])


def run(services: dict, raws: dict) -> dict[str, dict[str, list[float]]]:
    """Tickets interleaved (raw SQLite, SQLite, raw PostgreSQL, PostgreSQL, ...): all see the same load."""
    labels = [x for label in services for x in (f"raw {label}", label)]
    times = {label: {name: [] for name in ["start"] + [s[0] for s in STEPS]} for label in labels}
    for _ in range(N):
        for label, service in services.items():
            raw_ticket(raws[label], times[f"raw {label}"])
            service_ticket(service, times[label])
    return times


def ticket_ms(times) -> float:
    return sum(statistics.median(v) for v in times.values())


def report(label, times, raw):
    print(f"\n{label}: per-step medians in ms (ratio to raw SpiffWorkflow persisted in {label})")
    for name, values in times.items():
        med, base = statistics.median(values), statistics.median(raw[name])
        print(f"  {name:14s} {med:7.2f}  raw {base:6.2f}  x{med / base:4.2f}")
    total, raw_total = ticket_ms(times), ticket_ms(raw)
    print(f"  {'ticket total':14s} {total:7.2f}  raw {raw_total:6.2f}  x{total / raw_total:4.2f}")
    return total / raw_total


def figures_bench(n: int) -> None:
    """`make bench` part 2: the dashboard on `n` generated fact rows in PostgreSQL (BENCH_FACTS, default 1e6)."""
    from tests.bench_figures import load, time_dashboard
    schema = PgSchema()
    try:
        store = schema.store()
        seconds = load(store, n)
        print(f"\nDashboard on {n:,} generated cases in PostgreSQL (loaded with COPY in {seconds:.0f} s); "
              "median of 5 views, ms:")
        for label, ms in time_dashboard(store).items():
            print(f"  {label:32s} {ms:8.1f}")
    finally:
        schema.drop()


OPEN_TASKS = int(os.environ.get("BENCH_OPEN_TASKS", "100000"))


def fill_worklist(store, count: int, group: str = "dept:住建局") -> None:
    """`count` open tasks in one group (spread over 1,000 cases, due dates over 60 days, a few without one)."""
    from sqlalchemy import insert
    from engine.sql.tables import instances, task_groups, tasks
    now = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.timezone.utc)
    cases = [{"id": str(uuid.uuid4()), "process_key": "hotline", "version": 1, "bundle_hash": "", "status": "running",
              "state": "", "data": {}, "title": f"RX{i:06d}", "lock_version": 1, "created_at": now}
             for i in range(1000)]
    with store.engine.begin() as conn:
        conn.execute(insert(instances), cases)
        for start in range(0, count, 10000):
            rows = [{"task_id": str(uuid.uuid4()), "instance_id": cases[i % 1000]["id"], "process_key": "hotline",
                     "bpmn_id": "accept", "title": "签收", "lane": "承办单位", "case_title": f"RX{i:08d} 噪音扰民",
                     "due_at": None if i % 50 == 0 else now + dt.timedelta(minutes=(i * 7919) % 86400),
                     "status": "ready", "created_at": now + dt.timedelta(seconds=i)}
                    for i in range(start, min(start + 10000, count))]
            conn.execute(insert(tasks), rows)
            conn.execute(insert(task_groups), [{"task_id": r["task_id"], "group_name": group, "ready": True}
                                              for r in rows])
    with store.engine.begin() as conn:       # what autovacuum / a nightly ANALYZE keeps current in production
        conn.exec_driver_sql("ANALYZE")


def worklist_figures(service, label: str, runs: int = 200) -> None:
    """The first inbox page (50 rows) and the filter counts, p50/p95 in ms, with OPEN_TASKS open tasks."""
    fill_worklist(service.store, OPEN_TASKS)
    for name, fn in [("first page", lambda: service.inbox_page(service.task_query(DEPT, limit=50))),
                     ("pages 1+2", lambda: service.inbox_page(service.task_query(
                         DEPT, limit=50, cursor=service.inbox_page(service.task_query(DEPT, limit=50))[1]))),
                     ("claimed by me", lambda: service.inbox_page(service.task_query(DEPT, "claimed", limit=50))),
                     ("search", lambda: service.inbox_page(service.task_query(DEPT, q="RX00004711", limit=50))),
                     ("counts", lambda: service.inbox_counts(service.task_query(DEPT)))]:
        fn()
        times = sorted(timed(fn)[1] for _ in range(runs if name != "counts" else 20))
        p95 = times[int(len(times) * 0.95) - 1]
        print(f"  {label:10s} {name:14s} p50 {statistics.median(times):7.2f} ms  p95 {p95:7.2f} ms")


def worklists(clock):
    print(f"\nworklist with {OPEN_TASKS} open tasks in the user's group")
    schema = PgSchema()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            worklist_figures(make_service(sqlite_store(Path(tmp) / "inbox.db"), clock), "SQLite")
            worklist_figures(make_service(schema.store(), clock), "PostgreSQL")
    finally:
        schema.drop()


def steps(clock) -> dict[str, dict[str, list[float]]]:
    schema = PgSchema()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            services = {"SQLite": make_service(sqlite_store(Path(tmp) / "bench.db"), clock),
                        "PostgreSQL": make_service(schema.store(), clock)}
            raws = {label: RawCases(s.store.engine, s.current("hotline")[1], s.script_engine)
                    for label, s in services.items()}
            run(services, raws)                            # warm-up: caches, pools, JIT-free Python paths
            tune_gc()       # as `make serve` does; else a collection lands on whichever step it happens to
            return run(services, raws)
    finally:
        schema.drop()


def main():
    facts = int(os.environ.get("BENCH_FACTS", "1000000"))
    if os.environ.get("BENCH_ONLY") == "figures":
        figures_bench(facts)
        return 0
    clock = FixedClock(dt.datetime(2026, 11, 23, 9, 0, tzinfo=CHINA))
    if os.environ.get("BENCH_ONLY") == "worklist":
        worklists(clock)
        return 0
    times = steps(clock)
    raw_rate = (1 + len(STEPS)) * 1000 / ticket_ms(times["raw PostgreSQL"])   # persisted steps/s, one core
    http = bench_http.run(raw_rate, STEPS) if os.environ.get("BENCH_HTTP", "1") != "0" else None
    ratios = {label: ticket_ms(times[label]) / ticket_ms(times[f"raw {label}"]) for label in ("SQLite", "PostgreSQL")}
    print(f"service layer / raw SpiffWorkflow persisted in the same database (ticket totals, N={N}, target <= 1.2): "
          + ", ".join(f"{k} x{v:.2f}" for k, v in ratios.items()))
    if http:
        bench_http.summary(http, raw_rate)
    for label in ratios:
        report(label, times[label], times[f"raw {label}"])
    if http:
        bench_http.details(http)
    if os.environ.get("BENCH_ONLY") == "steps":
        return 0
    bench_timers.main()
    if facts:
        figures_bench(facts)
    worklists(clock)
    return 0


if __name__ == "__main__":
    sys.exit(main())
