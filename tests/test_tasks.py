"""Worklist rows: when a task is due, and what a broken designer expression does (hide more, not less)."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from engine.sandbox.scripting import make_script_engine
from engine.tasks import HIDDEN, fields_masked_for, mask, parse_due
from engine.workcal import WorkCalendar

UTC = dt.timezone.utc


@pytest.mark.parametrize("value, due", [
    (None, None), ("", None),
    ("2026-11-30", dt.datetime(2026, 11, 30, 15, 59, 59, tzinfo=UTC)),            # end of that day in China
    ("2026-11-30T09:00:00", dt.datetime(2026, 11, 30, 1, 0, tzinfo=UTC)),         # no zone: China time
    ("2026-11-30T09:00:00+00:00", dt.datetime(2026, 11, 30, 9, 0, tzinfo=UTC)),
])
def test_due_times(value, due):
    assert parse_due(value) == due                  # equal aware datetimes: the same instant


def test_a_bad_due_time_is_an_error_not_a_guess():
    with pytest.raises(ValueError):
        parse_due("2026-13-45")


def engine():
    return make_script_engine(lambda: dt.datetime(2026, 11, 23, tzinfo=UTC), lambda: WorkCalendar())


def compiled_with_mask(expression):
    task = SimpleNamespace(expressions={"maskFields": expression} if expression else {})
    return SimpleNamespace(user_tasks={"accept": task})


DATA = {"caller_name": "王女士", "caller_phone": "13800000001", "content_summary": "噪音", "confidential": True}


def test_mask_hides_exactly_the_listed_fields():
    assert mask(DATA, ["caller_phone"]) == {**DATA, "caller_phone": HIDDEN}
    assert mask(DATA, []) == DATA


def test_the_mask_expression_decides_which_fields_are_hidden():
    compiled = compiled_with_mask('["caller_phone"] if confidential else []')
    assert fields_masked_for(engine(), compiled, "accept", DATA) == ["caller_phone"]
    assert fields_masked_for(engine(), compiled, "accept", {**DATA, "confidential": False}) == []
    assert fields_masked_for(engine(), compiled_with_mask(None), "accept", DATA) == []
    assert fields_masked_for(engine(), compiled, "unknown_task", DATA) == []


def test_a_broken_mask_expression_hides_every_caller_field(caplog):
    import logging
    compiled = compiled_with_mask("caller_fields_of(confidential)")        # no such function at run time
    with caplog.at_level(logging.WARNING, logger="engine.tasks"):
        assert fields_masked_for(engine(), compiled, "accept", DATA) == ["caller_name", "caller_phone"]
    assert [r.getMessage() for r in caplog.records] == [
        "task accept: maskFields failed: name 'caller_fields_of' is not defined"]


def test_a_due_time_is_in_utc_whatever_the_server_zone(monkeypatch):
    import time
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        assert parse_due("2026-11-30T09:00:00").utcoffset() == dt.timedelta(0)
    finally:
        monkeypatch.undo()
        time.tzset()


def runner_with(*ready):
    env = engine().environment
    return SimpleNamespace(ready_tasks=lambda: list(ready), evaluate=lambda expression, data: env.evaluate(expression, data))


def ready_task(task_id, bpmn_id, data):
    return SimpleNamespace(id=task_id, bpmn_id=bpmn_id, name=f"title {bpmn_id}", lane=f"lane {bpmn_id}", data=data)


def test_each_ready_task_becomes_a_row_with_its_groups_and_due_time():
    from engine.tasks import task_rows
    accept = SimpleNamespace(expressions={"candidateGroups": '[dept, "admins"]', "dueAt": "deadline"})
    compiled = SimpleNamespace(user_tasks={"accept": accept})
    now = dt.datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    runner = runner_with(ready_task("t1", "accept", {"dept": "water", "deadline": "2026-11-30"}),
                         ready_task("t2", "manual", {}))
    one, two = task_rows(runner, compiled, "i1", "hotline", "case title", now)
    assert vars(one) == {"task_id": "t1", "instance_id": "i1", "process_key": "hotline", "bpmn_id": "accept",
                         "title": "title accept", "lane": "lane accept", "groups": ["admins", "water"],
                         "case_title": "case title", "due_at": dt.datetime(2026, 11, 30, 15, 59, 59, tzinfo=UTC),
                         "status": "ready", "created_at": now, "assignee": None, "due_rule": None}
    assert (two.task_id, two.groups, two.due_at, two.lane) == ("t2", ["admins"], None, "lane manual")


def test_a_broken_group_or_due_expression_falls_back_and_is_logged(caplog):
    import logging
    from engine.tasks import task_rows
    accept = SimpleNamespace(expressions={"candidateGroups": "no_such", "dueAt": '"2026-13-45"'})
    runner = runner_with(ready_task("t1", "accept", {}))
    with caplog.at_level(logging.WARNING, logger="engine.tasks"):
        [row] = task_rows(runner, SimpleNamespace(user_tasks={"accept": accept}), "i1", "hotline", "", None)
    assert (row.groups, row.due_at) == (["admins"], None)
    assert [r.getMessage() for r in caplog.records] == [
        "task accept: candidateGroups = 'no_such' failed: name 'no_such' is not defined"]
