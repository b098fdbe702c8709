"""`make bench`, HTTP part: `make serve`'s gunicorn on a fresh PostgreSQL schema, 8 client threads walking hotline
tickets (start + 7 steps, each a POST with a Bearer token) for BENCH_HTTP_SECONDS (default 20) after a short
warm-up; completions/s and latency percentiles, set against raw SpiffWorkflow's persisted steps/s on one core
measured in the same run (tests/bench.py). Then the ceiling: raw SpiffWorkflow's persisted step as a bare WSGI app
(tests/bench_raw_wsgi.py) behind the same gunicorn command and clients (`BENCH_HTTP_CEILING=0` skips it)."""
from __future__ import annotations

import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid

from engine.accounts.users import new_token, seed_demo_users
from engine.clock import SystemClock
from tests.bench_raw import RawCases
from tests.conftest import ROOT, PgSchema, make_service, pg_url_in
from tests.test_serve import free_port, wait_healthy
from webapp.serve import default_workers, gunicorn_command

CLIENTS = int(os.environ.get("BENCH_HTTP_CLIENTS", "8"))
SECONDS = float(os.environ.get("BENCH_HTTP_SECONDS", "20"))
WARMUP = float(os.environ.get("BENCH_HTTP_WARMUP", "4"))
USERS = {"op1", "review1", "dept1"}


class Client:
    """One keep-alive-free HTTP client thread's calls (gunicorn's sync workers close each connection)."""

    def __init__(self, port: int, tokens: dict[str, str], steps):
        self.port, self.tokens, self.steps = port, tokens, steps

    def post(self, path: str, body: dict, user: str) -> tuple[int, dict]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("POST", path, json.dumps(body), {"Authorization": f"Bearer {self.tokens[user]}",
                                                           "Content-Type": "application/json"})
            response = conn.getresponse()
            return response.status, json.loads(response.read())
        finally:
            conn.close()

    def ticket(self, record) -> None:
        """Start a hotline ticket and walk it to the archive; `record(ms)` for every step."""
        t0 = time.perf_counter()
        status, inst = self.post("/api/v1/processes/hotline/instances", {"data": {}}, "op1")
        record((time.perf_counter() - t0) * 1000)
        assert status == 201, inst
        for name, actor, data in self.steps:
            [task] = [t for t in inst["ready_tasks"] if t["name"] == name]
            t0 = time.perf_counter()
            status, inst = self.post(f"/api/v1/tasks/{task['id']}/complete", {"data": data}, actor.name)
            record((time.perf_counter() - t0) * 1000)
            assert status == 200, (name, status, inst)
        assert inst["status"] == "completed", inst["status"]


class RawClient(Client):
    """The same walk against the ceiling server (tests/bench_raw_wsgi.py): raw SpiffWorkflow behind gunicorn."""

    def ticket(self, record) -> None:
        t0 = time.perf_counter()
        status, case = self.post("/start", {"case_no": uuid.uuid4().hex}, "op1")
        record((time.perf_counter() - t0) * 1000)
        assert status == 200, case
        for name, actor, data in self.steps:
            t0 = time.perf_counter()
            status, answer = self.post(f"/step/{case['id']}/{name}", data, actor.name)
            record((time.perf_counter() - t0) * 1000)
            assert status == 200, (name, status, answer)


def cpu_seconds(server_pid: int) -> dict[str, float]:
    """CPU seconds used so far by the gunicorn workers (children of `server_pid`), the PostgreSQL server's
    processes on this machine and this process (the client threads), read from Linux's /proc ({} elsewhere)."""
    if not os.path.isdir("/proc"):
        return {}
    used = {"workers": 0, "PostgreSQL": 0, "clients": 0}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/stat") as f:
                name, fields = f.read().split(" (", 1)[1].rsplit(") ", 1)
        except OSError:                  # the process ended meanwhile
            continue
        fields = fields.split()
        ticks = int(fields[11]) + int(fields[12])          # utime + stime
        if int(fields[1]) == server_pid:
            used["workers"] += ticks
        elif name.startswith("postgres"):
            used["PostgreSQL"] += ticks
        elif int(entry) == os.getpid():
            used["clients"] += ticks
    return {k: v / os.sysconf("SC_CLK_TCK") for k, v in used.items()}


def load(port: int, make_client, server_pid: int | None = None) -> dict:
    """CLIENTS threads walk tickets; latencies recorded between the warm-up and the end of the window, and
    the CPU time each side used in it."""
    started = time.monotonic()
    window = (started + WARMUP, started + WARMUP + SECONDS)
    latencies, errors, lock = [], [], threading.Lock()

    def record(ms):
        """Requests sent after the warm-up (each gunicorn worker's first requests load the app) and
        answered within the window."""
        now = time.monotonic()
        if window[0] <= now - ms / 1000 and now <= window[1]:
            with lock:
                latencies.append(ms)

    def client():
        worker = make_client(port)
        while time.monotonic() < window[1]:
            try:
                worker.ticket(record)
            except Exception as exc:         # noqa: BLE001 - reported, never hidden
                errors.append(repr(exc)[:300])
                return
    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    cpu = {}
    if server_pid is not None:
        time.sleep(max(0.0, window[0] - time.monotonic()))
        before = cpu_seconds(server_pid)
        time.sleep(max(0.0, window[1] - time.monotonic()))
        cpu = {k: v - before[k] for k, v in cpu_seconds(server_pid).items()}
    for t in threads:
        t.join()
    return {"latencies": sorted(latencies), "errors": errors, "cpu": cpu}


def serve_and_load(command: list[str], env: dict, make_client) -> dict:
    """Start a gunicorn `command` on env's BIND, run the load against it, stop it."""
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    healthy = False
    try:
        port = int(env["BIND"].rsplit(":", 1)[1])
        wait_healthy(f"http://127.0.0.1:{port}", proc)
        healthy = True
        return load(port, make_client, proc.pid)
    finally:
        proc.terminate()
        try:
            _, stderr = proc.communicate(timeout=40)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, stderr = proc.communicate()
        if "Traceback" in (stderr or "") or not healthy:
            print(stderr[-3000:], file=sys.stderr)


def run(raw_rate: float, steps) -> dict:
    """`steps`: (task, actor, data) of a ticket after its start (tests/bench.py STEPS). The app's server, then
    the ceiling's (raw SpiffWorkflow behind the same gunicorn command) on the same schema."""
    schema = PgSchema()
    try:
        service = make_service(schema.store(), SystemClock())
        seed_demo_users(service.store)
        tokens = {name: new_token(service.store, name) for name in USERS}
        RawCases(service.store.engine, None, None)            # its table, before the workers race to make it
        workers = int(os.environ.get("WORKERS") or default_workers())
        env = dict(os.environ, DATABASE_URL=pg_url_in(schema.name),
                   SECRET_KEY="bench", BIND=f"127.0.0.1:{free_port()}", WORKERS=str(workers),
                   API_RATE_PER_ACCOUNT="0", API_RATE_PER_ADDRESS="0")
        command = [c for c in gunicorn_command(env) if c != "--access-logfile"]
        command.remove("-")                  # the first "-" was the access log's target: no access log
        result = serve_and_load(command, env, lambda port: Client(port, tokens, steps))
        if os.environ.get("BENCH_HTTP_CEILING", "1") != "0":
            ceiling = command[:]
            env["BIND"] = ceiling[ceiling.index("--bind") + 1] = f"127.0.0.1:{free_port()}"
            ceiling[ceiling.index("webapp:create_app()")] = "tests.bench_raw_wsgi:app"
            ceiling[ceiling.index("python:webapp.serve_hooks")] = "python:tests.bench_raw_wsgi"
            result["ceiling"] = serve_and_load(ceiling, env, lambda port: RawClient(port, tokens, steps))
        result.update(workers=workers, raw_rate=raw_rate)
        return result
    finally:
        schema.drop()


def percentile(values: list[float], p: float) -> float:
    return values[max(0, int(len(values) * p) - 1)] if values else float("nan")


def summary(result: dict, raw_rate: float) -> None:
    lat = result["latencies"]
    rate = len(lat) / SECONDS
    print(f"HTTP on PostgreSQL, gunicorn {result['workers']} workers, {CLIENTS} clients, {SECONDS:.0f} s: "
          f"{rate:.1f} steps/s = x{rate / raw_rate:.2f} raw SpiffWorkflow persisted steps/s on one core "
          f"({raw_rate:.1f}/s; target >= 1.5); p95 {percentile(lat, 0.95):.0f} ms (target < 100)"
          + (f"; {len(result['errors'])} client errors" if result["errors"] else ""))
    if "ceiling" in result:
        top = len(result["ceiling"]["latencies"]) / SECONDS
        print(f"HTTP ceiling: raw SpiffWorkflow's persisted step as a bare WSGI app behind the same gunicorn and "
              f"clients: {top:.1f} steps/s = x{top / raw_rate:.2f} raw one core; the app reaches "
              f"{rate / top:.0%} of it" + (f"; {len(result['ceiling']['errors'])} client errors"
                                          if result["ceiling"]["errors"] else ""))


def details(result: dict) -> None:
    for label, part in (("HTTP", result), ("HTTP ceiling (raw SpiffWorkflow behind gunicorn)",
                                           result.get("ceiling"))):
        if part is not None:
            print()
            describe(label, part, result["raw_rate"])


def describe(label: str, result: dict, raw_rate: float) -> None:
    lat = result["latencies"]
    if not lat:
        print(f"{label}: no request completed", result["errors"][:3])
        return
    print(f"{label} steps (1 start + 7 task completions per ticket, POSTs): {len(lat)} in "
          f"{SECONDS:.0f} s; ms p50 {statistics.median(lat):.1f}, p95 {percentile(lat, 0.95):.1f}, "
          f"p99 {percentile(lat, 0.99):.1f}, max {lat[-1]:.1f}")
    for error in result["errors"][:3]:
        print("  client error:", error)
    if result.get("cpu"):
        per_step = {k: v * 1000 / len(lat) for k, v in result["cpu"].items()}
        budget = (os.cpu_count() or 1) * 1000 / (1.5 * raw_rate)
        print("  CPU per step in the window, ms: " + ", ".join(f"{k} {v:.2f}" for k, v in per_step.items())
              + f" ({sum(per_step.values()):.2f} in all); 1.5x raw one core on {os.cpu_count()} cores leaves "
              f"{budget:.2f} ms per step for all of them")
