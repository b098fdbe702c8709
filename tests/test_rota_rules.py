"""Reception days follow their variant's rules (the decision table reception_schedule): the date function the
diagram and the rota share, the rota's checks of a date, planning months by the rules (engine, page, CLI)."""
from __future__ import annotations

import datetime as dt

import pytest

from engine.access import Actor
from engine.reception import Rota, RotaError, import_csv
from engine.reception.dates import reception_days
from engine.workcal import HOLIDAY, WorkCalendar
from tests.conftest import login


@pytest.fixture
def sql_service(app):
    return app.extensions["service"]


def test_reception_days_of_each_kind_of_rule(service):
    cal = service.calendar.current()
    assert reception_days(cal, "2026-12", 4, -1, True, "previous_workday") == ["2026-12-25"]      # last Friday
    assert reception_days(cal, "2026-12", 1, 1, True, "next_workday") == ["2026-12-01"]           # first Tuesday
    assert reception_days(cal, "2026-10", 1, 1, True, "next_workday") == ["2026-10-08"]           # 10-06: holiday
    assert reception_days(cal, "2026-12", 0, 0, True, "next_workday") == [
        "2026-12-07", "2026-12-14", "2026-12-21", "2026-12-28"]                                   # every Monday
    weekdays = reception_days(cal, "2026-12", None, 0, True, "keep")                                # working days
    assert len(weekdays) == 23 and "2026-12-05" not in weekdays and "2026-12-31" in weekdays
    assert len(reception_days(cal, "2026-12", None, 0, False, "keep")) == 31                       # every day
    with pytest.raises(ValueError):
        reception_days(cal, "2026-12", 0, 5, True, "keep")                                        # no fifth Monday


def test_a_rest_day_moves_by_the_holiday_rule():
    cal = WorkCalendar({dt.date(2026, 12, 25): HOLIDAY})
    assert reception_days(cal, "2026-12", 4, -1, True, "previous_workday") == ["2026-12-24"]
    assert reception_days(cal, "2026-12", 4, -1, True, "next_workday") == ["2026-12-28"]         # over the weekend
    assert reception_days(cal, "2026-12", 4, -1, True, "keep") == ["2026-12-25"]


def test_a_date_off_the_rules_is_a_special_arrangement_with_its_reason(service):
    rota = Rota.of(service)                                            # today is 2026-11-23
    with pytest.raises(RotaError) as off:
        rota.add("linyi_bureau", "2026-12-22", "leader1")              # a Tuesday, not the last Friday
    assert off.value.fields == {"reception_date": "not a reception day under these rules"}
    with pytest.raises(RotaError) as no_reason:
        rota.add("linyi_bureau", "2026-12-22", "leader1", off_rule=True)
    assert no_reason.value.fields == {"note": "a special arrangement needs its reason"}
    entry = rota.add("linyi_bureau", "2026-12-22", "leader1", note="12-25 局长外出开会，提前接访", off_rule=True)
    assert entry.reception_date == "2026-12-22" and entry.note.startswith("12-25")
    with pytest.raises(RotaError) as passed:
        rota.add("linyi_bureau", "2026-10-30", "leader1")              # the last Friday of a month gone by
    assert passed.value.fields == {"reception_date": "the day has passed"}
    added, problems = import_csv(rota, "union,2026-12-03,leader1\n")   # a Thursday: the union receives Wednesdays
    assert added == 0 and problems == [(1, {"reception_date": "not a reception day under these rules"})]
    assert import_csv(rota, "union,2026-12-03,leader1,主席,,工会换届 改周四,1\n") == (1, [])


def test_plan_fills_months_with_the_rules_days_the_leaders_taking_turns(service):
    rota = Rota.of(service)
    added, skipped = rota.plan("linyi_bureau", "2026-12", 3, ["leader1", "head1"], "局领导")
    assert [(e.reception_date, e.leader) for e in added] == [
        ("2026-12-25", "leader1"), ("2027-01-29", "head1"), ("2027-02-26", "leader1")]
    assert skipped == 0 and added[0].start_on == "2026-12-11" and added[1].leader_title == "局领导"
    assert rota.plan("linyi_bureau", "2026-12", 3, ["leader1"]) == ([], 3)          # all on the rota already
    added, skipped = rota.plan("dongan_county", "2026-11", 1, ["leader1"])
    assert [e.reception_date for e in added] == ["2026-11-23", "2026-11-24", "2026-11-25", "2026-11-26",
                                                 "2026-11-27", "2026-11-30"]
    assert skipped == 15                                                           # the month's days gone by
    with pytest.raises(RotaError) as wrong:
        rota.plan("nowhere", "2026-13", 13, ["ghost"])
    assert set(wrong.value.fields) == {"variant", "first_month", "months", "leaders"}
    with pytest.raises(RotaError) as nobody:
        rota.plan("school", "2027-01", 1, [])
    assert nobody.value.fields == {"leaders": "choose the leaders"}
    assert len(rota.page(limit=100)[0]) == 9                                      # nothing added by a refusal


def test_the_rota_page_shows_the_rules_plans_and_explains_a_refused_date(app, sql_service):
    client = app.test_client()
    login(client, "petition1")
    page = client.get("/admin/rota").get_data(as_text=True)
    assert "每月最后一个星期五 09:00–11:00，局接访室，遇节假日提前到前一个工作日" in page
    assert "每周星期一 08:00–11:00" in page and 'name="first_month"' in page
    refused = client.post("/admin/rota", data={"variant": "linyi_bureau", "reception_date": "2026-12-22",
                                                "leader": "leader1"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "不是该接访制度的接访日" in text and "本月按规则为：2026-12-25" in text
    special = client.post("/admin/rota", data={"variant": "linyi_bureau", "reception_date": "2026-12-22",
                                                "leader": "leader1", "off_rule": "1", "note": "局长外出，提前"})
    assert special.status_code == 302
    planned = client.post("/admin/rota/plan", data={"variant": "linyi_bureau", "first_month": "2026-12",
                                                     "months": "2", "leaders": ["leader1", "head1"]})
    assert planned.status_code == 302
    page = client.get("/admin/rota").get_data(as_text=True)
    assert "已按规则排入 2 个接访日（2026-12-25 至 2027-01-29）" in page
    bad = client.post("/admin/rota/plan", data={"variant": "linyi_bureau", "first_month": "2026-12", "months": "40"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "1 至 12 个月" in text and "请选择参加轮值的领导" in text
    assert [e.reception_date for e in Rota.of(sql_service).page()[0]] == ["2026-12-22", "2026-12-25", "2027-01-29"]
    english = client.get("/admin/rota?lang=en").get_data(as_text=True)
    assert "the last Friday of every month 09:00–11:00" in english


def test_cli_plans_and_marks_a_special_arrangement(app, sql_service):
    runner = app.test_cli_runner()
    out = runner.invoke(args=["rota", "plan", "school", "2026-12", "--months", "1", "--leader", "leader1",
                              "--leader", "head1"])
    assert out.exit_code == 0, out.output
    assert "planned 4 day(s); skipped 0" in out.output and "2026-12-28 school head1" in out.output
    off = runner.invoke(args=["rota", "add", "school", "2026-12-08", "leader1"])
    assert off.exit_code != 0 and "not a reception day under these rules" in off.output
    special = runner.invoke(args=["rota", "add", "school", "2026-12-08", "leader1", "--special", "--note", "周一停电"])
    assert special.exit_code == 0, special.output


def test_only_leaders_are_offered_for_the_rota_and_the_duty(service):
    """The heads of units and the members of leadership units, not each unit's clerks (the pickers of the
    reception_day forms ask for the same with `"roles": ["head"]`)."""
    from engine.reception.rota import LEADER_TYPES
    rota = Rota.of(service)
    names = {u.name for u in rota.leaders()}
    assert {"leader1", "head1"} <= names and not names & {"dept1", "op1", "petition1", "review1", "town1"}
    assert {"dept1", "op1", "petition1"} <= {u.name for u in service.directory.people(LEADER_TYPES)}   # all members
    with pytest.raises(RotaError) as clerk:
        rota.add("linyi_bureau", "2026-12-25", "dept1")
    assert clerk.value.fields == {"leader": "not an active leader of the directory"}
    iid = service.start("reception_day", {}, Actor.of("petition1", ["petition_bureau"])).id
    task = next(t for t in service.ready_tasks(iid) if t.bpmn_id == "choose_variant")
    service.complete(task.task_id, {"variant": "linyi_bureau", "target_month": "2026-12"},
                     Actor.of("petition1", ["petition_bureau"]))
    plan = next(t for t in service.ready_tasks(iid) if t.bpmn_id == "plan_day")
    form = service.task(plan.task_id, Actor.of("petition1", ["petition_bureau"])).form
    offered = {c["const"] for c in form.schema["properties"]["duty_leader"]["oneOf"]}
    assert offered == names


def test_a_batch_with_a_day_taken_meanwhile_stores_nothing(store):
    """Memory, SQLite, PostgreSQL: the rota's batch insert is one transaction; a day already taken (another
    request won the race) is a RotaError naming the date, not a database error."""
    from engine.reception import RotaEntry
    first = RotaEntry("union", "2026-12-02", "leader1", start_on="2026-11-18")
    assert store.add_rota_entries([first]) and store.rota_days("union") == {"2026-12-02"}
    batch = [RotaEntry("union", "2026-12-09", "leader1", start_on="2026-11-25"),
             RotaEntry("union", "2026-12-02", "head1", start_on="2026-11-18")]
    with pytest.raises(RotaError) as taken:
        store.add_rota_entries(batch)
    assert taken.value.fields == {"reception_date": "this reception already has a leader on the rota"}
    assert store.rota_days("union") == {"2026-12-02"}
    ids = store.add_rota_entries(batch[:1] + [RotaEntry("union", "2026-12-16", "head1", start_on="2026-12-02")])
    assert [store.get_rota_entry(i).reception_date for i in ids] == ["2026-12-09", "2026-12-16"]


def test_a_half_done_rule_is_described_not_a_crash(app):
    from webapp.rota_admin import describe
    with app.test_request_context():
        assert describe({"weekday": 9, "which_week": -1}) == "（日期规则不完整）"
        assert describe({"weekday": "4", "which_week": -1}) == "（日期规则不完整）"
        assert describe({"weekday": 4, "which_week": -1, "start_time": "09:00"}) == "每月最后一个星期五 09:00"
