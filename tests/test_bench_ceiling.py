"""The HTTP ceiling of `make bench` (tests/bench_raw_wsgi.py) does what raw SpiffWorkflow's persisted step does:
a ticket walked through it ends completed in its one table."""
from __future__ import annotations

import json

from sqlalchemy import text
from werkzeug.test import EnvironBuilder

from engine.workflow_state import parse_state, restore_state
from tests import bench_raw_wsgi
from tests.bench import STEPS
from tests.bench_raw import TABLE, RawCases
from tests.conftest import make_service, sqlite_store


def test_a_ticket_walked_through_the_ceiling_app_is_completed(tmp_path, monkeypatch, clock):
    service = make_service(sqlite_store(tmp_path / "raw.db"), clock)
    RawCases(service.store.engine, None, None)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'raw.db'}")
    monkeypatch.setattr(bench_raw_wsgi, "_raw", None)

    def post(path: str, body: dict) -> dict:
        answers = []
        out = bench_raw_wsgi.app(EnvironBuilder(path=path, method="POST", json=body).get_environ(),
                                 lambda status, headers: answers.append(status))
        assert answers == ["200 OK"]
        return json.loads(b"".join(out))

    case_id = post("/start", {"case_no": "RAW-1"})["id"]
    for name, _actor, data in STEPS:
        assert post(f"/step/{case_id}/{name}", data) == {}
    with service.store.engine.connect() as conn:
        state = conn.execute(text(f"SELECT state FROM {TABLE} WHERE id = :id"), {"id": case_id}).scalar_one()
    compiled = service.current("hotline")[1]
    workflow = restore_state(parse_state(state), compiled.spec, compiled.subprocess_specs)
    assert workflow.is_completed() and workflow.data["case_no"] == "RAW-1"
