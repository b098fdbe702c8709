"""Worklist rows: when a task is due, and what a broken designer expression does (hide more, not less)."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from engine.scripting import make_script_engine
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


def test_a_broken_mask_expression_hides_every_caller_field():
    compiled = compiled_with_mask("caller_fields_of(confidential)")        # no such function at run time
    assert fields_masked_for(engine(), compiled, "accept", DATA) == ["caller_name", "caller_phone"]
