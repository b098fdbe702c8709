"""The 12345 hotline diagram walked end to end through the service layer, as its users would see it."""
from __future__ import annotations

import datetime as dt

import pytest

from engine.access import Actor
from tests.walk import china, do, end_of, inbox, ready
from engine.service import InvalidData, NotAllowed, NotFound, TaskClosed
from engine.tasks import HIDDEN
from tests.conftest import make_service
from webapp.demo import EXAMPLES

OP = Actor.of("op1", ["operators"])
REVIEWER = Actor.of("rev1", ["reviewers"])
LEADER = Actor.of("leader1", ["leaders"])
DEPT1 = Actor.of("dept1", ["dept:住建局"])
DEPT2 = Actor.of("dept2", ["dept:人社局"])
AUDITOR = Actor.of("auditor", ["auditors"])
EFF = Actor.of("eff1", ["efficiency_office"])

REGISTER = EXAMPLES[0]      # network assignment, not confidential, 王女士
DISPATCH = {"lead_unit": "住建局", "co_units": [], "requirements": "请核查并答复来电人",
            "deadline_class": "general_5wd"}
REPLY = {"action": "reply", "result_text": "已责令工地22点后停工", "measures_taken": "现场检查",
         "caller_feedback_done": True, "feedback_method": "phone", "completed_at": "2026-11-23"}
SATISFIED = {"callback_at": "2026-11-23T08:00:00+08:00", "reached": True, "caller_satisfied": "satisfied",
             "result_verified": "true"}
NOTICE = {"doc_no": "兰效建〔2026〕3号", "issued_at": "2026-12-01", "notice_units": ["住建局"],
          "required_completion_date": "2026-12-04", "notice_content": "超过办理期限未办结，限期办结并书面说明"}












def register(service, **changes) -> str:
    rec = service.start("hotline", {}, OP)
    assert set(ready(service, rec.id)) == {"register"}
    do(service, rec.id, "register", OP, {**REGISTER, **changes})
    return rec.id


def dispatched(service, register_changes=None, **dispatch_changes) -> str:
    iid = register(service, **(register_changes or {}))
    do(service, iid, "dispatch", OP, {**DISPATCH, **dispatch_changes})
    return iid


def at_handle(service, **register_changes) -> str:
    """A case dispatched to 住建局 (no co-units) and accepted: `handle` is ready."""
    iid = dispatched(service, register_changes)
    do(service, iid, "accept", DEPT1, {"decision": "accept"})
    assert set(ready(service, iid)) == {"handle"}
    return iid


def at_callback(service, **register_changes) -> str:
    iid = at_handle(service, **register_changes)
    do(service, iid, "handle", DEPT1, REPLY)
    do(service, iid, "review_reply", REVIEWER, {"review_decision": "accept"})
    assert set(ready(service, iid)) == {"callback"}
    return iid


def events(service, iid) -> list:
    return service.history(iid, AUDITOR)[0]


# 1 ---------------------------------------------------------------------------------------------
def test_immediate_answer_closes_the_case(service):
    iid = register(service, **EXAMPLES[1])
    assert set(ready(service, iid)) == {"immediate_answer"}
    assert inbox(service, OP, iid) == {"immediate_answer"}
    rec = do(service, iid, "immediate_answer", OP, {"answer_text": "可到人社局窗口办理灵活就业参保"})
    assert (rec.status, rec.data["outcome"]) == ("running", "answered_immediately")
    assert inbox(service, OP, iid) == set() and inbox(service, REVIEWER, iid) == {"archive"}   # archived, numbered
    rec = do(service, iid, "archive", REVIEWER, {"archive_no": "RX-2026-000", "archive_category": "咨询"})
    assert (rec.status, rec.data["outcome"], rec.data["archive_no"]) == ("completed", "answered_immediately",
                                                                          "RX-2026-000")
    assert service.ready_tasks(iid) == []


# 2 ---------------------------------------------------------------------------------------------
def test_main_path_with_co_unit(store, clock):
    service = make_service(store, clock)
    iid = register(service)
    assert set(ready(service, iid)) == {"dispatch"} and ready(service, iid)["dispatch"].groups == ["operators"]
    rec = do(service, iid, "dispatch", OP, {**DISPATCH, "co_units": ["人社局"]})
    assert rec.data["due_date"] == "2026-11-30"              # 5 working days after Monday 2026-11-23
    accept = ready(service, iid)["accept"]
    assert accept.due_at == end_of(11, 30) and accept.groups == ["dept:住建局"]
    assert inbox(service, DEPT1, iid) == {"accept"} and inbox(service, DEPT2, iid) == set()

    do(service, iid, "accept", DEPT1, {"decision": "accept"})
    assert set(ready(service, iid)) == {"co_opinion", "handle"}             # the opinion does not block handling
    assert inbox(service, DEPT2, iid) == {"co_opinion"} and inbox(service, DEPT1, iid) == {"handle"}
    assert ready(service, iid)["co_opinion"].due_at == end_of(11, 26)      # its own deadline: 2 working days earlier
    do(service, iid, "co_opinion", DEPT2, {"co_opinion": "人社局无异议，配合核查"})
    assert set(ready(service, iid)) == {"handle"} and ready(service, iid)["handle"].due_at == end_of(11, 30)

    rec = do(service, iid, "handle", DEPT1, REPLY)
    assert inbox(service, REVIEWER, iid) == {"review_reply"}                # the reply and the opinions, together
    assert rec.data["co_opinions"] == ["人社局无异议，配合核查"] and rec.data["due_date"] == "2026-11-30"
    do(service, iid, "review_reply", REVIEWER, {"review_decision": "accept"})
    assert set(ready(service, iid)) == {"callback"}           # not confidential: no relay step
    rec = do(service, iid, "callback", REVIEWER, SATISFIED)
    assert (rec.data["callback_outcome"], rec.data["callback_attempts"]) == ("closed", 1)
    rec = do(service, iid, "archive", REVIEWER, {"archive_no": "RX-2026-001", "archive_category": "投诉"})
    assert (rec.status, rec.data["outcome"]) == ("completed", "closed_satisfied")
    assert service.ready_tasks(iid) == [] and rec.timers == [] and rec.next_timer_at is None

    history, chain_ok = service.history(iid, AUDITOR)
    assert chain_ok
    assert [e.task for e in history if e.type == "task_completed"] == [
        "register", "dispatch", "accept", "co_opinion", "handle", "review_reply", "callback", "archive"]
    assert service.replay(iid, AUDITOR) == (True, None)


# 3 ---------------------------------------------------------------------------------------------
def test_unit_returns_case_and_operator_redispatches(service):
    iid = dispatched(service, co_units=["人社局"])
    rec = do(service, iid, "accept", DEPT1, {"decision": "return", "return_reason": "不属本局职责"})
    assert set(ready(service, iid)) == {"dispatch"} and inbox(service, OP, iid) == {"dispatch"}
    assert rec.data["lead_unit_returned"] == "住建局" and rec.data["co_units"] == []
    assert inbox(service, DEPT1, iid) == set()

    rec = do(service, iid, "dispatch", OP, {**DISPATCH, "lead_unit": "人社局"})
    assert inbox(service, DEPT2, iid) == {"accept"} and inbox(service, DEPT1, iid) == set()
    assert ready(service, iid)["accept"].due_at == end_of(11, 30)
    do(service, iid, "accept", DEPT2, {"decision": "accept"})
    assert inbox(service, DEPT2, iid) == {"handle"}


# 4 ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("decision, due, due_at", [("approve", "2026-12-10", end_of(12, 10)),
                                                   ("reject", "2026-11-30", end_of(11, 30))])
def test_extension_request(service, decision, due, due_at):
    iid = at_handle(service)
    assert ready(service, iid)["handle"].due_rule == "WD:5"                  # shown as 5个工作日 next to the date
    do(service, iid, "handle", DEPT1, {"action": "request_extension", "extension_reason": "需协调施工方",
                                       "expected_completion_date": "2026-12-10", "caller_informed": True})
    assert set(ready(service, iid)) == {"extension_review"} and inbox(service, REVIEWER, iid) == {"extension_review"}
    assert inbox(service, DEPT1, iid) == set()
    rec = do(service, iid, "extension_review", REVIEWER, {"extension_decision": decision})
    assert (rec.data["due_date"], rec.data["extension_count"]) == (due, 1)
    handle = ready(service, iid)["handle"]
    assert inbox(service, DEPT1, iid) == {"handle"}
    assert handle.due_at == due_at
    assert handle.due_rule == ("领导批示时限或批准延期后的期限" if decision == "approve" else "WD:5")
    overdue = next(t for t in rec.timers if t["task"] == "超期")    # the overdue timer follows the deadline
    assert dt.datetime.fromisoformat(overdue["due_at"]) == handle.due_at


# 5 ---------------------------------------------------------------------------------------------
def test_unsatisfied_callback_sends_case_back_for_rework(service):
    iid = at_callback(service)
    service.clock.set(china(11, 25))
    rec = do(service, iid, "callback", REVIEWER, {**SATISFIED, "caller_satisfied": "unsatisfied",
                                                 "unit_fulfilled_duty": False, "demand_excessive": False})
    assert rec.status == "running" and set(ready(service, iid)) == {"handle"}
    assert inbox(service, DEPT1, iid) == {"handle"}
    assert (rec.data["redo_count"], rec.data["callback_attempts"]) == (1, 0)
    assert rec.data["due_date"] == "2026-12-02"              # 5 working days from the redo day
    assert ready(service, iid)["handle"].due_at == end_of(12, 2)


def test_review_redo_sends_case_back(service):
    iid = at_handle(service)
    do(service, iid, "handle", DEPT1, REPLY)
    rec = do(service, iid, "review_reply", REVIEWER, {"review_decision": "redo", "review_comment": "答复不具体"})
    assert set(ready(service, iid)) == {"handle"} and inbox(service, DEPT1, iid) == {"handle"}
    assert rec.data["redo_count"] == 1
    do(service, iid, "handle", DEPT1, REPLY)
    assert set(ready(service, iid)) == {"review_reply"}


# 6 ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("callbacks, outcome", [
    ([{**SATISFIED, "caller_satisfied": "unsatisfied", "unit_fulfilled_duty": True, "demand_excessive": True}],
     "deemed_completed"),
    ([{"callback_at": "2026-11-23T08:00:00+08:00", "reached": False, "callback_note": "电话无人接听"}] * 3,
     "closed_no_callback"),
])
def test_callback_closes_without_satisfaction(service, callbacks, outcome):
    iid = at_callback(service)
    for attempt, answers in enumerate(callbacks, start=1):
        rec = do(service, iid, "callback", REVIEWER, answers)
        assert rec.data["callback_attempts"] == attempt
    assert set(ready(service, iid)) == {"archive"}
    rec = do(service, iid, "archive", REVIEWER, {"archive_no": "RX-2026-002"})
    assert (rec.status, rec.data["outcome"]) == ("completed", outcome)


# 7 ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("changes, task, data, outcome", [
    ({"target_body": "court"}, "forward_or_inform", {"method": "inform", "target_organ": "兰溪市人民法院"},
     "forwarded_or_informed"),
    ({"petition_bureau_involved": True}, "explain_not_accepted", {"explanation": "信访局正在处理"},
     "not_accepted_duplicate"),
])
def test_case_not_taken_on(service, changes, task, data, outcome):
    iid = register(service, **changes)
    assert set(ready(service, iid)) == {task} and inbox(service, OP, iid) == {task}
    rec = do(service, iid, task, OP, data)
    assert (rec.status, rec.data["outcome"]) == ("running", outcome)
    assert set(ready(service, iid)) == {"archive"}                          # every ending is archived
    rec = do(service, iid, "archive", REVIEWER, {"archive_no": "RX-2026-009"})
    assert (rec.status, rec.data["outcome"], rec.data["archive_no"]) == ("completed", outcome, "RX-2026-009")


# 8 ---------------------------------------------------------------------------------------------
def test_reminder_then_overdue_supervision(service):
    iid = dispatched(service)
    assert [t["task"] for t in service.store.get_instance(iid).timers] == ["催办签收", "超期未签收"]
    do(service, iid, "accept", DEPT1, {"decision": "accept"})
    assert [t["task"] for t in service.store.get_instance(iid).timers] == ["催办提醒", "超期"]

    service.clock.set(china(11, 27, 8, 59))                   # Friday, the working day before 11-30
    assert service.fire_due_timers() == []
    service.clock.set(china(11, 27, 9, 1))
    assert service.fire_due_timers() == [(iid, ["催办提醒"])]
    assert set(ready(service, iid)) == {"handle"} and inbox(service, DEPT1, iid) == {"handle"}
    assert [t["task"] for t in service.store.get_instance(iid).timers] == ["超期"]

    service.clock.set(china(12, 1))                           # the day after due_date
    assert service.fire_due_timers() == [(iid, ["超期"])]
    assert set(ready(service, iid)) == {"handle", "efficiency_notice"}     # 效能办 issues the 建议书 at once
    assert inbox(service, EFF, iid) == {"efficiency_notice"} and inbox(service, DEPT1, iid) == {"handle"}
    count = len(events(service, iid))
    assert service.fire_due_timers() == [] and len(events(service, iid)) == count

    do(service, iid, "handle", DEPT1, REPLY)
    do(service, iid, "efficiency_notice", EFF, NOTICE)
    do(service, iid, "overdue_supervise", REVIEWER, {"supervision_note": "已督办"})
    assert set(ready(service, iid)) == {"review_reply"}
    assert service.replay(iid, AUDITOR) == (True, None)


# 9 ---------------------------------------------------------------------------------------------
def test_confidential_caller_is_hidden_from_units(service):
    iid = dispatched(service, {"confidential_requested": True}, co_units=["人社局"])
    detail = service.task(ready(service, iid)["accept"].task_id, DEPT1)
    assert detail.data["caller_name"] == HIDDEN and detail.data["caller_phone"] == HIDDEN
    assert detail.data["content_summary"] == REGISTER["content_summary"]
    register_event = next(e for e in service.history(iid, DEPT1)[0] if e.task == "register")
    assert register_event.data["caller_phone"] == HIDDEN
    operator_view = service.case_data(service.instance(iid, OP), OP)
    assert (operator_view["caller_name"], operator_view["caller_phone"]) == ("王女士", "13800000001")

    do(service, iid, "accept", DEPT1, {"decision": "accept"})
    co_detail = service.task(ready(service, iid)["co_opinion"].task_id, DEPT2)
    assert co_detail.data["caller_phone"] == HIDDEN
    do(service, iid, "co_opinion", DEPT2, {"co_opinion": "无"})
    unit_reply = {k: v for k, v in REPLY.items() if k != "feedback_method"}
    do(service, iid, "handle", DEPT1, {**unit_reply, "caller_feedback_done": False})   # the centre relays
    do(service, iid, "review_reply", REVIEWER, {"review_decision": "accept"})
    assert set(ready(service, iid)) == {"relay_result"} and inbox(service, REVIEWER, iid) == {"relay_result"}
    do(service, iid, "relay_result", REVIEWER, {"relay_method": "phone"})
    assert set(ready(service, iid)) == {"callback"}


# 10 --------------------------------------------------------------------------------------------
def test_urgent_phone_assignment_reports_progress_under_the_normal_deadline(service):
    # issue 11 item 2: 重大、紧急事项随时反馈 = repeated progress reports, not a 1-working-day deadline
    iid = register(service, handling_mode="phone_assignment", urgency="urgent")
    assert inbox(service, OP, iid) == {"phone_assignment"}
    rec = do(service, iid, "phone_assignment", OP, {"lead_unit": "人社局", "person_reached": "张科长",
                                                    "instruction": "立即派人到现场处置"})
    assert (rec.data["deadline_class"], rec.data["due_date"]) == ("assigned_10wd", "2026-12-07")
    assert inbox(service, DEPT2, iid) == {"accept"} and inbox(service, DEPT1, iid) == set()
    assert ready(service, iid)["accept"].due_at == end_of(12, 7)
    do(service, iid, "accept", DEPT2, {"decision": "accept"})
    service.clock.set(china(11, 24, 9, 1))                    # no report yet: chased the next working day
    assert service.fire_due_timers() == [(iid, ["催办提醒"])]
    with pytest.raises(InvalidData) as empty:
        service.complete(ready(service, iid)["handle"].task_id, {"action": "progress"}, DEPT2)
    assert "progress_text" in empty.value.fields
    rec = do(service, iid, "handle", DEPT2, {"action": "progress", "progress_text": "已派员到场，正在处置"})
    assert [r["text"] for r in rec.data["progress_reports"]] == ["已派员到场，正在处置"]
    assert set(ready(service, iid)) == {"handle"} and ready(service, iid)["handle"].due_at == end_of(12, 7)
    assert service.fire_due_timers() == []                    # the next chase is the next working day
    service.clock.set(china(11, 25, 9, 1))
    assert service.fire_due_timers() == [(iid, ["催办提醒"])]
    rec = do(service, iid, "handle", DEPT2, {"action": "progress", "progress_text": "主体问题已解决"})
    assert (len(rec.data["progress_reports"]), rec.data["due_date"], rec.data["last_progress_on"]) == (
        2, "2026-12-07", "2026-11-25")
    do(service, iid, "handle", DEPT2, REPLY)
    assert set(ready(service, iid)) == {"review_reply"}
    assert not [e for e in events(service, iid) if "petition_supervision" in e.result.get("sent", [])]
    assert service.replay(iid, AUDITOR) == (True, None)


def test_a_normal_ticket_is_chased_only_before_its_deadline(service):
    iid = at_handle(service)                                  # due 2026-11-30, urgency normal
    service.clock.set(china(11, 26, 9, 1))
    assert service.fire_due_timers() == []
    rec = do(service, iid, "handle", DEPT1, {"action": "progress", "progress_text": "正在协调"})
    assert len(rec.data["progress_reports"]) == 1 and set(ready(service, iid)) == {"handle"}
    service.clock.set(china(11, 27, 9, 1))
    assert service.fire_due_timers() == [(iid, ["催办提醒"])]


def test_leader_approval_with_more_info_loop(service):
    iid = register(service, handling_mode="leader_approval")
    submission = {"slip_no": "兰热交单〔2026〕15号", "slip_requirements": "请住建局核查处理",
                  "doc_form": "chengpibiao", "summary": "工地噪音扰民", "proposed_handling": "交住建局办理"}
    assert inbox(service, REVIEWER, iid) == {"leader_submission"}
    do(service, iid, "leader_submission", REVIEWER, submission)
    assert set(ready(service, iid)) == {"leader_instruction"} and inbox(service, LEADER, iid) == {"leader_instruction"}
    do(service, iid, "leader_instruction", LEADER, {"instruction_text": "请补充现场照片", "needs_more_info": True})
    assert set(ready(service, iid)) == {"leader_submission"} and inbox(service, REVIEWER, iid) == {"leader_submission"}
    do(service, iid, "leader_submission", REVIEWER, {**submission, "summary": "工地噪音扰民（附照片）"})
    do(service, iid, "leader_instruction", LEADER, {"instruction_text": "请住建局限期解决",
                                                    "leader_deadline": "2026-12-04"})
    assert set(ready(service, iid)) == {"leader_letter"}
    rec = do(service, iid, "leader_letter", REVIEWER, {"letter_no": "JBH-2026-01", "lead_unit": "住建局",
                                                      "co_units": [], "requirements": "按批示办理"})
    assert (rec.data["deadline_class"], rec.data["due_date"]) == ("leader_custom", "2026-12-04")
    assert inbox(service, DEPT1, iid) == {"accept"} and ready(service, iid)["accept"].due_at == end_of(12, 4)


# 11 --------------------------------------------------------------------------------------------
def test_bad_input_changes_nothing(service):
    iid = register(service)
    before_row, before = ready(service, iid)["dispatch"], service.instance(iid, OP)
    before_events = len(events(service, iid))
    with pytest.raises(InvalidData) as missing:
        service.complete(before_row.task_id, {k: v for k, v in DISPATCH.items() if k != "requirements"}, OP)
    assert "requirements" in missing.value.fields
    with pytest.raises(InvalidData) as wrong_type:
        service.complete(before_row.task_id, {**DISPATCH, "hide_caller_contact": "yes"}, OP)
    assert "hide_caller_contact" in wrong_type.value.fields
    assert [r.task_id for r in service.ready_tasks(iid)] == [before_row.task_id]
    assert service.instance(iid, OP).lock_version == before.lock_version
    assert len(events(service, iid)) == before_events

    do(service, iid, "dispatch", OP, DISPATCH)
    accept = ready(service, iid)["accept"]
    with pytest.raises(NotAllowed):
        service.complete(accept.task_id, {"decision": "accept"}, DEPT2)
    with pytest.raises(InvalidData) as no_reason:             # returning requires a reason
        service.complete(accept.task_id, {"decision": "return"}, DEPT1)
    assert "return_reason" in no_reason.value.fields
    service.complete(accept.task_id, {"decision": "accept"}, DEPT1)
    with pytest.raises(TaskClosed):
        service.complete(accept.task_id, {"decision": "accept"}, DEPT1)
    with pytest.raises(NotFound):
        service.complete("00000000-0000-0000-0000-000000000000", {"decision": "accept"}, DEPT1)

    handle = ready(service, iid)["handle"]
    with pytest.raises(InvalidData) as bad_extension:         # boolean given as text, and not ticked
        service.complete(handle.task_id, {"action": "request_extension", "extension_reason": "复杂",
                                          "expected_completion_date": "2026-12-10", "caller_informed": "true"},
                         DEPT1)
    assert "caller_informed" in bad_extension.value.fields
    assert [r.task_id for r in service.ready_tasks(iid)] == [handle.task_id]


# issue 11 item 8: a refused extension on an already overdue ticket does not fire overdue a second time -------
def test_refused_extension_on_an_overdue_ticket_is_not_supervised_twice(service):
    iid = at_handle(service)                                  # due 2026-11-30
    service.clock.set(china(12, 1))
    assert service.fire_due_timers() == [(iid, ["催办提醒", "超期"])]
    do(service, iid, "efficiency_notice", EFF, NOTICE)
    do(service, iid, "overdue_supervise", REVIEWER, {"supervision_note": "已督办"})
    supervision = [e for e in events(service, iid) if e.task == "efficiency_notice"]
    assert len(supervision) == 1
    do(service, iid, "handle", DEPT1, {"action": "request_extension", "extension_reason": "需协调施工方",
                                       "expected_completion_date": "2026-12-10", "caller_informed": True})
    rec = do(service, iid, "extension_review", REVIEWER, {"extension_decision": "reject"})
    assert rec.data["due_date"] == "2026-11-30" and rec.data["overdue_reported_due"] == "2026-11-30"
    service.fire_due_timers()                                 # the new handle task's timers are already due
    assert set(ready(service, iid)) == {"handle"} and inbox(service, REVIEWER, iid) == set()
    assert [e for e in events(service, iid) if e.task == "efficiency_notice"] == supervision
    # an approved extension is a new deadline: missing it is supervised again
    do(service, iid, "handle", DEPT1, {"action": "request_extension", "extension_reason": "需协调施工方",
                                       "expected_completion_date": "2026-12-10", "caller_informed": True})
    do(service, iid, "extension_review", REVIEWER, {"extension_decision": "approve"})
    service.clock.set(china(12, 11))
    assert service.fire_due_timers() == [(iid, ["催办提醒", "超期"])]
    assert set(ready(service, iid)) == {"handle", "efficiency_notice"}
    assert service.replay(iid, AUDITOR) == (True, None)


# a redo after a co-unit's opinion: one path, whichever of the reply and the opinion came in last --------------
@pytest.mark.parametrize("order", [("handle", "co_opinion"), ("co_opinion", "handle")])
@pytest.mark.parametrize("redo_by", ["review", "callback"])
def test_redo_with_a_co_unit_leaves_one_path(service, order, redo_by):
    iid = dispatched(service, co_units=["人社局"])
    do(service, iid, "accept", DEPT1, {"decision": "accept"})
    answers = {"handle": (DEPT1, REPLY), "co_opinion": (DEPT2, {"co_opinion": "人社局无异议，配合核查"})}
    for task in order:                                       # the reply before or after the co-unit's opinion
        do(service, iid, task, *answers[task])
    assert set(ready(service, iid)) == {"review_reply"}
    if redo_by == "review":
        do(service, iid, "review_reply", REVIEWER, {"review_decision": "redo", "review_comment": "答复不具体"})
    else:
        do(service, iid, "review_reply", REVIEWER, {"review_decision": "accept"})
        do(service, iid, "callback", REVIEWER, {**SATISFIED, "result_verified": "untrue"})
    rec = service.store.get_instance(iid)
    assert set(ready(service, iid)) == {"handle"} and rec.data["redo_count"] == 1   # the redo only: no review yet
    assert inbox(service, DEPT2, iid) == set() and inbox(service, REVIEWER, iid) == set()   # co-units not asked again
    assert rec.data["co_opinions"] == ["人社局无异议，配合核查"]                  # their opinion stays with the case
    rec = do(service, iid, "handle", DEPT1, {**REPLY, "result_text": "已重新核查并整改"})
    assert set(ready(service, iid)) == {"review_reply"} and rec.data["result_text"] == "已重新核查并整改"
    do(service, iid, "review_reply", REVIEWER, {"review_decision": "accept"})
    assert set(ready(service, iid)) == {"callback"}
    do(service, iid, "callback", REVIEWER, SATISFIED)
    rec = do(service, iid, "archive", REVIEWER, {"archive_no": "RX-2026-009"})
    assert (rec.status, rec.data["outcome"]) == ("completed", "closed_satisfied")
    assert service.ready_tasks(iid) == [] and service.replay(iid, AUDITOR) == (True, None)
