"""Figures with known answers: hotline tickets walked through the real diagram on a moving clock, then every
figure checked against the count worked out by hand below (on every store: memory, SQLite, PostgreSQL).

The 2026 holiday table matters here: Mid-Autumn 09-25, National Day 10-01..10-07, make-up workday Sat 10-10.
5 working days after Mon 09-28 is therefore Sat 10-10 (not 10-05), after Tue 09-29 Mon 10-12, after Thu 10-08
Wed 10-14, after Mon 10-12 Mon 10-19, after Tue 10-13 Tue 10-20, after Wed 10-14 Wed 10-21."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from engine.access import Actor
from engine.service import NotAllowed
from engine.stats.bulletins import issue
from tests.conftest import ROOT, make_service
from tests.walk import china, do, ready
from webapp.demo import EXAMPLES

OP = Actor.of("op1", ["operators"])
REVIEWER = Actor.of("rev1", ["reviewers"])
DEPT1 = Actor.of("dept1", ["dept:住建局"])
DEPT2 = Actor.of("dept2", ["dept:人社局"])
LEADER = Actor.of("leader1", ["leaders"])
UNITS = {"住建局": DEPT1, "人社局": DEPT2}
PERIOD = {"process": "hotline", "start": "2026-09-28", "end": "2026-10-16"}
SATISFIED = {"callback_at": "2026-09-01T09:00:00+08:00", "reached": True, "caller_satisfied": "satisfied",
             "result_verified": "true"}   # typed-in times are not counted
CALLERS = []                      # (name, phone, address) of every case, for the de-identification check


def at(service, month, day, hour=9, minute=0):
    service.clock.set(china(month, day, hour, minute))


def register(service, n, when, channel="phone_12345", locality="兰江街道", **changes):
    at(service, *when)
    caller = (f"来电人{n}号", f"1390000{n:04d}", f"{locality}幸福路{n}号")
    CALLERS.append(caller)
    rec = service.start("hotline", {}, OP)
    do(service, rec.id, "register", OP, {**EXAMPLES[0], "channel": channel, "locality": locality,
                                         "caller_name": caller[0], "caller_phone": caller[1],
                                         "caller_unit_or_address": caller[2], **changes})
    return rec.id


def dispatch(service, iid, unit, when):
    at(service, *when)
    do(service, iid, "dispatch", OP, {"lead_unit": unit, "co_units": [], "requirements": "请核查并答复",
                                      "deadline_class": "general_5wd"})
    return service.store.get_instance(iid).data["due_date"]


def accept(service, iid, unit, when, decision="accept"):
    at(service, *when)
    data = {"decision": decision} if decision == "accept" else {"decision": "return", "return_reason": "不属本单位职责"}
    do(service, iid, "accept", UNITS[unit], data)


def reply(service, iid, unit, when):
    at(service, *when)
    do(service, iid, "handle", UNITS[unit], {"action": "reply", "result_text": "已处理", "measures_taken": "现场核查",
                                             "caller_feedback_done": True, "feedback_method": "phone",
                                             "completed_at": "2026-09-01"})   # typed-in dates are not counted


def review(service, iid, when, decision="accept"):
    at(service, *when)
    do(service, iid, "review_reply", REVIEWER, {"review_decision": decision, "review_comment": "答复不具体"})


def close(service, iid, when, callback=SATISFIED):
    at(service, *when)
    do(service, iid, "callback", REVIEWER, callback)
    do(service, iid, "archive", REVIEWER, {"archive_no": f"RX-{iid[:6]}"})


def seeded(service) -> dict:
    """The tickets; the comment on each says what it must count as."""
    c = {}
    # C1 住建局: due 10-10 (the National Day holidays inside the deadline), answered 10-09: on time, satisfied
    c[1] = register(service, 1, (9, 28))
    assert dispatch(service, c[1], "住建局", (9, 28)) == "2026-10-10"
    accept(service, c[1], "住建局", (9, 28, 11))                              # 120 minutes to 签收
    reply(service, c[1], "住建局", (10, 9))
    review(service, c[1], (10, 9, 15))
    close(service, c[1], (10, 9, 16))
    # C2 人社局: due 10-12, answered 10-14: late by 2 working days (10-13, 10-14), satisfied
    c[2] = register(service, 2, (9, 29), locality="云山街道")
    assert dispatch(service, c[2], "人社局", (9, 29)) == "2026-10-12"
    accept(service, c[2], "人社局", (9, 29, 10))                              # 60 minutes
    reply(service, c[2], "人社局", (10, 14))
    review(service, c[2], (10, 14, 15))
    close(service, c[2], (10, 14, 16))
    # C3 住建局 (mailbox): due 10-12 extended to 10-15, answered 10-14: on time thanks to the extension
    c[3] = register(service, 3, (9, 29), channel="mailbox_email")
    dispatch(service, c[3], "住建局", (9, 29))
    accept(service, c[3], "住建局", (9, 29, 9, 30))                           # 30 minutes
    at(service, 10, 9)
    do(service, c[3], "handle", DEPT1, {"action": "request_extension", "extension_reason": "需协调",
                                        "expected_completion_date": "2026-10-15", "caller_informed": True})
    do(service, c[3], "extension_review", REVIEWER, {"extension_decision": "approve"})
    reply(service, c[3], "住建局", (10, 14))
    review(service, c[3], (10, 14, 15))
    close(service, c[3], (10, 14, 16))
    # C4 人社局: answered 10-13, redo ordered 10-13 (new due 10-20), answered again 10-15: on time;
    # unsatisfied but the unit did its duty and the demand was excessive: 视为办结
    c[4] = register(service, 4, (10, 12), locality="云山街道")
    assert dispatch(service, c[4], "人社局", (10, 12)) == "2026-10-19"
    accept(service, c[4], "人社局", (10, 12, 10))                             # 60 minutes
    reply(service, c[4], "人社局", (10, 13))
    review(service, c[4], (10, 13, 11), decision="redo")
    assert service.store.get_instance(c[4]).data["due_date"] == "2026-10-20"
    reply(service, c[4], "人社局", (10, 15))
    review(service, c[4], (10, 15, 11))
    close(service, c[4], (10, 15, 12), {**SATISFIED, "caller_satisfied": "unsatisfied", "unit_fulfilled_duty": True,
                                        "demand_excessive": True})
    # C5 住建局: due 10-14, never answered; overdue timer fires, 效能办's 建议书, the centre supervises and refers it
    # to petition supervision: open overdue 2 days
    c[5] = register(service, 5, (10, 8))
    assert dispatch(service, c[5], "住建局", (10, 8)) == "2026-10-14"
    accept(service, c[5], "住建局", (10, 8, 13))                              # 240 minutes
    at(service, 10, 15, 9)
    while service.fire_due_timers():
        pass
    do(service, c[5], "efficiency_notice", Actor.of("eff1", ["efficiency_office"]), {
        "doc_no": "兰效建〔2026〕1号", "issued_at": "2026-10-15", "notice_units": ["住建局"],
        "required_completion_date": "2026-10-16", "notice_content": "限期办结"})
    do(service, c[5], "overdue_supervise", REVIEWER, {"supervision_note": "已督办", "refer_to_supervision": True})
    # C6 (mailbox, 云山街道): answered on the spot, no deadline
    c[6] = register(service, 6, (10, 13), channel="mailbox_email", locality="云山街道",
                    handling_mode="immediate_answer")
    do(service, c[6], "immediate_answer", OP, {"answer_text": "已当即答复"})
    do(service, c[6], "archive", REVIEWER, {"archive_no": "RX-6"})                  # archived with its number
    # C7: 住建局 returns it, it goes to 人社局 who accepts (180 minutes after the first dispatch); open
    c[7] = register(service, 7, (10, 14), locality="云山街道")
    dispatch(service, c[7], "住建局", (10, 14))
    accept(service, c[7], "住建局", (10, 14, 10), decision="return")
    dispatch(service, c[7], "人社局", (10, 14, 11))
    accept(service, c[7], "人社局", (10, 14, 12))
    # C8: before the period (answered on the spot on 09-21), must not be counted
    c[8] = register(service, 8, (9, 21), handling_mode="immediate_answer")
    do(service, c[8], "immediate_answer", OP, {"answer_text": "已当即答复"})
    do(service, c[8], "archive", REVIEWER, {"archive_no": "RX-8"})
    at(service, 10, 16, 18)                                                   # "today" for the figures
    return c


@pytest.fixture
def walked(store, clock):
    service = make_service(store, clock)
    return service, seeded(service)


def case_nos(service, ids):
    return sorted(service.store.get_instance(i).data["case_no"] for i in ids)


def test_every_figure_matches_the_hand_count(walked):
    service, c = walked
    f = service.figures.dashboard(LEADER, **PERIOD)
    counts = {k: f[k] for k in ("cases", "closed", "dispatched", "accepted", "returned", "handled", "on_time", "late",
                                "open_overdue", "overdue", "overdue_days", "extended", "redone", "callback",
                                "satisfied", "deemed_closed", "supervised", "closed_with_deadline")}
    assert counts == {"cases": 7, "closed": 5, "dispatched": 6, "accepted": 6, "returned": 1, "handled": 4,
                      "on_time": 3, "late": 1, "open_overdue": 1, "overdue": 2, "overdue_days": 4, "extended": 1,
                      "redone": 1, "callback": 4, "satisfied": 3, "deemed_closed": 1, "supervised": 1,
                      "closed_with_deadline": 4}
    rates = {k: f[k] for k in ("on_time_rate", "satisfaction_rate", "acceptance_rate", "return_rate", "redo_rate",
                               "callback_rate", "closure_rate", "accept_hours")}
    assert rates == {"on_time_rate": 75.0, "satisfaction_rate": 75.0, "acceptance_rate": 100.0,
                     "return_rate": 16.7, "redo_rate": 25.0, "callback_rate": 100.0, "closure_rate": 71.4,
                     "accept_hours": 1.9}                                     # 690 minutes / 6 = 1.92 h
    assert f["by_channel"] == {"12345电话": 5, "市长信箱": 2}
    assert f["by_township"] == {"云山街道": 4, "兰江街道": 3}
    assert [(u["unit"], u["cases"], u["closed"], u["on_time_rate"], u["overdue"], u["satisfaction_rate"])
            for u in f["by_unit"]] == [("住建局", 3, 2, 100.0, 1, 100.0), ("人社局", 3, 2, 50.0, 1, 50.0)]
    assert [(w["period"], w["cases"]) for w in f["trend"]["week"]] == [
        ("2026-09-28", 3), ("2026-10-05", 1), ("2026-10-12", 3)]
    assert [(m["period"], m["cases"], m["closed"]) for m in f["trend"]["month"]] == [
        ("2026-09", 3, 3), ("2026-10", 4, 2)]
    assert f["supervision"]["opened"] == 1                    # C5's overdue, referred, started a supervision case


def test_each_number_lists_the_cases_behind_it(walked):
    service, c = walked
    cases = lambda figure, **kw: case_nos(service, [r["instance_id"] for r in  # noqa: E731
                                                    service.figures.cases(LEADER, figure, **PERIOD, **kw)])
    assert cases("overdue") == case_nos(service, [c[2], c[5]])
    assert cases("on_time") == case_nos(service, [c[1], c[3], c[4]])
    assert cases("on_time", dim="unit", value="人社局") == case_nos(service, [c[4]])
    assert cases("cases", dim="channel", value="市长信箱") == case_nos(service, [c[3], c[6]])
    assert cases("deemed_closed") == case_nos(service, [c[4]])
    assert cases("cases", dim="started_week", value="2026-10-05") == case_nos(service, [c[5]])
    assert len(cases("cases")) == 7 and case_nos(service, [c[8]])[0] not in cases("cases")


def test_a_unit_sees_only_its_own_figures(walked):
    service, c = walked
    mine = service.figures.dashboard(DEPT1, **PERIOD)
    assert (mine["cases"], mine["on_time"], mine["overdue"]) == (3, 2, 1)
    assert [u["unit"] for u in mine["by_unit"]] == ["住建局"]
    assert {r["unit"] for r in service.figures.cases(DEPT1, "cases", **PERIOD)} == {"住建局"}
    with pytest.raises(NotAllowed):
        service.figures.dashboard(DEPT1, unit="人社局", **PERIOD)
    with pytest.raises(NotAllowed):
        service.figures.dashboard(OP, **PERIOD)                                # operators have no figures


def test_bulletins_are_numbered_stored_as_issued_and_de_identified(walked):
    service, c = walked
    first = issue(service.figures, "hotline_work", dt.date(2026, 9, 28), dt.date(2026, 10, 16), "rev1")
    weekly = issue(service.figures, "weekly_demands", dt.date(2026, 10, 12), dt.date(2026, 10, 18), "petition1")
    second = issue(service.figures, "hotline_work", dt.date(2026, 10, 1), dt.date(2026, 10, 16), "rev1")
    assert (first.no, second.no, weekly.no) == ("GZDT-2026-001", "GZDT-2026-002", "SQDT-2026-001")
    assert first.content["issue_label"] == "2026年第1期"
    assert first.content["totals"]["cases"] == 7 and first.content["totals"]["on_time_rate"] == 75.0
    assert {u["unit"]: u["on_time_rate"] for u in first.content["units"]} == {"人社局": 50.0, "住建局": 100.0}
    assert weekly.content["procedures"]["hotline"]["totals"]["cases"] == 3

    reply(service, c[7], "人社局", (10, 16, 17))                               # cases move on after the issue...
    assert service.figures.dashboard(LEADER, **PERIOD)["handled"] == 5
    stored = service.store.get_bulletin(first.no)                             # ...the issue stays as published
    assert stored.content == first.content and stored.content_hash == first.content_hash
    for bulletin in (first, weekly, second):
        text = json.dumps(service.store.get_bulletin(bulletin.no).content, ensure_ascii=False)
        leaks = [value for caller in CALLERS for value in caller if value in text]
        assert leaks == [], f"{bulletin.no} names {leaks}"


def test_assessment_scores_units_with_the_weights_a_designer_deployed(walked):
    """Year weights (DMN): on time 35, satisfied 30, 签收 10, not redone 10, reception 15; nothing to count = full.
    住建局: 2/2 on time, 2/2 satisfied, 3/3 accepted, 0/2 redone, no reception cases -> 100.
    人社局: 1/2 on time, 1/2 satisfied, 3/3 accepted, 1/2 redone -> 17.5 + 15 + 10 + 5 + 15 = 62.5."""
    from engine.stats.assessment import assessment
    service, c = walked
    table = assessment(service, None, "year", 2026, 1)
    assert [(r["rank"], r["unit"], r["score"]) for r in table["rows"]] == [(1, "住建局", 100.0), (2, "人社局", 62.5)]
    assert table["weights"]["w_on_time"] == 35
    dmn = (ROOT / "processes" / "unit_assessment.dmn").read_text("utf-8")
    changed = dmn.replace('<outputEntry id="unit_assessment_weights_r1_o1"><text>35</text>',
                          '<outputEntry id="unit_assessment_weights_r1_o1"><text>55</text>')
    files = dict(service.current("unit_assessment")[1].bundle.files)     # a version is the whole set of files
    service.deploy_files("unit_assessment", {**files, "unit_assessment.dmn": changed}, "designer1", "权重调整")
    rows = assessment(service, None, "year", 2026, 1)["rows"]
    assert [(r["unit"], r["score"]) for r in rows] == [("住建局", 120.0), ("人社局", 72.5)]
    assert [r["unit"] for r in assessment(service, ("人社局",), "year", 2026, 1)["rows"]] == ["人社局"]


def test_reception_cases_progress_and_the_monthly_bulletin(service):
    """Three cases from a reception day on 11-23: one assigned (deadline 12-04) and closed with its 回复单 on 12-02,
    one answered on the spot, one assigned (deadline 12-04) and still open on 12-08: overdue 2 working days."""
    from tests import test_reception as r
    closed = r.received(service)
    do(service, closed, "leader_reception", r.LEADER, r.ASSIGN)
    data = service.task(ready(service, closed)["assignment_notice"].task_id, r.BUREAU).data
    do(service, closed, "assignment_notice", r.BUREAU, {**r.NOTICE, **{k: data[k] for k in (
        "assigned_units", "lead_unit", "deadline", "leader_instruction")}})
    do(service, closed, "co_opinion", r.DEPT2, {"co_opinion": "配合"})
    do(service, closed, "handle", r.DEPT1, r.HANDLE)
    do(service, closed, "feedback", r.DEPT1, r.FEEDBACK)
    at(service, 12, 2)
    do(service, closed, "reply_slip", r.DEPT1, r.SLIP)
    do(service, closed, "archive", r.BUREAU, {"archive_no": "JA-1", "closed_at": "2026-12-03T09:00:00+08:00"})
    at(service, 11, 23)
    spot = r.received(service)
    do(service, spot, "leader_reception", r.LEADER, {"leader_opinion": "resolved_on_spot", "instruction_text": "当场答复",
                                                     "written_answer_given": True})
    do(service, spot, "archive_on_spot", r.BUREAU, {"answer_summary": "当场解释", "archive_no": "JA-2",
                                                    "closed_at": "2026-11-23T11:00:00+08:00"})
    still_open = r.noticed(service)
    at(service, 12, 8, 10)
    f = service.figures.dashboard(LEADER, "hotline", "2026-11-01", "2026-11-30")["reception"]
    assert (f["cases"], f["closed"], f["closed_with_slip"], f["overdue"], f["on_time_rate"]) == (3, 2, 1, 1, 100.0)
    overdue = service.figures.summary(service.figures.filter_for(LEADER, "reception_case", "2026-11-01", "2026-11-30"))
    assert overdue["overdue_days"] == 2                                       # 12-07, 12-08
    bulletin = issue(service.figures, "reception_monthly", dt.date(2026, 11, 1), dt.date(2026, 11, 30), "petition1")
    progress = {p["case_no"]: (p["status"], p["overdue"], p["reply_slip"]) for p in bulletin.content["cases"]}
    number = lambda iid: service.store.get_instance(iid).data["case_no"]    # noqa: E731
    assert progress == {number(closed): ("已办结", False, True), number(spot): ("已办结", False, False),
                        number(still_open): ("在办", True, False)}
    text = json.dumps(bulletin.content, ensure_ascii=False)
    assert not [v for v in (r.CASE["visitor_name"], r.CASE["phone"], r.CASE["address"]) if v in text]


def test_a_reception_day_counts_as_held_with_its_visitors():
    """The fold itself (pure): a reception day closed with 3 visitors and 2 cases, counted on its own date."""
    from engine.stats.facts import next_fact
    from engine.store import Event, InstanceRecord
    started = china(11, 20)
    rec = InstanceRecord("d1", "reception_day", 1, "h", "running", "", {}, created_at=started)
    first = next_fact(None, rec, [Event("d1", 0, started, "started", "bureau", None, None, {},
                                        {"status": "running", "data": {"case_no": "JF1"}}, "")])
    assert (first["held"], str(first["started_on"])) == (0, "2026-11-20")
    rec.status = "completed"
    done = next_fact(first, rec, [Event("d1", 9, china(12, 25, 11), "task_completed", "bureau", "close_day", "t", {},
                                        {"status": "completed", "data": {
                                            "case_no": "JF1", "outcome": "day_closed", "reception_date": "2026-12-25",
                                            "visitor_count": 3, "case_count": 2}}, "")])
    assert (done["held"], done["visitor_count"], done["case_count"], str(done["started_on"])) == (1, 3, 2, "2026-12-25")
    assert (done["closed"], str(done["closed_on"])) == (1, "2026-12-25")


def test_rebuilding_from_the_event_log_gives_the_same_figures(walked):
    from engine.stats.figures import rebuild_facts
    service, c = walked
    before = service.figures.dashboard(LEADER, **PERIOD)
    rebuilt = rebuild_facts(service.store)
    assert rebuilt == len(service.store.list_instances(limit=1000))
    assert service.figures.dashboard(LEADER, **PERIOD) == before


def test_a_petition_counts_its_approved_extension_and_has_no_acceptance_step(service):
    """A visit assigned to 住建局 on 11-23 (due 2027-01-22, 60 days), extended by 20 days to 02-11, answered
    02-05 (after the original deadline): not overdue; 基本满意 counts as satisfied; no 签收 step, no 签收率."""
    from tests import test_petition_case as p
    iid = p.at_handle(service)
    do(service, iid, "handle", p.DEPT, {"handle_action": "request_extension", "extension_reason": "需现场测绘",
                                        "extension_days": 20})
    do(service, iid, "extension_approval", p.HEAD, {"extension_approved": True, "approver": "局长"})
    do(service, iid, "notify_extension", p.DEPT, {"petitioner_notified": True, "notified_on": "2026-11-25",
                                                  "notify_method": "phone", "notified_reason": "需现场测绘"})
    service.clock.set(china(2, 5, year=2027))
    do(service, iid, "handle", p.DEPT, p.REPLY)
    do(service, iid, "callback", p.BUREAU, {**p.CALLBACK, "petitioner_satisfied": "basically"})
    fact = service.store.fact(iid)
    assert (fact["channel"], fact["unit"], fact["matter_type"]) == ("来访", "住建局", "livelihood_support")
    assert (str(fact["due_date"]), str(fact["replied_on"]), fact["late"], fact["extended"]) == (
        "2027-02-11", "2027-02-05", 0, 1)
    f = service.figures.dashboard(LEADER, "petition_case", "2026-11-01", "2026-11-30")
    assert (f["cases"], f["dispatched"], f["overdue"], f["satisfaction_rate"], f["acceptance_rate"]) == (
        1, 1, 0, 100.0, None)
