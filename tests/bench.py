"""`make bench`: hotline tickets through the service layer (SQLite, PostgreSQL) vs raw SpiffWorkflow.

Raw SpiffWorkflow gets the same diagram, the same sandboxed script engine and a serialize/deserialize
per step; the service layer adds validation, the store, ready-task rows and the event chain.
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from engine.access import Actor
from engine.clock import FixedClock
from engine.runtime import Runner
from engine.store import MemoryStore
from tests.conftest import CHINA, PgSchema, make_service, sqlite_store
from webapp.demo import EXAMPLES

import datetime as dt

N = int(os.environ.get("BENCH_N", "30"))
OP, REV, DEPT = Actor.of("op1", ["operators"]), Actor.of("review1", ["reviewers"]), Actor.of("dept1", ["dept:住建局"])
STEPS = [
    ("register", OP, EXAMPLES[0]),
    ("dispatch", OP, {"lead_unit": "住建局", "co_units": [], "requirements": "核查", "deadline_class": "general_5wd",
                      "hide_caller_contact": False}),
    ("accept", DEPT, {"decision": "accept"}),
    ("handle", DEPT, {"action": "reply", "result_text": "已处理", "measures_taken": "责令停工",
                      "caller_feedback_done": True, "feedback_method": "phone", "completed_at": "2026-11-25"}),
    ("review_reply", REV, {"review_decision": "accept"}),
    ("callback", REV, {"reached": True, "caller_satisfied": "satisfied", "result_verified": "true",
                       "unit_fulfilled_duty": True, "demand_excessive": False}),
    ("archive", REV, {"archive_no": "GD-1", "archive_category": "投诉", "archive_medium": "electronic"}),
]


def timed(fn):
    t0 = time.perf_counter()
    result = fn()
    return result, (time.perf_counter() - t0) * 1000


def bench_service(service) -> dict[str, list[float]]:
    times = {name: [] for name in ["start"] + [s[0] for s in STEPS]}
    for _ in range(N):
        rec, ms = timed(lambda: service.start("hotline", {}, OP))
        times["start"].append(ms)
        for name, actor, data in STEPS:
            task = next(t for t in service.ready_tasks(rec.id) if t.bpmn_id == name)
            rec, ms = timed(lambda: service.complete(task.task_id, data, actor))
            times[name].append(ms)
        assert rec.status == "completed", rec.status
    return times


def bench_raw(service) -> dict[str, list[float]]:
    """The same diagram on SpiffWorkflow alone: load, run the task, engine steps, serialize."""
    compiled = service.current("hotline")[1]
    engine = service.script_engine
    times = {name: [] for name in ["start"] + [s[0] for s in STEPS]}
    for _ in range(N):
        state, ms = timed(lambda: Runner.start(compiled, engine, {"case_no": uuid.uuid4().hex}).dump())
        times["start"].append(ms)
        for name, _actor, data in STEPS:
            def step():
                runner = Runner.load(state, engine)
                task = next(t for t in runner.ready_tasks() if t.bpmn_id == name)
                runner.complete(task.id, data)
                return runner.dump()
            state, ms = timed(step)
            times[name].append(ms)
    return times


def report(label, times, raw):
    total = sum(statistics.median(v) for v in times.values())
    raw_total = sum(statistics.median(v) for v in raw.values())
    print(f"\n{label}: per-step medians in ms (ratio to raw SpiffWorkflow)")
    for name, values in times.items():
        med, base = statistics.median(values), statistics.median(raw[name])
        print(f"  {name:14s} {med:7.2f}  raw {base:6.2f}  x{med / base:4.2f}")
    print(f"  {'ticket total':14s} {total:7.2f}  raw {raw_total:6.2f}  x{total / raw_total:4.2f}")
    return total / raw_total


def main():
    clock = FixedClock(dt.datetime(2026, 11, 23, 9, 0, tzinfo=CHINA))
    warm = make_service(MemoryStore(), clock)
    bench_raw(warm)
    raw = bench_raw(warm)
    ratios = {}
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = make_service(sqlite_store(Path(tmp) / "bench.db"), clock)
        bench_service(sqlite)
        ratios["sqlite"] = report("SQLite", bench_service(sqlite), raw)
    schema = PgSchema()
    try:
        pg = make_service(schema.store(), clock)
        bench_service(pg)
        ratios["postgres"] = report("PostgreSQL", bench_service(pg), raw)
    finally:
        schema.drop()
    print(f"\nN={N} tickets per run; ratios: " + ", ".join(f"{k} x{v:.2f}" for k, v in ratios.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
