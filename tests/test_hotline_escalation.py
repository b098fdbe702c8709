"""Issue 11 on the 12345 hotline, walked against the real diagram on a SQLite store (every step is saved and
reloaded from the database) with the clock moved to fire timers: every step that runs against the ticket's
deadline is chased; the 效能办 issues the 效能监察建议书 on the first overdue; 通报批评 on the repeated one;
co-unit opinions run beside the lead unit's handling; every ending is archived with its number."""
from __future__ import annotations

import datetime as dt

import pytest

from engine.service import InvalidData
from engine.stats.assessment import assessment
from engine.stats.bulletins import issue
from tests.conftest import make_service, sqlite_store
from tests.test_hotline import (
    AUDITOR, DEPT1, DEPT2, DISPATCH, EFF, NOTICE, OP, REPLY, REVIEWER, dispatched, events, register,
)
from tests.walk import china, do, end_of, inbox, ready

EXTENSION = {"action": "request_extension", "extension_reason": "需协调施工方", "expected_completion_date": "2026-12-10",
             "caller_informed": True}


@pytest.fixture
def service(tmp_path, clock):
    return make_service(sqlite_store(tmp_path / "hotline.db"), clock)


def notices(service, iid) -> list:
    return [e for e in events(service, iid) if e.task == "efficiency_notice"]


def timer_names(service, iid) -> list[str]:
    return [t["task"] for t in service.store.get_instance(iid).timers]


def test_an_unsigned_ticket_is_chased_then_escalated(service):
    iid = dispatched(service)                                 # Monday 11-23, due 11-30, 住建局 never signs
    assert timer_names(service, iid) == ["催办签收", "超期未签收"]
    service.clock.set(china(11, 24, 8, 59))
    assert service.fire_due_timers() == []
    service.clock.set(china(11, 24, 9, 1))                    # the next working day: chased
    assert service.fire_due_timers() == [(iid, ["催办签收"])]
    assert set(ready(service, iid)) == {"accept"}
    chased = [n for n in service.notifications(DEPT1) if n["kind"] == "reminder"]
    assert chased and chased[0]["instance_id"] == iid

    service.clock.set(china(12, 1))                           # the deadline passed unsigned: escalated
    assert service.fire_due_timers() == [(iid, ["超期未签收"])]
    assert set(ready(service, iid)) == {"accept", "efficiency_notice"}
    assert inbox(service, EFF, iid) == {"efficiency_notice"} and inbox(service, DEPT1, iid) == {"accept"}
    task = service.task(ready(service, iid)["efficiency_notice"].task_id, EFF)
    assert task.data["notice_units"] == ["住建局"] and task.data["overdue_count"] == 1
    do(service, iid, "efficiency_notice", EFF, NOTICE)
    assert inbox(service, REVIEWER, iid) == {"overdue_supervise"}
    do(service, iid, "overdue_supervise", REVIEWER, {"supervision_note": "电话督办住建局签收"})
    assert set(ready(service, iid)) == {"accept"}             # one 建议书, no criticism on a first overdue

    do(service, iid, "accept", DEPT1, {"decision": "accept"})   # signed late: the same deadline is not escalated again
    service.fire_due_timers()
    assert set(ready(service, iid)) == {"handle"} and len(notices(service, iid)) == 1
    assert not [e for e in events(service, iid) if "petition_supervision" in e.result.get("sent", [])]
    assert service.replay(iid, AUDITOR) == (True, None)


def test_a_late_co_unit_is_chased_and_escalated_while_the_lead_unit_goes_on(service):
    iid = dispatched(service, co_units=["人社局"])
    do(service, iid, "accept", DEPT1, {"decision": "accept"})
    assert set(ready(service, iid)) == {"handle", "co_opinion"}
    assert ready(service, iid)["co_opinion"].due_at == end_of(11, 26)
    service.clock.set(china(11, 26, 9, 1))                    # the co-unit's deadline day: chased
    assert service.fire_due_timers() == [(iid, ["催办协办意见"])]
    rec = do(service, iid, "handle", DEPT1, {"action": "progress", "progress_text": "已到现场核查"})
    assert set(ready(service, iid)) == {"handle", "co_opinion"}

    service.clock.set(china(11, 27, 8))                       # the co-unit's deadline passed
    assert service.fire_due_timers() == [(iid, ["协办意见超期"])]
    assert set(ready(service, iid)) == {"handle", "co_opinion", "efficiency_notice"}
    task = service.task(ready(service, iid)["efficiency_notice"].task_id, EFF)
    assert task.data["notice_units"] == ["人社局"] and task.data["overdue_due"] == "2026-11-26"
    do(service, iid, "efficiency_notice", EFF, {**NOTICE, "notice_units": ["人社局"], "issued_at": "2026-11-27"})
    do(service, iid, "overdue_supervise", REVIEWER, {"supervision_note": "督办人社局", "reason_valid": False})

    rec = do(service, iid, "handle", DEPT1, REPLY)            # the lead unit is not blocked by the late opinion
    assert set(ready(service, iid)) == {"co_opinion"} and rec.data["progress_reports"]
    rec = do(service, iid, "co_opinion", DEPT2, {"co_opinion": "人社局配合核查，无异议"})
    assert set(ready(service, iid)) == {"review_reply"}
    assert rec.data["co_opinions"] == ["人社局配合核查，无异议"]
    assert (rec.data["due_date"], len(rec.data["progress_reports"]), rec.data["action"]) == ("2026-11-30", 1, "reply")
    row = service.store.fact(iid)
    assert (row["replied_on"], row["late"], row["criticised"]) == (dt.date(2026, 11, 27), 0, 0)
    assert service.replay(iid, AUDITOR) == (True, None)


def overdue_round(service, iid, *, reason_valid=False):
    do(service, iid, "efficiency_notice", EFF, {**NOTICE, "required_completion_date": "2026-12-31"})
    return do(service, iid, "overdue_supervise", REVIEWER, {"supervision_note": "已督办", "reason_valid": reason_valid,
                                                             "unit_explanation": "正在协调"})


def twice_overdue(service, reason_valid):
    iid = dispatched(service)
    do(service, iid, "accept", DEPT1, {"decision": "accept"})
    service.clock.set(china(12, 1))
    assert service.fire_due_timers() == [(iid, ["催办提醒", "超期"])]
    assert inbox(service, EFF, iid) == {"efficiency_notice"}  # the first overdue: the 建议书 at once
    overdue_round(service, iid)
    assert set(ready(service, iid)) == {"handle"}             # a first overdue is not criticised
    do(service, iid, "handle", DEPT1, EXTENSION)              # an approved extension is a new deadline
    do(service, iid, "extension_review", REVIEWER, {"extension_decision": "approve"})
    service.clock.set(china(12, 11))
    assert service.fire_due_timers() == [(iid, ["催办提醒", "超期"])]
    task = service.task(ready(service, iid)["efficiency_notice"].task_id, EFF)
    assert task.data["overdue_count"] == 2
    overdue_round(service, iid, reason_valid=reason_valid)
    return iid


def test_the_efficiency_notice_comes_on_the_first_overdue_and_criticism_on_the_repeated_one(service):
    iid = twice_overdue(service, reason_valid=False)
    assert set(ready(service, iid)) == {"handle", "criticise"} and inbox(service, REVIEWER, iid) == {"criticise"}
    assert [e.data["doc_no"] for e in notices(service, iid)] == [NOTICE["doc_no"]] * 2   # recorded on the ticket
    assert service.store.fact(iid)["criticised"] == 1
    criticism = {"criticism_doc_no": "兰热通〔2026〕2号", "criticism_reason": "两次超期未办结，又不能说明原因"}
    task = ready(service, iid)["criticise"]
    with pytest.raises(InvalidData) as unpublished:           # first published in the 工作动态
        service.complete(task.task_id, {**criticism, "bulletin_issue": "GZDT-2026-099"}, REVIEWER)
    assert "bulletin_issue" in unpublished.value.fields
    bulletin = issue(service.figures, "hotline_work", dt.date(2026, 11, 1), dt.date(2026, 11, 30), "rev1")
    case_no = service.instance(iid, AUDITOR).data["case_no"]
    assert {"case_no": case_no, "unit": "住建局"} in bulletin.content["criticisms"]
    do(service, iid, "criticise", REVIEWER, {**criticism, "bulletin_issue": bulletin.no})
    assert set(ready(service, iid)) == {"handle"}
    assert service.store.fact(iid)["bulletin_no"] == bulletin.no
    later = issue(service.figures, "hotline_work", dt.date(2026, 12, 1), dt.date(2026, 12, 31), "rev1")
    assert case_no not in [c["case_no"] for c in later.content["criticisms"]]        # published once
    [row] = [r for r in assessment(service, None, "quarter", 2026, 4)["rows"] if r["unit"] == "住建局"]
    assert row["criticisms"] == 1                             # it counts against the unit in the assessment
    assert service.replay(iid, AUDITOR) == (True, None)


def test_a_repeated_overdue_with_a_valid_reason_is_not_criticised(service):
    iid = twice_overdue(service, reason_valid=True)
    assert set(ready(service, iid)) == {"handle"} and len(notices(service, iid)) == 2


def test_the_centre_may_refer_an_overdue_ticket_to_petition_supervision(service):
    iid = dispatched(service)
    do(service, iid, "accept", DEPT1, {"decision": "accept"})
    service.clock.set(china(12, 1))
    service.fire_due_timers()
    assert service.store.list_instances(parent_id=iid) == []  # overdue alone opens no supervision case
    do(service, iid, "efficiency_notice", EFF, NOTICE)
    do(service, iid, "overdue_supervise", REVIEWER, {"supervision_note": "移交督查", "refer_to_supervision": True})
    service.deliver_messages()
    [child] = service.store.list_instances(parent_id=iid)
    assert child.process_key == "petition_supervision" and child.data["target_units"] == ["住建局"]


def test_the_leader_path_fills_the_assignment_slip(service):
    iid = register(service, handling_mode="leader_approval")
    task = ready(service, iid)["leader_submission"]
    with pytest.raises(InvalidData) as no_slip:
        service.complete(task.task_id, {"doc_form": "zhuanbao", "summary": "噪音", "proposed_handling": "交住建局"},
                         REVIEWER)
    assert {"slip_no", "slip_requirements"} <= set(no_slip.value.fields)
    rec = do(service, iid, "leader_submission", REVIEWER, {
        "slip_no": "兰热交单〔2026〕15号", "slip_requirements": "请住建局核查", "doc_form": "zhuanbao",
        "summary": "噪音", "proposed_handling": "交住建局"})
    assert rec.data["slip_no"] == "兰热交单〔2026〕15号"


@pytest.mark.parametrize("mode, task, data", [
    ({"handling_mode": "immediate_answer"}, "immediate_answer", {"answer_text": "可到窗口办理"}),
    ({"target_body": "court"}, "forward_or_inform", {"method": "forward", "target_organ": "兰溪市人民法院"}),
    ({"petition_bureau_involved": True}, "explain_not_accepted", {"explanation": "信访局正在处理"}),
])
def test_every_ending_is_archived_with_its_number(service, mode, task, data):
    iid = register(service, **mode)
    do(service, iid, task, OP, data)
    assert inbox(service, REVIEWER, iid) == {"archive"}
    case_no = service.instance(iid, AUDITOR).data["case_no"]
    with pytest.raises(InvalidData):
        service.complete(ready(service, iid)["archive"].task_id, {}, REVIEWER)
    rec = do(service, iid, "archive", REVIEWER, {"archive_no": case_no})
    assert (rec.status, rec.data["archive_no"]) == ("completed", case_no)
    assert [e.task for e in events(service, iid) if e.type == "task_completed"][-1] == "archive"


def test_a_returned_ticket_keeps_its_chasing_on_the_new_unit(service):
    iid = dispatched(service)
    do(service, iid, "accept", DEPT1, {"decision": "return", "return_reason": "不属本局职责"})
    assert timer_names(service, iid) == []
    do(service, iid, "dispatch", OP, {**DISPATCH, "lead_unit": "人社局"})
    assert timer_names(service, iid) == ["催办签收", "超期未签收"] and inbox(service, DEPT2, iid) == {"accept"}
    service.clock.set(china(11, 24, 9, 1))
    assert service.fire_due_timers() == [(iid, ["催办签收"])]
    assert [n["kind"] for n in service.notifications(DEPT2) if n["instance_id"] == iid] == ["reminder", "new_task"]


def test_a_redo_goes_back_to_the_lead_unit_without_asking_the_co_units_again(service):
    iid = dispatched(service, co_units=["人社局"])
    do(service, iid, "accept", DEPT1, {"decision": "accept"})
    do(service, iid, "co_opinion", DEPT2, {"co_opinion": "无异议"})
    do(service, iid, "handle", DEPT1, REPLY)
    rec = do(service, iid, "review_reply", REVIEWER, {"review_decision": "redo", "review_comment": "答复不具体"})
    assert set(ready(service, iid)) == {"handle"} and rec.data["redo_count"] == 1
    assert timer_names(service, iid) == ["催办提醒", "超期"]
    rec = do(service, iid, "handle", DEPT1, REPLY)
    assert set(ready(service, iid)) == {"review_reply"} and rec.data["co_opinions"] == ["无异议"]
    assert service.replay(iid, AUDITOR) == (True, None)
