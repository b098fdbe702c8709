"""`make serve`: gunicorn plus `engine worker` processes, started together and stopped together."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

FLASK = [sys.executable, "-m", "flask", "--app", "webapp"]


def default_workers(cores: int | None = None) -> int:
    """One worker process per core, each with THREADS (default 4) request threads: a request mostly waits on
    the database, and threads of one process share its workflow cache, so a case's next step more often
    finds its workflow already in memory. Measured on 2 cores with 8 clients: 2 x 4 threads gave 65-79
    completions/s, 5 sync workers 40-46/s. Each worker is a whole Python process (about 100-150 MB, plus up
    to SCRIPT_MEMORY_MB while a diagram script runs)."""
    return max(2, cores or os.cpu_count() or 1)


def gunicorn_command(env) -> list[str]:
    """gunicorn's command line. A worker is replaced after MAX_REQUESTS requests (default 20,000, with 10 %
    jitter), which returns its memory; a new worker costs a second or two of CPU (the app, the compiled
    diagrams: webapp/serve_hooks.py), so recycling every 2,000 requests cost about 1 ms a request."""
    workers = int(env.get("WORKERS") or default_workers())
    max_requests = int(env.get("MAX_REQUESTS") or 20000)
    return [sys.executable, "-m", "gunicorn", "webapp:create_app()",
            "--bind", env.get("BIND", "127.0.0.1:5000"), "--workers", str(workers),
            "--worker-tmp-dir", env.get("WORKER_TMP_DIR", "/dev/shm" if os.path.isdir("/dev/shm") else "/tmp"),
            "--access-logfile", "-", "--error-logfile", "-",
            "--timeout", env.get("TIMEOUT", "60"), "--graceful-timeout", env.get("GRACEFUL_TIMEOUT", "30"),
            "--max-requests", str(max_requests), "--max-requests-jitter", str(max_requests // 10),
            "--threads", env.get("THREADS", "4"), "--config", "python:webapp.serve_hooks"]


def prepare() -> None:
    """What `make setup` does except the demo data: schema upgrade (create_app), holiday table, processes."""
    for args in (["calendar", "seed"], ["processes", "load"]):
        subprocess.run(FLASK + args, check=True)


def start_all(env) -> list[subprocess.Popen]:
    children = [subprocess.Popen(gunicorn_command(env))]
    interval = env.get("WORKER_INTERVAL", "10")
    for _ in range(int(env.get("WORKER_PROCS", "1"))):
        children.append(subprocess.Popen(FLASK + ["engine", "worker", "--interval", interval]))
    return children


def stop_all(children: list[subprocess.Popen], grace: float = 35.0) -> None:
    """SIGTERM to each child (gunicorn finishes its requests within its graceful timeout), then SIGKILL."""
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for child in children:
        try:
            child.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def main() -> int:
    if os.environ.get("SKIP_PREPARE") != "1":
        prepare()
    children = start_all(os.environ)
    stopping = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.append(True))
    try:
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.2)
    finally:
        stop_all(children)
    return 0 if stopping else 1       # a child that died on its own stops the others and fails


if __name__ == "__main__":
    sys.exit(main())
