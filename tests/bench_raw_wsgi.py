"""The HTTP ceiling of `make bench`: raw SpiffWorkflow's persisted step (tests/bench_raw.py) as a bare WSGI
callable, served by the same gunicorn command as `make serve` (workers, threads, the garbage collector's
settings) and walked by the same clients. No framework, no login, no validation, no rows but the state: what
any web app doing at least raw SpiffWorkflow's work per step can reach on this machine.

`POST /start` (body: the start data) answers `{"id": …}`; `POST /step/<id>/<bpmn id>` (body: the task's data)
completes that ready task; `GET /healthz`. Also the gunicorn settings module of that server (`--config
python:tests.bench_raw_wsgi`): each worker parses the diagram before it takes requests, as the app's do.
"""
from __future__ import annotations

import json
import os
import threading

_raw = None
_lock = threading.Lock()


def raw_cases():
    """The worker's RawCases on DATABASE_URL, with the current hotline diagram and the app's script engine."""
    global _raw
    with _lock:
        if _raw is None:
            from engine.service import Service
            from engine.sql.store import SqlStore
            from tests.bench_raw import RawCases
            service = Service(SqlStore(os.environ["DATABASE_URL"]))
            _raw = RawCases(service.store.engine, service.current("hotline")[1], service.script_engine)
        return _raw


def app(environ, start_response):
    parts = environ["PATH_INFO"].strip("/").split("/")
    if parts == ["healthz"]:
        answer = {"ok": True}
    else:
        size = int(environ.get("CONTENT_LENGTH") or 0)
        body = json.loads(environ["wsgi.input"].read(size) or b"{}")
        if parts == ["start"]:
            answer = {"id": raw_cases().start(body)}
        else:
            _, case_id, bpmn_id = parts
            raw_cases().step(case_id, bpmn_id, body)
            answer = {}
    out = json.dumps(answer).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(out)))])
    return [out]


def post_worker_init(worker) -> None:
    from webapp.serve_hooks import tune_gc
    raw_cases()
    tune_gc()
