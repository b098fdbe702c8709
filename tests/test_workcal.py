"""Working days: packaged holidays, make-up workdays, admin edits, years after the package ends."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from engine.calendar_service import CalendarService
from engine.store import MemoryStore
from engine.workcal import WorkCalendar


@pytest.fixture
def calendar():
    cal = CalendarService(MemoryStore())
    cal.seed_from_package()
    return cal


def test_national_day_holiday_and_make_up_workday(calendar):
    # 2026-09-30 (Wed) + 1 WD skips the National Day holiday (10-01..10-07); 10-10 (Sat) is a make-up workday
    assert calendar.due("2026-09-30", 1) == dt.date(2026, 10, 8)
    assert calendar.due("2026-10-09", 1) == dt.date(2026, 10, 10)


def test_plain_weekend(calendar):
    assert calendar.due("2026-11-20", 1) == dt.date(2026, 11, 23)   # Friday -> Monday
    assert calendar.current().working_days_after("2026-11-23", -1) == dt.date(2026, 11, 20)


def test_after_the_packaged_calendar_weekends_only_with_a_warning(calendar):
    due = calendar.due("2026-12-28", 10)
    assert due == dt.date(2027, 1, 11)          # no 2027 holidays known: Mon 12-28 + 10 weekdays
    assert calendar.warnings(dt.date(2026, 12, 28), due) == [2027]
    calendar.import_year(json.dumps({"year": 2027, "holidays": ["2027-01-01"], "workdays": []}))
    assert calendar.due("2026-12-28", 10) == dt.date(2027, 1, 12)
    assert calendar.warnings(due) == []


def test_admin_edit_and_bad_import(calendar):
    calendar.set_day("2026-11-24", "holiday")
    assert calendar.due("2026-11-23", 1) == dt.date(2026, 11, 25)
    calendar.set_day("2026-11-24", None)
    assert calendar.due("2026-11-23", 1) == dt.date(2026, 11, 24)
    with pytest.raises(ValueError, match="outside 2027"):
        calendar.import_year(json.dumps({"year": 2027, "holidays": ["2028-01-01"]}))
    with pytest.raises(ValueError):
        calendar.set_day("2026-11-24", "vacation")


def test_calendar_is_plain_data():
    cal = WorkCalendar({dt.date(2030, 1, 1): "holiday"}, {2030})
    assert not cal.is_workday("2030-01-01") and cal.is_workday("2030-01-02")
    assert cal.missing_years("2030-05-01", "2031-01-01") == [2031]


def test_calendar_day_period_rolls_forward_over_holidays_not_over_make_up_workdays(calendar):
    cal = calendar.current()
    # 2026-09-01 + 30 days = 10-01 (National Day): the period ends on the first working day after, 10-08
    assert cal.calendar_deadline("2026-09-01", 30) == dt.date(2026, 10, 8)
    # + 39 days = 10-10, a Saturday that is a make-up workday (调休上班): not moved
    assert cal.calendar_deadline("2026-09-01", 39) == dt.date(2026, 10, 10)
    assert cal.calendar_deadline("2026-11-20", 1) == dt.date(2026, 11, 23)     # Saturday -> Monday
    assert cal.calendar_deadline("2026-11-23", 0) == dt.date(2026, 11, 23)     # not a period: unchanged
    assert cal.calendar_deadline("2026-11-30", -1) == dt.date(2026, 11, 29)    # counted back: unchanged
    calendar.set_day("2026-11-24", "holiday")                                  # as `calendar set` does
    assert calendar.current().calendar_deadline("2026-11-23", 1) == dt.date(2026, 11, 25)
