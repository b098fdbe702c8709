"""`make bench SCALE=1`: p95 of what users do on the large data set of `make bench-data`, through the Flask
test client as the user would (dept1 of the big unit, an operator, an auditor), plus `engine tick`.

Each request is timed end to end (routing, auth, queries, rendering). The data set is changed a little:
the completions are real steps of real cases."""
from __future__ import annotations

import os
import random
import statistics
import time

from sqlalchemy import text

from engine.accounts.users import new_token
from engine.service import Service
from engine.sql.store import SqlStore

from .bench_data import DEFAULT_URL

TARGETS = {  # label -> p95 limit in ms
    "inbox first page (API, dept1)": 50, "inbox first page (web, dept1)": 50,
    "inbox next page (API, dept1)": 50,
    "case search by number (API, auditor)": 100, "case search by number (API, dept1)": 100,
    "case search (web, auditor)": 100, "case list newest (API, operator)": 100,
    "overdue cases of one unit (API, auditor)": 100,
    "case page (web, dept1)": 100, "case (API, dept1)": 100,
    "task completion (API, dept1)": 100, "engine tick, nothing due": 50,
}


UNITS = ["住建局", "人社局", "公安局", "兰江街道"]      # the big unit and smaller ones


def timed(fn, runs: int) -> list[float]:
    out = []
    for i in range(runs):
        started = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - started) * 1000)
    return out


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


class Client:
    def __init__(self, app, service, name):
        self.client = app.test_client()
        self.headers = {"Authorization": f"Bearer {new_token(service.store, name)}"}
        self.web = app.test_client()
        response = self.web.post("/login", data={"username": name, "password": "demo"})
        assert response.status_code == 302, f"cannot log in as {name}"

    def get(self, url, web=False, ok=200):
        response = (self.web if web else self.client).get(url, headers=None if web else self.headers)
        assert response.status_code == ok, (url, response.status_code, response.data[:300])
        return response

    def post(self, url, body):
        response = self.client.post(url, json=body, headers=self.headers)
        assert response.status_code == 200, (url, response.status_code, response.data[:300])
        return response


def run(url: str, runs: int = 40, out=print) -> dict[str, float]:
    from webapp import create_app
    service = Service(SqlStore(url))
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False},
                     service=service)
    app.config["THROTTLE_OFF"] = True
    rand = random.Random(7)
    with service.store.engine.connect() as conn:
        cases = conn.scalar(text("SELECT count(*) FROM instances"))
        open_tasks = conn.scalar(text("SELECT count(*) FROM tasks WHERE status = 'ready'"))
        big = conn.scalar(text("SELECT count(*) FROM task_groups WHERE ready AND group_name = 'dept:住建局'"))
        numbers = [r[0] for r in conn.execute(text("SELECT case_no FROM instances TABLESAMPLE SYSTEM (1) "
                                                   "WHERE case_no <> '' LIMIT 500"))]
        accept = [r[0] for r in conn.execute(text(
            "SELECT t.task_id FROM tasks t JOIN task_groups g ON g.task_id = t.task_id AND g.ready "
            "WHERE t.status = 'ready' AND t.bpmn_id = 'accept' AND g.group_name = 'dept:住建局' "
            "ORDER BY t.created_at DESC LIMIT :n"),
            {"n": runs})]
        mine = [r[0] for r in conn.execute(text(
            "SELECT t.instance_id FROM tasks t JOIN task_groups g ON g.task_id = t.task_id AND g.ready "
            "WHERE t.status = 'ready' AND g.group_name = 'dept:住建局' ORDER BY t.created_at DESC LIMIT 200"))]
    out(f"data set: {cases:,} cases, {open_tasks:,} open tasks, {big:,} of them for 住建局 (dept1)")
    dept1, audit1, op1 = (Client(app, service, n) for n in ("dept1", "audit1", "op1"))
    second = dept1.get("/api/v1/tasks?limit=50").headers.get("X-Next-Cursor")
    measured = {
        "inbox first page (API, dept1)": timed(lambda i: dept1.get("/api/v1/tasks?limit=50"), runs),
        "inbox first page (web, dept1)": timed(lambda i: dept1.get("/", web=True), runs),
        "inbox next page (API, dept1)": timed(lambda i: dept1.get(f"/api/v1/tasks?limit=50&cursor={second}"), runs),
        "case search by number (API, auditor)": timed(
            lambda i: audit1.get(f"/api/v1/instances?q={rand.choice(numbers)}"), runs),
        "case search by number (API, dept1)": timed(
            lambda i: dept1.get(f"/api/v1/instances?q={rand.choice(numbers)}"), runs),
        "case search (web, auditor)": timed(lambda i: audit1.get(f"/audit/?q={rand.choice(numbers)}", web=True), runs),
        "case list newest (API, operator)": timed(lambda i: op1.get("/api/v1/instances?limit=50"), runs),
        "overdue cases of one unit (API, auditor)": timed(
            lambda i: audit1.get(f"/api/v1/instances?unit={rand.choice(UNITS)}&overdue=true&limit=50"), runs),
        "case page (web, dept1)": timed(lambda i: dept1.get(f"/instances/{rand.choice(mine)}", web=True), runs),
        "case (API, dept1)": timed(lambda i: dept1.get(f"/api/v1/instances/{rand.choice(mine)}"), runs),
        "task completion (API, dept1)": timed(
            lambda i: dept1.post(f"/api/v1/tasks/{accept[i]}/complete", {"data": {"decision": "accept"}}),
            min(runs, len(accept))),
        "engine tick, nothing due": timed(lambda i: _tick(service), runs),
    }
    result = {}
    out(f"{'':40} {'p50 ms':>8} {'p95 ms':>8} {'target':>7}")
    for label, values in measured.items():
        result[label] = p95(values)
        verdict = "ok" if result[label] < TARGETS[label] else "SLOW"
        out(f"{label:40} {statistics.median(values):8.1f} {result[label]:8.1f} {TARGETS[label]:>5} ms {verdict}")
    return result


def _tick(service):
    fired = service.fire_due_timers()
    assert fired == [], f"something was due: {fired[:3]}"


def main():
    run(os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or DEFAULT_URL,
        int(os.environ.get("RUNS", 40)))


if __name__ == "__main__":
    main()
