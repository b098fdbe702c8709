"""Dashboard timing on a generated fact table (PostgreSQL): bulk-loaded rows, then the dashboard's queries.

The 1,000,000-case data generator through the real diagrams is issue 12's; this loads fact rows straight
into case_facts with COPY, shaped like a year of a large city's hotline (40 units, 20 townships)."""
from __future__ import annotations

import datetime as dt
import random
import statistics
import time
import uuid

from engine.access import Actor
from engine.clock import FixedClock
from engine.service import Service
from engine.stats.facts import COLUMNS, blank

CHINA = dt.timezone(dt.timedelta(hours=8))
UNITS = [f"单位{i:02d}" for i in range(40)]
TOWNS = [f"街道{i:02d}" for i in range(20)]
MATTERS = ["consultation", "opinion_suggestion", "complaint_criticism", "emergency_incident", "other_admin_act"]
YEAR = 2025


class _Rec:
    def __init__(self, started):
        self.id, self.process_key, self.parent_id, self.created_at = str(uuid.uuid4()), "hotline", None, started


def fact_row(rnd: random.Random) -> dict:
    """One plausible ticket: most dispatched, answered and closed, a few late, returned, redone, extended."""
    started = dt.datetime(YEAR, 1, 1, 8, tzinfo=CHINA) + dt.timedelta(minutes=rnd.randrange(365 * 24 * 60))
    row = blank(_Rec(started))
    day = row["started_on"]
    dispatched = rnd.random() < 0.9
    row.update(case_no=f"RX{day:%Y%m%d}-{row['instance_id'][:6].upper()}", channel=rnd.choice(["12345电话"] * 4 + ["市长信箱"]),
               matter_type=rnd.choice(MATTERS), township=rnd.choice(TOWNS), status="running")
    if dispatched:
        due = day + dt.timedelta(days=7)
        replied = day + dt.timedelta(days=rnd.choice([1, 2, 3, 4, 5, 6, 7, 7, 8, 10])) if rnd.random() < 0.9 else None
        row.update(unit=rnd.choice(UNITS), dispatched=1, dispatched_at=started, accepted=1, accepted_at=started,
                   accept_minutes=rnd.randrange(600), due_date=due, has_deadline=1, replied_on=replied,
                   handled=int(replied is not None), late=int(bool(replied and replied > due)),
                   returned=int(rnd.random() < 0.03), redone=int(rnd.random() < 0.04),
                   extended=int(rnd.random() < 0.05))
    closed = row["handled"] or not dispatched
    if closed:
        row.update(status="completed", closed=1, closed_on=row["replied_on"] or day, outcome="closed_satisfied",
                   on_time=int(bool(row["handled"] and not row["late"])))
        if row["handled"] and rnd.random() < 0.85:
            row.update(callback=1, satisfied=int(rnd.random() < 0.96))
            if not row["satisfied"] and rnd.random() < 0.3:
                row.update(deemed_closed=1, outcome="deemed_completed")
    return row


def load(store, n: int, seed: int = 10) -> float:
    """COPY `n` generated rows into case_facts, then build the running totals; returns seconds."""
    rnd, engine = random.Random(seed), store.engine
    t0 = time.perf_counter()
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cur:
            with cur.copy(f"COPY case_facts ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for _ in range(n):
                    row = fact_row(rnd)
                    copy.write_row([row[c] for c in COLUMNS])
        raw.commit()
    finally:
        raw.close()
    store.rebuild_rollups()                   # what the steps would have added up one by one
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE case_facts")      # what autovacuum does: index-only scans
    return time.perf_counter() - t0


def time_dashboard(store, repeat: int = 5) -> dict[str, float]:
    """Median milliseconds of one dashboard view (all its queries), for the whole city and for one unit."""
    service = Service(store, FixedClock(dt.datetime(YEAR, 12, 31, 18, tzinfo=CHINA)))
    leader, unit = Actor.of("leader1", ["leaders"]), Actor.of("dept", ["dept:单位07"])
    views = {"year, all units": (leader, {}), "year, one unit": (unit, {}),
             "one month, all units": (leader, {"start": f"{YEAR}-06-01", "end": f"{YEAR}-06-30"}),
             "case list (overdue, one unit)": (unit, None)}
    out = {}
    for label, (actor, period) in views.items():
        samples = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            if period is None:
                service.figures.cases(actor, "overdue", "hotline", f"{YEAR}-01-01", f"{YEAR}-12-31")
            else:
                service.figures.dashboard(actor, "hotline", **{"start": f"{YEAR}-01-01", "end": f"{YEAR}-12-31",
                                                                **period})
            samples.append((time.perf_counter() - t0) * 1000)
        out[label] = statistics.median(samples)
    return out
