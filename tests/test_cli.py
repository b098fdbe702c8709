"""The contract's CLI: engine tick --now, calendar due/import/set, users create/token, demo seed."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from engine.access import Actor
from tests.conftest import CHINA
from tests.test_workers import ticket_in_handling


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def invoke(runner, *args, input=None):
    result = runner.invoke(args=list(args), input=input)
    assert result.exit_code == 0, result.output
    return result.output


def test_tick_now_fires_the_overdue_timer(app, runner):
    service = app.extensions["service"]
    instance_id = ticket_in_handling(service)
    assert "fired 0 timer(s)" in invoke(runner, "engine", "tick", "--now", "2026-11-26T12:00:00+08:00")
    out = invoke(runner, "engine", "tick", "--now", "2026-12-01T08:00:00+08:00")
    assert f"{instance_id}: 催办提醒, 超期" in out and "fired 2 timer(s) in 1 case(s)" in out
    assert "fired 0 timer(s)" in invoke(runner, "engine", "tick", "--now", "2026-12-01T08:00:00+08:00")
    assert "efficiency_notice" in [t.bpmn_id for t in service.ready_tasks(instance_id)]


def test_worker_fires_due_timers_once_and_reports_them(app, runner, clock):
    service = app.extensions["service"]
    instance_id = ticket_in_handling(service)
    assert invoke(runner, "engine", "worker", "--interval", "0", "--max-loops", "2") == ""    # nothing due yet
    clock.set(dt.datetime(2026, 12, 1, 8, 0, tzinfo=CHINA))
    [line] = invoke(runner, "engine", "worker", "--interval", "0", "--max-loops", "3").splitlines()
    assert line.endswith(f"{instance_id}: 催办提醒, 超期")                                 # fired once, in loop 1
    assert "efficiency_notice" in [t.bpmn_id for t in service.ready_tasks(instance_id)]


def test_calendar_due_import_and_set(runner, tmp_path):
    assert invoke(runner, "calendar", "due", "2026-09-30", "1").strip() == "2026-10-08"
    result = runner.invoke(args=["calendar", "due", "2026-12-28", "10"])
    assert result.exit_code == 0 and "2027-01-11" in result.output
    assert "no official holiday table for 2027" in result.output
    notice = tmp_path / "2027.json"
    notice.write_text(json.dumps({"year": 2027, "holidays": ["2027-01-01"], "workdays": []}))
    assert "imported 2027: 1 day(s)" in invoke(runner, "calendar", "import", str(notice))
    assert invoke(runner, "calendar", "due", "2026-12-28", "10").strip() == "2027-01-12"
    invoke(runner, "calendar", "set", "2027-01-12", "holiday")
    assert invoke(runner, "calendar", "due", "2026-12-28", "10").strip() == "2027-01-13"
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert runner.invoke(args=["calendar", "import", str(bad)]).exit_code != 0


def test_users_create_token_and_demo_seed_is_idempotent(app, runner):
    invoke(runner, "users", "create", "clerk7", "--group", "petition_bureau", "--password", "s3cret-pass")
    user = app.extensions["service"].store.get_user("clerk7")
    assert user.groups == ["petition_bureau"] and user.password_hash.startswith("$argon2")
    assert len(invoke(runner, "users", "token", "clerk7").strip()) > 30
    invoke(runner, "demo", "seed")
    assert "none (already there)" in invoke(runner, "demo", "seed")
    admin = Actor.of("admin", ["admins"])
    assert len(app.extensions["service"].instances(admin, "hotline")) == 2
