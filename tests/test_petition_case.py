"""The petition case (信访事项办理) diagram walked through the service layer, as its users would see it."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from engine.access import Actor
from tests.walk import do, inbox, ready, service_with
from engine.library import Bundle, bundle_from_directory
from engine.directory import DirectoryError
from engine.service import InvalidData, NotAllowed

ROOT = Path(__file__).resolve().parent.parent
CHINA = dt.timezone(dt.timedelta(hours=8))
KEY = "petition_case"

BUREAU = Actor.of("xf1", ["petition_bureau"])
LEADER = Actor.of("leader1", ["leaders"])
HEAD = Actor.of("head1", ["dept:住建局"])          # 住建局负责人 in the demo directory
DEPT = Actor.of("zj1", ["dept:住建局"])
OTHER_DEPT = Actor.of("rs1", ["dept:人社局"])
REVIEWER = Actor.of("fc1", ["review_organ"])
REREVIEWER = Actor.of("fh1", ["rereview_organ"])
AUDITOR = Actor.of("audit1", ["auditors"])

REGISTER = {"channel": "visit", "received_on": "2026-11-23", "petitioner_name": "张三", "phone": "13800000001",
            "address": "兰山区某街道", "summary": "申请低保一年未获答复", "petition_class": "claim",
            "category": "livelihood_support", "persons_count": 1}
ACCEPT = {"within_competence": True, "notice_no": "XF告〔2026〕1号", "notice_date": "2026-11-24",
          "notice_method": "mail", "notice_content": "你反映的事项已予受理"}
ASSIGN = {"assign_mode": "assign", "lead_unit": "住建局", "instruction": "请调查核实并书面答复"}
REPLY = {"handle_action": "reply", "investigation": "经查，材料已补齐", "met_petitioner": True,
         "reply_outcome": "解释说明", "reasoning": "依政策解释", "reply_doc_no": "住建答〔2026〕1号",
         "served_at": "2026-12-01T10:00:00+08:00", "service_method": "in_person", "appeal_info_given": True}
CO_OPINION = {"co_unit_opinion": "申请人符合低保条件，人社局配合核实收入", "co_unit_measures": "已调取社保记录"}
CALLBACK = {"callback_at": "2026-11-23T08:00:00+08:00", "callback_method": "phone", "reached": True,
            "petitioner_satisfied": "unsatisfied"}
ARCHIVE = {"archive_no": "XF-2026-0001", "closed_on": "2027-02-10", "number_closed": True, "reply_slip_received": True}
REVIEW_REQUEST = {"review_requested_on": "2026-12-10", "review_organ_name": "市住房和城乡建设局"}
REVIEW = {"review_outcome": "upheld", "review_opinion": "维持原处理意见", "review_doc_no": "复查〔2026〕1号",
          "review_served_at": "2026-12-20T10:00:00+08:00", "review_appeal_info_given": True}
REREVIEW_REQUEST = {"rereview_requested_on": "2026-12-25", "rereview_organ_name": "市人民政府"}
DECIDE = {"rereview_action": "decide", "rereview_outcome": "upheld", "rereview_opinion": "维持复查意见",
          "rereview_doc_no": "复核〔2027〕1号", "rereview_served_at": "2027-02-05T10:00:00+08:00"}


def china(year, month, day, hour=9, minute=0):
    return dt.datetime(year, month, day, hour, minute, tzinfo=CHINA)


def end_of(year, month, day):
    return dt.datetime(year, month, day, 23, 59, 59, tzinfo=CHINA)


@pytest.fixture
def service():
    return service_with(KEY)








def registered(service, **changes) -> str:
    rec = service.start(KEY, {}, BUREAU)
    assert rec.data["case_no"].startswith("XF20261123-") and inbox(service, BUREAU, rec.id) == {"register"}
    do(service, rec.id, "register", BUREAU, {**REGISTER, **changes})
    return rec.id


def at_handle(service, **changes) -> str:
    """A visit accepted on Monday 2026-11-23 and assigned to 住建局: due 60 CD later, 2027-01-22."""
    iid = registered(service, **changes)
    do(service, iid, "accept_decision", BUREAU, ACCEPT)
    do(service, iid, "assign", BUREAU, ASSIGN)
    assert set(ready(service, iid)) == {"handle"} and ready(service, iid)["handle"].due_at == end_of(2027, 1, 22)
    return iid


def at_review_wait(service) -> str:
    """Reply served 2026-12-01: the petitioner may ask for review until 2026-12-31."""
    iid = at_handle(service)
    do(service, iid, "handle", DEPT, REPLY)
    do(service, iid, "callback", BUREAU, CALLBACK)
    wait = ready(service, iid)["record_review_request"]
    assert wait.due_at == end_of(2026, 12, 31) and wait.groups == ["petition_bureau"]
    return iid


def sent(service, iid) -> list[str]:
    return [name for e in service.store.events(iid) for name in e.result.get("sent", [])]


def payloads(service, trigger) -> list[dict]:
    # the memory store keeps every thrown message (petition_supervision is not deployed here: unrouted)
    return [m.payload for m in service.store._messages.values()
            if m.name == "petition_supervision" and m.payload["trigger"] == trigger]


# 1 ---------------------------------------------------------------------------------------------
def test_letter_endorsed_handled_and_closed_when_no_review_is_requested(service):
    iid = registered(service, channel="letter")
    endorse = ready(service, iid)["leader_endorse"]
    assert (endorse.groups, endorse.due_at) == (["leaders"], end_of(2026, 11, 23))   # 当日批复
    assert inbox(service, LEADER, iid) == {"leader_endorse"} and inbox(service, BUREAU, iid) == set()
    service.clock.set(china(2026, 11, 24, 8))
    assert service.fire_due_timers() == [(iid, ["当日未批复催办"])]
    assert set(ready(service, iid)) == {"leader_endorse"}
    do(service, iid, "leader_endorse", LEADER, {"endorsement": "请信访局依法受理", "endorsed_by": "王局长"})

    accept = ready(service, iid)["accept_decision"]
    assert (accept.groups, accept.due_at) == (["petition_bureau"], end_of(2026, 12, 8))   # 15 CD from receipt
    rec = do(service, iid, "accept_decision", BUREAU, ACCEPT)
    assert (rec.data["routing"], rec.data["accepted_on"]) == ("accept_here", "2026-11-24")
    # 60 CD from acceptance end on Saturday 2027-01-23: the period runs to the next working day
    assert ready(service, iid)["assign"].due_at == end_of(2027, 1, 25)
    do(service, iid, "assign", BUREAU, {**ASSIGN, "co_units": ["人社局"], "responsible_leader": "李副市长"})
    handle = ready(service, iid)["handle"]
    assert (handle.groups, handle.due_at) == (["dept:住建局"], end_of(2027, 1, 25))
    assert inbox(service, DEPT, iid) == {"handle"} and inbox(service, OTHER_DEPT, iid) == {"co_opinion"}
    assert "petition_supervision" not in sent(service, iid)                      # not a group visit
    do(service, iid, "co_opinion", OTHER_DEPT, CO_OPINION)
    assert set(ready(service, iid)) == {"handle"}

    rec = do(service, iid, "handle", DEPT, REPLY)
    assert rec.data["reply_outcome"] == "解释说明" and inbox(service, BUREAU, iid) == {"callback"}
    do(service, iid, "callback", BUREAU, CALLBACK)
    assert ready(service, iid)["record_review_request"].due_at == end_of(2026, 12, 31)

    service.clock.set(china(2026, 12, 31, 23, 0))
    assert service.fire_due_timers() == []
    service.clock.set(china(2027, 1, 1))
    assert service.fire_due_timers() == [(iid, ["复查申请期限届满"])]
    assert set(ready(service, iid)) == {"archive"} and inbox(service, BUREAU, iid) == {"archive"}

    rec = do(service, iid, "archive", BUREAU, {**ARCHIVE, "reply_slip_received": False})   # no 回复单, no 销号
    assert set(ready(service, iid)) == {"archive"} and "办理结果回复单" in rec.data["archive_return_note"]
    rec = do(service, iid, "archive", BUREAU, ARCHIVE)
    assert (rec.status, rec.data["outcome"], rec.data["finalised_by_rereview"]) == (
        "completed", "final_no_review", False)
    history, chain_ok = service.history(iid, AUDITOR)
    assert chain_ok and [e.task for e in history if e.type == "task_completed"] == [
        "register", "leader_endorse", "accept_decision", "assign", "co_opinion", "handle", "callback", "archive",
        "archive"]
    assert service.replay(iid, AUDITOR) == (True, None)


# 2 ---------------------------------------------------------------------------------------------
def test_review_then_rereview_with_hearing_finalises_the_matter(service):
    iid = at_review_wait(service)
    rec = do(service, iid, "record_review_request", BUREAU, REVIEW_REQUEST)
    review = ready(service, iid)["review"]
    assert (review.groups, review.due_at, rec.data["review_requested"]) == (
        ["review_organ"], end_of(2027, 1, 11), True)     # 30 CD from the request: Sat 01-09, so Monday
    assert inbox(service, REVIEWER, iid) == {"review"} and inbox(service, BUREAU, iid) == set()
    service.clock.set(china(2027, 1, 12))
    assert service.fire_due_timers() == [(iid, ["复查催办", "复查超期"])]
    assert set(ready(service, iid)) == {"review"}
    do(service, iid, "review", REVIEWER, REVIEW)
    assert ready(service, iid)["record_rereview_request"].due_at == end_of(2027, 1, 19)

    do(service, iid, "record_rereview_request", BUREAU, REREVIEW_REQUEST)
    rereview = ready(service, iid)["rereview"]
    assert (rereview.groups, rereview.due_at) == (["rereview_organ"], end_of(2027, 1, 25))   # Sun 01-24 rolls
    rec = do(service, iid, "rereview", REREVIEWER, {"rereview_action": "hearing", "hearing_date": "2027-01-12",
                                                    "hearing_days": 10})
    assert (rec.data["hearing_days_total"], rec.data["rereview_due"]) == (10, "2027-02-03")   # hearing not counted:
    # 30 + 10 days from the request (the hearing extends the period, not its rolled-forward end)
    assert ready(service, iid)["rereview"].due_at == end_of(2027, 2, 3)
    assert {t["task"]: t["due_at"] for t in rec.timers} == {
        "复核催办": "2027-01-29T01:00:00+00:00", "复核超期": "2027-02-03T15:59:59+00:00"}
    service.clock.set(china(2027, 2, 4))
    assert service.fire_due_timers() == [(iid, ["复核催办", "复核超期"])]

    do(service, iid, "rereview", REREVIEWER, DECIDE)
    rec = do(service, iid, "archive", BUREAU, ARCHIVE)
    assert (rec.status, rec.data["outcome"], rec.data["finalised_by_rereview"]) == (
        "completed", "final_after_rereview", True)
    assert service.replay(iid, AUDITOR) == (True, None)


# 3 ---------------------------------------------------------------------------------------------
def test_no_rereview_request_closes_after_review(service):
    iid = at_review_wait(service)
    do(service, iid, "record_review_request", BUREAU, REVIEW_REQUEST)
    do(service, iid, "review", REVIEWER, {**REVIEW, "review_outcome": "changed"})   # (a redo goes back to handling)
    service.clock.set(china(2027, 1, 19, 23))
    assert service.fire_due_timers() == []
    service.clock.set(china(2027, 1, 20))
    assert service.fire_due_timers() == [(iid, ["复核申请期限届满"])]
    rec = do(service, iid, "archive", BUREAU, ARCHIVE)
    assert (rec.status, rec.data["outcome"], rec.data["review_outcome"]) == (
        "completed", "final_after_review", "changed")


# 4 ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("register, accept, routing, outcome, reason", [
    ({}, {"within_competence": False, "competent_organ": "市人力资源和社会保障局"},
     "forward_to_competent_organ", "forwarded", "转送"),
    ({"in_legal_proceedings": True}, {}, "not_accepted", "not_accepted", "法定途径"),
    ({"prior_case_no": "XF20250101-ABCDEF", "prior_finalised_by_rereview": True}, {},
     "not_accepted", "not_accepted", "复核终结"),
])
def test_routing_forwards_or_refuses(service, register, accept, routing, outcome, reason):
    iid = registered(service, **register)
    rec = do(service, iid, "accept_decision", BUREAU, {**ACCEPT, **accept})
    assert (rec.data["routing"], reason in rec.data["routing_reason"]) == (routing, True)
    assert set(ready(service, iid)) == {"archive"}                               # no handling unit involved
    rec = do(service, iid, "archive", BUREAU, {**ARCHIVE, "reply_slip_received": False})
    assert (rec.status, rec.data["outcome"]) == ("completed", outcome)


def test_acceptance_reminder_and_overdue(service):
    iid = registered(service)
    service.clock.set(china(2026, 12, 5, 8, 59))
    assert service.fire_due_timers() == []
    service.clock.set(china(2026, 12, 5, 9, 1))                                  # 3 days before the deadline
    assert service.fire_due_timers() == [(iid, ["受理告知催办"])]
    service.clock.set(china(2026, 12, 9))
    assert service.fire_due_timers() == [(iid, ["受理期限届满"])]
    assert inbox(service, BUREAU, iid) == {"accept_decision"}
    with pytest.raises(InvalidData) as no_organ:                                 # forwarding names the organ
        service.complete(ready(service, iid)["accept_decision"].task_id, {**ACCEPT, "within_competence": False},
                         BUREAU)
    assert "competent_organ" in no_organ.value.fields


# 5 ---------------------------------------------------------------------------------------------
def test_one_extension_approved_a_second_is_refused(service):
    iid = at_handle(service)
    request = {"handle_action": "request_extension", "extension_reason": "需现场测绘", "extension_days": 20}
    with pytest.raises(InvalidData) as too_long:
        service.complete(ready(service, iid)["handle"].task_id, {**request, "extension_days": 31}, DEPT)
    assert "extension_days" in too_long.value.fields
    do(service, iid, "handle", DEPT, request)
    approval = ready(service, iid)["extension_approval"]
    assert (approval.groups, approval.due_at) == (["user:head1"], end_of(2027, 1, 22))   # the unit's head only
    assert inbox(service, LEADER, iid) == set() and inbox(service, HEAD, iid) == {"extension_approval"}
    with pytest.raises(NotAllowed):                                              # another leader cannot approve
        service.complete(approval.task_id, {"extension_approved": True, "approver": "李副市长"}, LEADER)
    rec = do(service, iid, "extension_approval", HEAD, {"extension_approved": True, "approver": "市住建局局长"})
    assert (rec.data["handle_due"], rec.data["extension_count"]) == ("2027-02-11", 1)
    assert inbox(service, DEPT, iid) == {"notify_extension"}
    with pytest.raises(InvalidData) as not_told:
        service.complete(ready(service, iid)["notify_extension"].task_id,
                         {"petitioner_notified": False, "notified_on": "2026-11-25", "notify_method": "phone",
                          "notified_reason": "需现场测绘"}, DEPT)
    assert "petitioner_notified" in not_told.value.fields
    do(service, iid, "notify_extension", DEPT, {"petitioner_notified": True, "notified_on": "2026-11-25",
                                                "notify_method": "phone", "notified_reason": "需现场测绘"})
    assert ready(service, iid)["handle"].due_at == end_of(2027, 2, 11)

    rec = do(service, iid, "handle", DEPT, {**request, "extension_days": 5})   # a second extension
    assert set(ready(service, iid)) == {"handle"} and rec.data["extension_refused_note"] == "已延期一次，不得再次延期"
    assert (rec.data["handle_due"], rec.data["extension_count"]) == ("2027-02-11", 1)
    assert ready(service, iid)["handle"].due_at == end_of(2027, 2, 11)
    assert service.replay(iid, AUDITOR) == (True, None)


def test_head_refuses_extension(service):
    iid = at_handle(service)
    do(service, iid, "handle", DEPT, {"handle_action": "request_extension", "extension_reason": "复杂",
                                      "extension_days": 30})
    with pytest.raises(InvalidData) as no_reason:
        service.complete(ready(service, iid)["extension_approval"].task_id,
                         {"extension_approved": False, "approver": "局长"}, HEAD)
    assert "approval_opinion" in no_reason.value.fields
    rec = do(service, iid, "extension_approval", HEAD, {"extension_approved": False, "approver": "局长",
                                                        "approval_opinion": "应按期办结"})
    assert set(ready(service, iid)) == {"handle"} and inbox(service, DEPT, iid) == {"handle"}
    assert (rec.data["handle_due"], rec.data["extension_count"]) == ("2027-01-22", 0)


# 6 ---------------------------------------------------------------------------------------------
def test_handling_reminder_then_overdue_starts_supervision_and_handling_goes_on(service):
    iid = at_handle(service)
    service.clock.set(china(2027, 1, 15, 8, 59))
    assert service.fire_due_timers() == []
    service.clock.set(china(2027, 1, 15, 9, 1))                                  # 7 days before the deadline
    assert service.fire_due_timers() == [(iid, ["办理催办"])]
    assert "petition_supervision" not in sent(service, iid)
    service.clock.set(china(2027, 1, 23))
    assert service.fire_due_timers() == [(iid, ["办理超期"])]
    assert "petition_supervision" in sent(service, iid)
    case_no = service.instance(iid, BUREAU).data["case_no"]
    [payload] = payloads(service, "(四)")
    assert (payload["target_units"], payload["origin_case_no"]) == (["住建局"], case_no)
    assert "超过办理期限" in payload["description"] and "2027-01-22" in payload["description"]
    rec = service.instance(iid, BUREAU)
    assert rec.status == "running" and inbox(service, DEPT, iid) == {"handle"}
    do(service, iid, "handle", DEPT, REPLY)
    assert set(ready(service, iid)) == {"callback"}


# 7 ---------------------------------------------------------------------------------------------
def test_group_visit_sends_at_most_five_representatives(service):
    rec = service.start(KEY, {}, BUREAU)
    task_id = ready(service, rec.id)["register"].task_id
    group = {**REGISTER, "persons_count": 30, "is_group": True}
    people = [{"name": f"代表{i}", "phone": "1380000000" + str(i)} for i in range(1, 7)]
    with pytest.raises(InvalidData) as six:
        service.complete(task_id, {**group, "representatives": people}, BUREAU)
    assert "representatives" in six.value.fields
    with pytest.raises(InvalidData) as none:
        service.complete(task_id, group, BUREAU)
    assert "representatives" in none.value.fields
    do(service, rec.id, "register", BUREAU, {**group, "representatives": people[:5]})
    do(service, rec.id, "accept_decision", BUREAU, ACCEPT)
    assert payloads(service, "(三)") == []
    do(service, rec.id, "assign", BUREAU, ASSIGN)
    [payload] = payloads(service, "(三)")
    assert payload["target_units"] == ["住建局"] and payload["description"].startswith("集体访")
    assert set(ready(service, rec.id)) == {"handle"}


# 8 ---------------------------------------------------------------------------------------------
def test_a_locality_may_count_the_acceptance_deadline_in_working_days(service):
    files = dict(bundle_from_directory(KEY, ROOT / "processes", ROOT / "forms").files)
    table = files["petition_deadlines.dmn"]
    row = table.index('<inputEntry id="petition_deadlines_r1_i1"><text>"accept_decision"</text>')
    files["petition_deadlines.dmn"] = table[:row] + table[row:].replace('"CD"', '"WD"', 1)
    assert service.deploy(Bundle(KEY, files)).version == 2
    iid = registered(service)
    assert ready(service, iid)["accept_decision"].due_at == end_of(2026, 12, 14)   # 15 working days


# 9 ---------------------------------------------------------------------------------------------
def test_bad_input_and_wrong_group_change_nothing(service):
    with pytest.raises(NotAllowed):
        service.start(KEY, {}, DEPT)
    rec = service.start(KEY, {}, BUREAU)
    task_id = ready(service, rec.id)["register"].task_id
    with pytest.raises(InvalidData) as missing:
        service.complete(task_id, {k: v for k, v in REGISTER.items() if k != "petitioner_name"}, BUREAU)
    assert "petitioner_name" in missing.value.fields
    with pytest.raises(InvalidData) as no_prior:                                 # a finalised matter needs its number
        service.complete(task_id, {**REGISTER, "prior_finalised_by_rereview": True}, BUREAU)
    assert "prior_case_no" in no_prior.value.fields
    assert [r.task_id for r in service.ready_tasks(rec.id)] == [task_id]

    iid = at_handle(service)
    handle = ready(service, iid)["handle"]
    with pytest.raises(NotAllowed):
        service.complete(handle.task_id, REPLY, OTHER_DEPT)
    with pytest.raises(NotAllowed):
        service.complete(handle.task_id, REPLY, BUREAU)
    with pytest.raises(InvalidData) as no_appeal_info:                           # 告知复查权利 is compulsory
        service.complete(handle.task_id, {**REPLY, "appeal_info_given": False}, DEPT)
    assert "appeal_info_given" in no_appeal_info.value.fields
    assert [r.task_id for r in service.ready_tasks(iid)] == [handle.task_id]


# issue 11 item 5: calendar-day periods roll forward over rest days and holidays -----------------------
@pytest.mark.parametrize("served, table, window_end", [
    ("2026-12-01", {"2026-12-31": "holiday", "2027-01-01": "holiday"}, "2027-01-04"),  # holiday, then weekend
    ("2026-12-01", {}, "2026-12-31"),                                                 # an ordinary working day
    ("2026-12-03", {"2027-01-02": "workday"}, "2027-01-02"),                          # a make-up working day: kept
])
def test_review_window_ending_on_a_holiday_rolls_to_the_next_working_day(service, served, table, window_end):
    for day, kind in table.items():                                              # as `calendar set` would
        service.calendar.set_day(day, kind)
    iid = at_handle(service)
    do(service, iid, "handle", DEPT, {**REPLY, "served_at": served + "T10:00:00+08:00"})
    rec = do(service, iid, "callback", BUREAU, CALLBACK)
    assert rec.data["review_request_due"] == window_end
    y, m, d = map(int, window_end.split("-"))
    assert ready(service, iid)["record_review_request"].due_at == end_of(y, m, d)
    service.clock.set(end_of(y, m, d) - dt.timedelta(minutes=1))
    assert service.fire_due_timers() == []                                       # still open on its last day
    service.clock.set(end_of(y, m, d) + dt.timedelta(minutes=1))
    assert service.fire_due_timers() == [(iid, ["复查申请期限届满"])]


# issue 11 item 8: missed acceptance, 复查 and 复核 deadlines start supervision (四) like handling does ----------
def test_missed_acceptance_decision_starts_supervision_and_the_decision_stays_open(service):
    iid = registered(service)
    service.clock.set(china(2026, 12, 9))
    assert service.fire_due_timers() == [(iid, ["受理告知催办", "受理期限届满"])]
    [payload] = payloads(service, "(四)")
    assert (payload["target_organ"], payload["target_units"]) == ("信访局", [])
    assert "受理期限" in payload["description"] and "2026-12-08" in payload["description"]
    assert payload["origin_case_no"] == service.instance(iid, BUREAU).data["case_no"]
    assert inbox(service, BUREAU, iid) == {"accept_decision"}                    # the case goes on
    do(service, iid, "accept_decision", BUREAU, ACCEPT)
    assert set(ready(service, iid)) == {"assign"}


def test_missed_review_and_rereview_decisions_start_supervision(service):
    iid = at_review_wait(service)
    do(service, iid, "record_review_request", BUREAU, REVIEW_REQUEST)
    service.clock.set(china(2027, 1, 12))
    assert service.fire_due_timers() == [(iid, ["复查催办", "复查超期"])]
    [review] = payloads(service, "(四)")
    assert review["target_organ"] == "市住房和城乡建设局" and "复查期限2027-01-11" in review["description"]
    do(service, iid, "review", REVIEWER, {**REVIEW, "review_served_at": "2027-01-12T10:00:00+08:00"})
    do(service, iid, "record_rereview_request", BUREAU, {**REREVIEW_REQUEST, "rereview_requested_on": "2027-01-13"})
    assert ready(service, iid)["rereview"].due_at == end_of(2027, 2, 12)
    service.clock.set(china(2027, 2, 13))
    assert service.fire_due_timers() == [(iid, ["复核催办", "复核超期"])]
    rereview = [p for p in payloads(service, "(四)") if p is not review and p != review]
    assert [p["target_organ"] for p in rereview] == ["市人民政府"]
    assert inbox(service, REREVIEWER, iid) == {"rereview"}
    do(service, iid, "rereview", REREVIEWER, DECIDE)
    assert set(ready(service, iid)) == {"archive"}


def test_refused_extension_on_an_overdue_case_does_not_start_supervision_twice(service):
    iid = at_handle(service)                                                     # due 2027-01-22
    service.clock.set(china(2027, 1, 23))
    assert service.fire_due_timers() == [(iid, ["办理催办", "办理超期"])]
    assert len(payloads(service, "(四)")) == 1
    do(service, iid, "handle", DEPT, {"handle_action": "request_extension", "extension_reason": "复杂",
                                      "extension_days": 30})
    rec = do(service, iid, "extension_approval", HEAD, {"extension_approved": False, "approver": "局长",
                                                        "approval_opinion": "已超期，应立即办结"})
    assert (rec.data["handle_due"], rec.data["handle_overdue_reported_due"]) == ("2027-01-22", "2027-01-22")
    service.fire_due_timers()                                                    # the re-armed timers are due
    assert len(payloads(service, "(四)")) == 1 and set(ready(service, iid)) == {"handle"}
    do(service, iid, "handle", DEPT, REPLY)
    assert set(ready(service, iid)) == {"callback"}
    assert service.replay(iid, AUDITOR) == (True, None)


def test_review_ordering_redo_sends_the_case_back_to_the_handling_unit_with_a_new_deadline(service):
    iid = at_review_wait(service)
    do(service, iid, "record_review_request", BUREAU, REVIEW_REQUEST)
    rec = do(service, iid, "review", REVIEWER, {**REVIEW, "review_outcome": "redo_ordered",
                                                "review_opinion": "事实不清，责令住建局重新处理"})
    # 60 days from the review opinion's service (2026-12-20): 2027-02-18
    assert (rec.data["handle_due"], rec.data["redo_count"], rec.data["extension_count"]) == ("2027-02-18", 1, 0)
    handle = ready(service, iid)["handle"]
    assert (set(ready(service, iid)), handle.groups, handle.due_at) == ({"handle"}, ["dept:住建局"], end_of(2027, 2, 18))
    assert inbox(service, DEPT, iid) == {"handle"}
    service.clock.set(china(2027, 2, 19))
    assert service.fire_due_timers() == [(iid, ["办理催办", "办理超期"])]          # the new deadline is chased
    assert "2027-02-18" in payloads(service, "(四)")[-1]["description"]
    do(service, iid, "handle", DEPT, {**REPLY, "served_at": "2027-02-19T10:00:00+08:00"})
    do(service, iid, "callback", BUREAU, CALLBACK)
    wait = ready(service, iid)["record_review_request"]                          # review may be asked again
    assert wait.due_at == end_of(2027, 3, 22)                                    # Sun 03-21 rolls to Monday
    assert service.replay(iid, AUDITOR) == (True, None)


# issue 11 item 9: the 2022 regulation's classification, recorded at registration, routes the case ----------
def test_classification_is_required_at_registration(service):
    rec = service.start(KEY, {}, BUREAU)
    register = {k: v for k, v in REGISTER.items() if k != "petition_class"}
    with pytest.raises(InvalidData) as missing:
        service.complete(ready(service, rec.id)["register"].task_id, register, BUREAU)
    assert "petition_class" in missing.value.fields
    with pytest.raises(InvalidData) as wrong:
        service.complete(ready(service, rec.id)["register"].task_id, {**register, "petition_class": "其他"}, BUREAU)
    assert "petition_class" in wrong.value.fields
    assert set(ready(service, rec.id)) == {"register"}


def test_an_accusation_is_forwarded_to_the_discipline_organ(service):
    iid = registered(service, petition_class="accusation", summary="举报某局干部收受财物")
    rec = do(service, iid, "accept_decision", BUREAU, ACCEPT)                    # within competence or not
    assert (rec.data["routing"], rec.data["competent_organ"]) == ("forward_to_competent_organ", "纪检监察机关")
    assert "检举控告" in rec.data["routing_reason"] and set(ready(service, iid)) == {"archive"}
    rec = do(service, iid, "archive", BUREAU, {**ARCHIVE, "reply_slip_received": False})
    assert (rec.status, rec.data["outcome"]) == ("completed", "forwarded")


def test_a_suggestion_is_answered_without_a_review_window(service):
    iid = at_handle(service, petition_class="suggestion", summary="建议增设公交线路")
    do(service, iid, "handle", DEPT, {**REPLY, "reasoning": "经研究论证予以采纳"})
    rec = do(service, iid, "callback", BUREAU, CALLBACK)
    assert rec.data["outcome"] == "suggestion_replied" and set(ready(service, iid)) == {"archive"}
    assert "review_request_due" not in rec.data
    rec = do(service, iid, "archive", BUREAU, ARCHIVE)
    assert (rec.status, rec.data["outcome"]) == ("completed", "suggestion_replied")
    assert service.replay(iid, AUDITOR) == (True, None)


# issue 11 item 6: the extension is approved by the head (负责人) of the handling unit in the directory --------
def request_extension(service, iid, days=20):
    do(service, iid, "handle", DEPT, {"handle_action": "request_extension", "extension_reason": "需现场测绘",
                                      "extension_days": days})


def test_a_unit_without_a_head_falls_back_to_the_leaders_until_a_head_is_recorded(service):
    iid = at_handle(service)
    service.store.delete_member("住建局", "head1")                                # 住建局 has no head now
    request_extension(service, iid)
    assert ready(service, iid)["extension_approval"].groups == ["leaders"]        # staffed, never an empty group
    assert inbox(service, LEADER, iid) == {"extension_approval"}
    do(service, iid, "extension_approval", LEADER, {"extension_approved": False, "approver": "李副市长",
                                                    "approval_opinion": "应按期办结"})
    service.directory.add_member("住建局", "dept1", "head")                       # the admin records a head
    request_extension(service, iid)
    approval = ready(service, iid)["extension_approval"]
    assert approval.groups == ["user:dept1"] and inbox(service, LEADER, iid) == set()
    with pytest.raises(NotAllowed):
        service.complete(approval.task_id, {"extension_approved": True, "approver": "李副市长"}, LEADER)
    with pytest.raises(DirectoryError):                                          # his named task would be orphaned
        service.directory.set_user_active("dept1", False)
    do(service, iid, "extension_approval", Actor.of("dept1", ["dept:住建局"]),
       {"extension_approved": True, "approver": "住建局局长"})
    assert set(ready(service, iid)) == {"notify_extension"}


def test_an_extension_waiting_for_the_head_past_the_deadline_is_supervised_once(service):
    iid = at_handle(service)                                                     # due 2027-01-22
    request_extension(service, iid)
    service.clock.set(china(2027, 1, 21, 9, 1))                                  # the working day before
    assert service.fire_due_timers() == [(iid, ["延期审批催办"])]
    service.clock.set(china(2027, 1, 23))
    assert service.fire_due_timers() == [(iid, ["审批期间办理超期"])]
    [payload] = payloads(service, "(四)")
    assert payload["target_units"] == ["住建局"] and "2027-01-22" in payload["description"]
    rec = do(service, iid, "extension_approval", HEAD, {"extension_approved": False, "approver": "住建局局长",
                                                        "approval_opinion": "已超期，立即办结"})
    assert rec.data["handle_overdue_reported_due"] == "2027-01-22"
    service.fire_due_timers()                                                    # the handling timers are due again
    assert len(payloads(service, "(四)")) == 1 and set(ready(service, iid)) == {"handle"}
    assert service.replay(iid, AUDITOR) == (True, None)


# issue 11 item 8: co-units get their own task, deadline, reminder and supervision --------------------------
def test_co_units_give_opinions_in_parallel_and_an_overdue_co_unit_is_supervised(service):
    iid = registered(service)
    do(service, iid, "accept_decision", BUREAU, ACCEPT)
    rec = do(service, iid, "assign", BUREAU, {**ASSIGN, "co_units": ["人社局", "公安局"]})
    rows = ready(service, iid)
    co = [r for r in service.ready_tasks(iid) if r.bpmn_id == "co_opinion"]
    assert sorted(r.groups[0] for r in co) == ["dept:人社局", "dept:公安局"] and "handle" in rows
    assert {r.due_at for r in co} == {end_of(2026, 12, 8)} and rec.data["co_opinion_due"] == "2026-12-08"
    assert inbox(service, OTHER_DEPT, iid) == {"co_opinion"} and inbox(service, DEPT, iid) == {"handle"}
    police = Actor.of("ga1", ["dept:公安局"])
    do(service, iid, "co_opinion", police, CO_OPINION)                            # one co-unit answers in time
    service.clock.set(china(2026, 12, 5, 9, 1))
    assert service.fire_due_timers() == [(iid, ["配合意见催办"])]
    service.clock.set(china(2026, 12, 9))
    assert service.fire_due_timers() == [(iid, ["配合意见超期"])]
    [payload] = payloads(service, "(四)")
    assert payload["target_units"] == ["人社局", "公安局"] and "配合单位超过期限" in payload["description"]
    assert inbox(service, OTHER_DEPT, iid) == {"co_opinion"}                     # still his to do; handling goes on
    do(service, iid, "handle", DEPT, REPLY)
    assert set(ready(service, iid)) == {"co_opinion", "callback"}
    do(service, iid, "co_opinion", OTHER_DEPT, CO_OPINION)
    assert set(ready(service, iid)) == {"callback"}
    history, _ = service.history(iid, AUDITOR)
    assert [e.actor for e in history if e.task == "co_opinion"] == ["ga1", "rs1"]
    assert service.replay(iid, AUDITOR) == (True, None)


# issue 11 item 5: the pages show how each date was counted, next to the date ----------------------------------
@pytest.mark.parametrize("served, table, window_end", [
    ("2026-12-01", [("2026-12-31", "holiday"), ("2027-01-01", "holiday")], "2027-01-04"),   # rolled forward
    ("2026-12-03", [("2027-01-02", "workday")], "2027-01-02"),                                # 调休上班: kept
])
def test_pages_show_the_rule_next_to_the_computed_date(app, served, table, window_end):
    from tests.conftest import login
    runner = app.test_cli_runner()
    for day, kind in table:
        assert runner.invoke(args=["calendar", "set", day, kind]).exit_code == 0
    service = app.extensions["service"]
    iid = at_handle(service)
    client = app.test_client()
    login(client, "dept1")
    handle = ready(service, iid)["handle"]
    assert handle.due_rule == "CD:60"
    assert "60日（日历日，末日遇节假日顺延）" in client.get(f"/tasks/{handle.task_id}").get_data(as_text=True)
    do(service, iid, "handle", DEPT, {**REPLY, "served_at": served + "T10:00:00+08:00"})
    do(service, iid, "callback", BUREAU, CALLBACK)
    wait = ready(service, iid)["record_review_request"]
    assert (wait.due_rule, service.instance(iid, BUREAU).data["review_request_due"]) == ("CD:30", window_end)
    login(client, "petition1")
    rule = "30日（日历日，末日遇节假日顺延）"
    for page in ("/", f"/tasks/{wait.task_id}", f"/instances/{iid}"):
        text = client.get(page).get_data(as_text=True)
        assert window_end in text and rule in text, page
    english = client.get(f"/tasks/{wait.task_id}?lang=en").get_data(as_text=True)
    assert "30 calendar days (a last day on a rest day or holiday moves to the next working day)" in english


def test_supervision_pages_show_working_day_rules(app):
    from tests.conftest import login
    from tests.test_petition_supervision import PLAN, REGISTER as SUP_REGISTER
    service = app.extensions["service"]
    sup = Actor.of("sup1", ["supervisors"])
    rec = service.start("petition_supervision", {}, sup)
    do(service, rec.id, "register", BUREAU, SUP_REGISTER)
    do(service, rec.id, "plan", BUREAU, {**PLAN, "modes": ["written"]})
    check = ready(service, rec.id)["self_check"]
    assert check.due_rule == "WD:5"
    client = app.test_client()
    login(client, "dept1")
    assert "5个工作日" in client.get(f"/tasks/{check.task_id}").get_data(as_text=True)


def test_only_the_unit_head_sees_and_opens_the_extension_approval_page(app):
    from tests.conftest import login
    service = app.extensions["service"]
    iid = at_handle(service)
    request_extension(service, iid)
    task = ready(service, iid)["extension_approval"].task_id
    head, leader = app.test_client(), app.test_client()
    login(head, "head1")
    login(leader, "leader1")
    assert f"/tasks/{task}" in head.get("/").get_data(as_text=True)
    assert f"/tasks/{task}" not in leader.get("/").get_data(as_text=True)
    assert leader.get(f"/tasks/{task}").status_code == 403
    assert leader.post(f"/tasks/{task}", data={"extension_approved": "true", "approver": "李副市长"}).status_code == 403
    page = head.get(f"/instances/{iid}").get_data(as_text=True)
    assert f"/tasks/{task}" in page and "<td>住建局负责人 head1</td>" in page                  # who holds it, by name
    done = head.post(f"/tasks/{task}", data={"extension_approved": "true", "approver": "住建局局长"})
    assert done.status_code == 302 and set(ready(service, iid)) == {"notify_extension"}


# issue 11 item 1: the assignment and the notice of an extension run against the handling deadline too ----------
def test_an_unassigned_case_is_supervised_once_at_the_bureau(service):
    iid = registered(service)
    do(service, iid, "accept_decision", BUREAU, ACCEPT)                          # handling due 2027-01-22
    service.clock.set(china(2027, 1, 23))
    assert service.fire_due_timers() == [(iid, ["交办催办", "交办超期"])]
    [payload] = payloads(service, "(四)")
    assert (payload["target_organ"], payload["target_units"]) == ("信访局", []) and "未交办" in payload["description"]
    do(service, iid, "assign", BUREAU, ASSIGN)
    service.fire_due_timers()                                                    # the unit's timers are due at once
    assert len(payloads(service, "(四)")) == 1 and inbox(service, DEPT, iid) == {"handle"}
    assert service.replay(iid, AUDITOR) == (True, None)


def test_an_unnotified_extension_is_supervised_when_the_longer_period_ends(service):
    iid = at_handle(service)
    request_extension(service, iid)
    do(service, iid, "extension_approval", HEAD, {"extension_approved": True, "approver": "住建局局长"})
    assert ready(service, iid)["notify_extension"].due_at == end_of(2027, 2, 11)
    service.clock.set(china(2027, 2, 12))
    assert service.fire_due_timers() == [(iid, ["告知延期催办", "延长期限届满"])]
    [payload] = payloads(service, "(四)")
    assert payload["target_units"] == ["住建局"] and "2027-02-11" in payload["description"]
    do(service, iid, "notify_extension", DEPT, {"petitioner_notified": True, "notified_on": "2027-02-12",
                                                "notify_method": "phone", "notified_reason": "需现场测绘"})
    service.fire_due_timers()
    assert len(payloads(service, "(四)")) == 1 and set(ready(service, iid)) == {"handle"}
    assert service.replay(iid, AUDITOR) == (True, None)
