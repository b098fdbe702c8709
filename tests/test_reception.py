"""Leader reception day (reception_day) and its per-visitor cases (reception_case), walked through the service."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from engine.access import Actor
from engine.directory import Directory
from engine.store import User
from tests.walk import china, demo_hash, do, end_of, inbox, ready, service_with
from engine.service import InvalidData, NotAllowed

ROOT = Path(__file__).resolve().parent.parent
CHINA = dt.timezone(dt.timedelta(hours=8))
BUREAU = Actor.of("liaison", ["petition_bureau"])
LEADER = Actor.of("leader1", ["leaders"])                 # the duty leader the days below name
OTHER_LEADER = Actor.of("leader2", ["leaders"])
DEPT1 = Actor.of("dept1", ["dept:住建局"])
DEPT2 = Actor.of("dept2", ["dept:人社局"])
AUDITOR = Actor.of("auditor", ["auditors"])


@pytest.fixture
def service():
    service = service_with("reception_day", "reception_case")
    add_leader(service, "leader2", "李强")
    return service


def add_leader(service, name, display):
    """A second leader in the directory's leadership unit (the demo directory has leader1 only)."""
    service.store.add_user(User(name, demo_hash(), [], display))
    Directory(service.store).add_member("市政府领导", name)










# reception_day --------------------------------------------------------------------------------
CANDIDATE = {"petitioner_name": "李四", "phone": "13800000002", "issue_summary": "低保待遇停发", "township": "兰山区"}
VISITOR = {"visitor_name": "李四", "phone": "13800000002", "address": "兰山区", "persons_count": 1,
           "issue_summary": "低保待遇停发", "appointment": True, "more_visitors": True}


def planned(service, variant="linyi_bureau", month="2026-12") -> str:
    """A day whose variant and date were proposed and confirmed: `announce` is ready."""
    iid = service.start("reception_day", {}, BUREAU).id
    proposal = do(service, iid, "choose_variant", BUREAU, {"variant": variant, "target_month": month}).data
    do(service, iid, "plan_day", BUREAU, {
        **{k: proposal[k] for k in ("reception_date", "start_time", "end_time", "location")},
        "duty_leader": "leader1", "leader_name": "张明", "leader_title": "局长", "consultation_phone": "0539-7200939"})
    return iid


def test_the_duty_leader_is_a_person_of_the_directory(service):
    iid = service.start("reception_day", {}, BUREAU).id
    proposal = do(service, iid, "choose_variant", BUREAU, {"variant": "linyi_bureau", "target_month": "2026-12"}).data
    plan = service.task(ready(service, iid)["plan_day"].task_id, BUREAU)
    choices = {c["const"] for c in plan.form.schema["properties"]["duty_leader"]["oneOf"]}
    assert {"leader1", "leader2"} <= choices and "nobody" not in choices
    fields = {**{k: proposal[k] for k in ("reception_date", "start_time", "end_time", "location")},
              "leader_name": "张明", "leader_title": "局长", "consultation_phone": "0539-7200939"}
    with pytest.raises(InvalidData) as unknown:
        service.complete(plan.row.task_id, {**fields, "duty_leader": "nobody"}, BUREAU)
    assert "duty_leader" in unknown.value.fields


def prepared(service, variant="linyi_bureau", candidates=()) -> str:
    """Announced, appointments screened (and consented, invitations sent): `open_session` is ready."""
    iid = planned(service, variant)
    do(service, iid, "announce", BUREAU, {"channels": ["poster", "leaflet"], "published_at": "2026-11-24T10:00:00+08:00"})
    do(service, iid, "appointment_intake", BUREAU, {"candidate_cases": list(candidates)})
    if candidates:
        do(service, iid, "leader_consent", LEADER, {"consent": "agree"})
        do(service, iid, "send_invitations", BUREAU, {"petitioners_invited": True,
                                                      "invited_at": "2026-11-25T10:00:00+08:00",
                                                      "co_reception_units": ["民政局"]})
    assert set(ready(service, iid)) == {"open_session"}
    return iid


@pytest.mark.parametrize("variant, month, day, start, location", [
    ("linyi_bureau", "2026-12", "2026-12-25", "09:00", "局接访室"),              # last Friday
    ("ankang_mayor", "2026-12", "2026-12-01", "08:30", "市人民政府信访接待室"),     # first Tuesday
    ("ankang_mayor", "2026-10", "2026-10-08", "08:30", "市人民政府信访接待室"),     # 10-06 is a holiday
    ("dongan_county", "2026-12", "2026-12-01", "08:30", "县信访接待中心二楼视频接访室"),
    ("dongan_township", "2026-12", "2026-12-01", "08:30", "乡镇信访接待场所"),
    ("school", "2026-12", "2026-12-07", "08:00", "科教楼二楼行政会议室"),          # every Monday
    ("township_centre", "2026-12", "2026-12-01", "08:00", "镇信访办"),
    ("union", "2026-12", "2026-12-02", "14:30", "工会主席办公室"),                 # every Wednesday
])
def test_each_variant_proposes_its_date(service, variant, month, day, start, location):
    iid = service.start("reception_day", {}, BUREAU).id
    assert set(ready(service, iid)) == {"choose_variant"}
    rec = do(service, iid, "choose_variant", BUREAU, {"variant": variant, "target_month": month})
    assert set(ready(service, iid)) == {"plan_day"} and ready(service, iid)["plan_day"].groups == ["petition_bureau"]
    assert (rec.data["reception_date"], rec.data["start_time"], rec.data["location"]) == (day, start, location)


@pytest.mark.parametrize("special_protection, day", [(False, "2026-11-30"), (True, "2026-11-28")])
def test_special_protection_period_makes_the_county_rota_daily(service, special_protection, day):
    service.clock.set(china(11, 28))                         # a Saturday
    iid = service.start("reception_day", {}, BUREAU).id
    rec = do(service, iid, "choose_variant", BUREAU, {"variant": "dongan_county", "target_month": "2026-11",
                                                      "special_protection_period": special_protection})
    assert rec.data["reception_date"] == day


def test_reception_day_main_path(service):
    iid = planned(service)
    assert ready(service, iid)["announce"].due_at == end_of(12, 18)          # 7 days ahead of 12-25
    do(service, iid, "announce", BUREAU, {"channels": ["poster", "lobby_led_screen"],
                                          "published_at": "2026-11-24T10:00:00+08:00"})
    assert ready(service, iid)["appointment_intake"].due_at == end_of(12, 24)
    do(service, iid, "appointment_intake", BUREAU, {"candidate_cases": [CANDIDATE], "special_mode": "重点约访"})
    consent = ready(service, iid)["leader_consent"]
    assert consent.groups == ["user:leader1"] and consent.due_at == end_of(12, 24)     # the named duty leader only
    assert "leader_consent" in inbox(service, LEADER, iid) and "leader_consent" not in inbox(service, OTHER_LEADER, iid)
    with pytest.raises(NotAllowed):
        service.complete(consent.task_id, {"consent": "agree"}, OTHER_LEADER)
    do(service, iid, "leader_consent", LEADER, {"consent": "replace", "consent_note": "该事项已在县区办理，请更换"})
    assert set(ready(service, iid)) == {"appointment_intake"}                # the leader refused: screen again
    rec = do(service, iid, "appointment_intake", BUREAU, {"candidate_cases": [CANDIDATE, {**CANDIDATE,
                                                                                          "petitioner_name": "赵六"}]})
    assert (rec.data["appointment_rounds"], rec.data["appointment_count"]) == (1, 2)
    do(service, iid, "leader_consent", LEADER, {"consent": "agree"})
    do(service, iid, "send_invitations", BUREAU, {"petitioners_invited": True, "invited_at": "2026-11-25T10:00:00+08:00",
                                                  "co_reception_units": ["民政局", "人社局"], "township_notified": True})
    session = ready(service, iid)["open_session"]
    assert session.groups == ["user:leader1"] and session.due_at == china(12, 25, 9)

    service.clock.set(china(12, 24, 8, 59))                 # reminder: the working day before, 09:00
    assert service.fire_due_timers() == []
    service.clock.set(china(12, 24, 9, 1))
    assert service.fire_due_timers() == [(iid, ["接访前提醒"])]
    remind = ready(service, iid)["remind_leader"]
    assert remind.groups == ["petition_bureau"] and remind.due_at == china(12, 25, 9)
    do(service, iid, "remind_leader", BUREAU, {"reminded_at": "2026-12-24T09:10:00+08:00", "remind_method": "phone",
                                               "leader_confirmed": True})

    service.clock.set(china(12, 25, 9))
    do(service, iid, "open_session", LEADER, {"session_action": "start", "visitors_waiting": True})
    assert ready(service, iid)["register_visitor"].due_at == china(12, 25, 11)
    do(service, iid, "register_visitor", BUREAU, VISITOR)                                   # appointment
    assert set(ready(service, iid)) == {"register_visitor"}
    rec = do(service, iid, "register_visitor", BUREAU, {**VISITOR, "visitor_name": "王五", "appointment": False,
                                                        "is_group": True, "persons_count": 8,
                                                        "representatives": ["王五", "钱七"], "more_visitors": False})
    assert set(ready(service, iid)) == {"close_day"}
    assert (rec.data["visitor_count"], rec.data["appointment_visitor_count"]) == (2, 1)
    sent = [e.result.get("sent") for e in service.store.events(iid) if e.task == "register_visitor"]
    assert sent[0] == ["reception_case"] and "reception_case" in sent[1]

    cases = service.instances(AUDITOR, "reception_case")                    # each visitor got a case
    assert {c.data["visitor_name"] for c in cases} == {"李四", "王五"}
    wang = next(c for c in cases if c.data["visitor_name"] == "王五")
    assert wang.data["case_no"].startswith("JA") and wang.data["parent_case_no"] == rec.data["case_no"]
    assert (wang.data["day_case_no"], wang.data["leader_name"], wang.data["variant"]) == (
        rec.data["case_no"], "张明", "linyi_bureau")
    assert (wang.data["representatives"], wang.data["appointment"]) == (["王五", "钱七"], False)
    register = ready(service, wang.id)["register"]
    assert register.groups == ["petition_bureau"] and register.due_at == end_of(12, 25)   # reception_date kept

    rec = do(service, iid, "close_day", BUREAU, {"coordination_minutes": "民政局、人社局到场，约定12月底前答复",
                                                 "attending_units": ["民政局", "人社局"], "materials_collected": True})
    assert (rec.status, rec.data["outcome"], rec.data["case_count"]) == ("completed", "day_closed", 2)
    assert service.replay(iid, AUDITOR) == (True, None)


@pytest.mark.parametrize("variant, approver, required_notice", [
    ("linyi_bureau", OTHER_LEADER, "联络人"),
    ("school", BUREAU, "学校办公室"),
])
def test_absent_leader_is_replaced_by_a_substitute(service, variant, approver, required_notice):
    iid = prepared(service, variant)
    do(service, iid, "open_session", LEADER, {"session_action": "report_absence", "absence_reason": "上级开会"})
    arrange = ready(service, iid)["arrange_substitute"]
    assert set(ready(service, iid)) == {"arrange_substitute"} and arrange.groups == sorted(approver.groups - {"user:" + approver.name})
    approval = {"absence_decision": "approve", "substitute_user": "leader2", "substitute_leader": "李强",
                "substitute_title": "副局长", "approved_by": "局主要领导", "notified": ["市信访局"],
                "notified_at": "2026-11-30T09:00:00+08:00"}
    rec = do(service, iid, "arrange_substitute", approver, approval)      # the required party was not told
    assert set(ready(service, iid)) == {"arrange_substitute"} and rec.data["notify_missing"] == [required_notice]
    rec = do(service, iid, "arrange_substitute", approver, {**approval, "notified": [required_notice]})
    assert set(ready(service, iid)) == {"open_session"} and ready(service, iid)["open_session"].groups == ["user:leader2"]
    assert (rec.data["leader_name"], rec.data["duty_leader"], rec.data["absence_count"]) == ("李强", "leader2", 1)
    assert rec.data["absent_leaders"][0]["duty_leader"] == "leader1"
    do(service, iid, "open_session", OTHER_LEADER, {"session_action": "start", "visitors_waiting": False})
    assert set(ready(service, iid)) == {"close_day"}                      # nobody came: close the day
    rec = do(service, iid, "close_day", BUREAU, {"coordination_minutes": "无来访"})
    assert (rec.status, rec.data["case_count"]) == ("completed", 0)


def test_a_duty_leader_with_open_tasks_cannot_be_deactivated(service):
    from engine.directory import LastMember
    iid = prepared(service)
    with pytest.raises(LastMember) as refused:
        Directory(service.store).set_user_active("leader1", False)
    assert [t.bpmn_id for t in refused.value.tasks] == ["open_session"] and refused.value.tasks[0].instance_id == iid
    Directory(service.store).set_user_active("leader2", False)            # nothing waits for leader2 alone
    assert Directory(service.store).orphan_tasks() == []


def test_absent_leader_cannot_approve_his_own_absence(service):
    iid = prepared(service)                                               # Linyi: 局主要领导 approves (leaders)
    do(service, iid, "open_session", LEADER, {"session_action": "report_absence", "absence_reason": "上级开会"})
    arrange = ready(service, iid)["arrange_substitute"]
    approval = {"absence_decision": "approve", "substitute_user": "leader2", "substitute_leader": "李强",
                "approved_by": "张明", "notified": ["联络人"], "notified_at": "2026-11-30T09:00:00+08:00"}
    with pytest.raises(NotAllowed):                                       # the absent leader himself
        service.complete(arrange.task_id, approval, LEADER)
    with pytest.raises(NotAllowed):
        service.claim(arrange.task_id, LEADER)
    rec = do(service, iid, "arrange_substitute", OTHER_LEADER, {**approval, "approved_by": "局主要领导"})
    assert rec.data["duty_leader"] == "leader2"


def test_dongan_leader_informs_and_arranges_a_substitute_without_approval(service):
    iid = prepared(service, "dongan_county", [CANDIDATE])
    do(service, iid, "open_session", LEADER, {"session_action": "report_absence", "absence_reason": "上级开会"})
    report = ready(service, iid)["report_substitute"]                      # 003 四(五)1: he informs, nobody approves
    assert set(ready(service, iid)) == {"report_substitute"} and report.groups == ["user:leader1"]
    assert "report_substitute" not in inbox(service, OTHER_LEADER, iid)
    told = {"substitute_user": "leader2", "substitute_leader": "李强", "substitute_title": "副县长",
            "notified": ["县信访工作联席会议第一召集人"], "notified_at": "2026-11-30T09:00:00+08:00"}
    with pytest.raises(InvalidData) as no_approval_field:
        service.complete(report.task_id, {**told, "absence_decision": "approve"}, LEADER)
    assert "absence_decision" in no_approval_field.value.fields[""]          # the form has no approval at all
    rec = do(service, iid, "report_substitute", LEADER, told)
    assert (rec.data["absence_decision"], rec.data["approved_by"], rec.data["duty_leader"]) == ("informed", None, "leader2")
    assert ready(service, iid)["open_session"].groups == ["user:leader2"]
    assert service.replay(iid, AUDITOR) == (True, None)


def test_absence_refused_or_not_allowed_keeps_the_leader(service):
    iid = prepared(service)
    do(service, iid, "open_session", LEADER, {"session_action": "report_absence", "absence_reason": "外出"})
    rec = do(service, iid, "arrange_substitute", OTHER_LEADER, {"absence_decision": "refuse", "approved_by": "局主要领导"})
    assert set(ready(service, iid)) == {"open_session"} and rec.data["leader_name"] == "张明"
    iid = prepared(service, "township_centre")                            # 不准缺席: no approval task at all
    rec = do(service, iid, "open_session", LEADER, {"session_action": "report_absence", "absence_reason": "家中有事"})
    assert set(ready(service, iid)) == {"open_session"}
    assert (rec.data["absence_allowed"], rec.data["absence_refused_count"]) == (False, 1)


def test_appointment_count_follows_the_variant(service):
    iid = planned(service, "dongan_county")
    do(service, iid, "announce", BUREAU, {"channels": ["gov_extranet"], "published_at": "2026-11-24T10:00:00+08:00"})
    rec = do(service, iid, "appointment_intake", BUREAU, {"candidate_cases": []})       # Dong'an: 1–3
    assert set(ready(service, iid)) == {"appointment_intake"}
    assert rec.data["appointment_error"] == "约访事项应为1—3件，本次0件"
    with pytest.raises(InvalidData) as too_many:
        service.complete(ready(service, iid)["appointment_intake"].task_id, {"candidate_cases": [CANDIDATE] * 4}, BUREAU)
    assert "candidate_cases" in too_many.value.fields
    do(service, iid, "appointment_intake", BUREAU, {"candidate_cases": [CANDIDATE]})
    assert set(ready(service, iid)) == {"leader_consent"}


def test_school_walk_ins_are_asked_to_register_first(service):
    iid = prepared(service, "school")
    do(service, iid, "open_session", LEADER, {"session_action": "start", "visitors_waiting": True})
    rec = do(service, iid, "register_visitor", BUREAU, {**VISITOR, "appointment": False})
    assert rec.data["redirected_visitors"] == ["李四"] and rec.data["visitor_count"] == 0
    assert service.instances(AUDITOR, "reception_case") == []
    do(service, iid, "register_visitor", BUREAU, {**VISITOR, "visitor_name": "周八", "more_visitors": False})
    assert {c.data["visitor_name"] for c in service.instances(AUDITOR, "reception_case")} == {"周八"}


def test_day_bad_input(service):
    iid = service.start("reception_day", {}, BUREAU).id
    task = ready(service, iid)["choose_variant"]
    with pytest.raises(InvalidData) as missing:
        service.complete(task.task_id, {"variant": "linyi_bureau"}, BUREAU)
    assert "target_month" in missing.value.fields
    with pytest.raises(InvalidData) as bad_month:
        service.complete(task.task_id, {"variant": "linyi_bureau", "target_month": "2026-13"}, BUREAU)
    assert "target_month" in bad_month.value.fields
    with pytest.raises(NotAllowed):
        service.complete(task.task_id, {"variant": "linyi_bureau", "target_month": "2026-12"}, LEADER)
    with pytest.raises(NotAllowed):
        service.start("reception_day", {}, LEADER)
    iid = prepared(service)
    with pytest.raises(InvalidData) as no_reason:
        service.complete(ready(service, iid)["open_session"].task_id, {"session_action": "report_absence"}, LEADER)
    assert "absence_reason" in no_reason.value.fields
    do(service, iid, "open_session", LEADER, {"session_action": "start", "visitors_waiting": True})
    with pytest.raises(InvalidData) as six:
        service.complete(ready(service, iid)["register_visitor"].task_id,
                         {**VISITOR, "is_group": True, "persons_count": 30, "representatives": list("甲乙丙丁戊己")}, BUREAU)
    assert "representatives" in six.value.fields


# reception_case -------------------------------------------------------------------------------
CASE = {"visitor_name": "李四", "phone": "13800000002", "address": "兰山区", "persons_count": 1, "is_group": False,
        "representatives": [], "issue_summary": "低保待遇停发", "appointment": True, "reception_date": "2026-11-23",
        "leader_name": "张明", "variant": "linyi_bureau"}
ASSIGN = {"leader_opinion": "assign_with_deadline", "instruction_text": "请住建局核实，人社局配合，限期答复",
          "lead_unit": "住建局", "co_units": ["人社局"], "deadline": "2026-12-04"}
NOTICE = {"notice_no": "JBTZ-2026-01", "liaison": "办公室王科长"}
HANDLE = {"handler_name": "刘工", "investigation": "已入户核实", "face_to_face_done": True, "measures": "恢复发放"}
FEEDBACK = {"feedback_at": "2026-12-02T10:00:00+08:00", "method": "phone", "feedback_content": "已恢复发放"}
SLIP = {"findings": "停发系信息错误", "result": "已恢复并补发", "petitioner_feedback_done": True,
        "unit_head_signoff": "陈局长", "signed_at": "2026-12-02"}


def received(service, **changes) -> str:
    """A case started with the day's payload and registered: `leader_reception` is ready."""
    iid = service.start("reception_case", {**CASE, "day_case_no": "JF20261123-000001", **changes}, BUREAU).id
    assert ready(service, iid)["register"].due_rule == "接访当日"
    detail = service.task(ready(service, iid)["register"].task_id, BUREAU)
    assert detail.data["visitor_name"] == "李四" and detail.data["case_no"].startswith("JA")
    do(service, iid, "register", BUREAU, {**CASE, **{k: v for k, v in changes.items() if k != "duty_leader"}})
    assert set(ready(service, iid)) == {"leader_reception"}
    return iid


def noticed(service, opinion=ASSIGN, **changes) -> str:
    iid = received(service, **changes)
    do(service, iid, "leader_reception", LEADER, opinion)
    rec = do(service, iid, "assignment_notice", BUREAU, {**NOTICE, **{k: service.instance(iid, BUREAU).data[k] for k in (
        "assigned_units", "lead_unit", "deadline", "leader_instruction")}})
    assert rec.data["co_units"] == [u for u in rec.data["assigned_units"] if u != rec.data["lead_unit"]]
    data, handle = rec.data, ready(service, iid).get("handle")
    if handle is not None:                    # the deadline's rule next to it: the default period, or the leader's
        assert handle.due_rule == (f'{data["deadline_kind"]}:{data["default_deadline_days"]}'
                                   if data["deadline"] == data["deadline_default"] else "接访领导确定的期限")
    return iid


@pytest.mark.parametrize("opinion, outcome", [("resolved_on_spot", "resolved_on_spot"),
                                              ("answered_explained", "answered_explained")])
def test_on_the_spot_outcomes_are_recorded_and_closed(service, opinion, outcome):
    iid = received(service)
    assert ready(service, iid)["leader_reception"].due_at == end_of(11, 23)
    do(service, iid, "leader_reception", LEADER, {"leader_opinion": opinion, "instruction_text": "当场答复",
                                                  "written_answer_given": True})
    assert set(ready(service, iid)) == {"archive_on_spot"} and ready(service, iid)["archive_on_spot"].groups == ["petition_bureau"]
    rec = do(service, iid, "archive_on_spot", BUREAU, {"answer_summary": "当场解释政策", "archive_no": "JA-2026-001",
                                                       "closed_at": "2026-11-23T11:00:00+08:00"})
    assert (rec.status, rec.data["outcome"]) == ("completed", outcome)


def test_legal_route_ends_the_case(service):
    iid = received(service, in_legal_proceedings=True)
    rec = do(service, iid, "leader_reception", LEADER, {"leader_opinion": "advise_legal_route",
                                                        "instruction_text": "已起诉，引导通过诉讼解决"})
    assert (rec.status, rec.data["outcome"], service.ready_tasks(iid)) == ("completed", "redirected_legal", [])


def test_assigned_case_is_handled_answered_and_closed(service):
    iid = received(service)
    do(service, iid, "leader_reception", LEADER, ASSIGN)
    notice = ready(service, iid)["assignment_notice"]
    assert notice.groups == ["petition_bureau"] and notice.due_at == end_of(11, 24)
    data = service.task(notice.task_id, BUREAU).data                      # pre-filled from the instruction
    assert (data["assigned_units"], data["lead_unit"], data["deadline"]) == (["住建局", "人社局"], "住建局", "2026-12-04")
    do(service, iid, "assignment_notice", BUREAU, {**NOTICE, "assigned_units": ["住建局", "人社局"], "lead_unit": "住建局",
                                                   "deadline": "2026-12-04", "leader_instruction": data["leader_instruction"]})
    assert set(ready(service, iid)) == {"co_opinion", "handle"}          # co-unit opinion alongside the handling
    co = ready(service, iid)["co_opinion"]
    assert (co.groups, co.due_at) == (["dept:人社局"], end_of(11, 30))   # its own deadline: 5 working days
    handle = ready(service, iid)["handle"]
    assert (handle.groups, handle.due_at) == (["dept:住建局"], end_of(12, 4))
    assert {t["task"] for t in service.instance(iid, BUREAU).timers} == {"催办提醒", "超期", "配合意见催办", "配合意见超期"}
    with pytest.raises(NotAllowed):
        service.complete(handle.task_id, HANDLE, DEPT2)
    do(service, iid, "handle", DEPT1, HANDLE)                             # the lead unit does not wait for the co-unit
    do(service, iid, "feedback", DEPT1, FEEDBACK)                         # Linyi: a phone answer is enough
    slip = ready(service, iid)["reply_slip"]
    with pytest.raises(InvalidData) as not_told:
        service.complete(slip.task_id, {**SLIP, "petitioner_feedback_done": False}, DEPT1)
    assert "petitioner_feedback_done" in not_told.value.fields
    do(service, iid, "reply_slip", DEPT1, SLIP)
    assert set(ready(service, iid)) == {"co_opinion"}                     # 销号 waits for the co-unit's opinion
    rec = do(service, iid, "co_opinion", DEPT2, {"co_opinion": "人社局配合核查社保记录"})
    assert rec.data["co_opinions"] == ["人社局配合核查社保记录"]
    assert set(ready(service, iid)) == {"archive"}                        # 销号 only after the reply slip
    rec = do(service, iid, "archive", BUREAU, {"archive_no": "JA-2026-002", "closed_at": "2026-12-03T09:00:00+08:00"})
    assert (rec.status, rec.data["outcome"]) == ("completed", "handled_and_closed")
    assert [e.task for e in service.store.events(iid) if e.type == "task_completed"] == [
        "register", "leader_reception", "assignment_notice", "handle", "feedback", "reply_slip", "co_opinion", "archive"]
    assert service.replay(iid, AUDITOR) == (True, None)


@pytest.mark.parametrize("opinion, extra", [
    ("study_after_session", {}),
    ("leader_takes_charge_包案", {"responsible_leader": "张明"}),
    ("submit_to_party_committee_government", {}),
])
def test_other_opinions_are_assigned_with_the_default_deadline(service, opinion, extra):
    iid = received(service)
    do(service, iid, "leader_reception", LEADER, {"leader_opinion": opinion, "instruction_text": "研究后答复",
                                                  "lead_unit": "住建局", **extra})
    if opinion == "submit_to_party_committee_government":
        assert set(ready(service, iid)) == {"escalation_record"}
        do(service, iid, "escalation_record", BUREAU, {"submitted_to": "county_government", "submitted_at": "2026-11-24",
                                                       "escalation_result": "由住建局牵头解决",
                                                       "result_received_at": "2026-11-30"})
    notice = ready(service, iid)["assignment_notice"]
    data = service.task(notice.task_id, BUREAU).data
    assert data["deadline"] == "2027-01-22"                               # 60 calendar days after 2026-11-23
    assert ("由住建局牵头解决" in data["leader_instruction"]) == (opinion == "submit_to_party_committee_government")


def test_reminder_then_overdue_starts_supervision(service):
    iid = noticed(service, {**ASSIGN, "co_units": []})
    assert set(ready(service, iid)) == {"handle"}
    service.clock.set(china(12, 1, 8, 59))                               # 3 working days before 12-04, 09:00
    assert service.fire_due_timers() == []
    service.clock.set(china(12, 1, 9, 1))
    assert service.fire_due_timers() == [(iid, ["催办提醒"])]
    assert [t["task"] for t in service.instance(iid, BUREAU).timers] == ["超期"]

    service.clock.set(china(12, 5))
    assert service.fire_due_timers() == [(iid, ["超期"])]
    assert set(ready(service, iid)) == {"handle"}                        # handling continues
    fired = [e for e in service.store.events(iid) if e.type == "timers_fired"][-1]
    assert fired.result["sent"] == ["petition_supervision"]
    payload = next(m.payload for m in service.store._messages.values() if m.name == "petition_supervision")
    case_no = service.instance(iid, BUREAU).data["case_no"]
    assert payload == {"trigger": "(四)", "description": "接访交办事项超期未办结：" + case_no,
                       "target_units": ["住建局"], "origin_case_no": case_no}
    do(service, iid, "handle", DEPT1, HANDLE)
    assert set(ready(service, iid)) == {"feedback"}
    assert service.replay(iid, AUDITOR) == (True, None)


def test_dongan_requires_a_written_reply(service):
    iid = noticed(service, {**ASSIGN, "co_units": []}, variant="dongan_county")
    do(service, iid, "handle", DEPT1, HANDLE)
    rec = do(service, iid, "feedback", DEPT1, FEEDBACK)
    assert set(ready(service, iid)) == {"feedback"} and rec.data["feedback_rounds"] == 1
    with pytest.raises(InvalidData) as no_doc:
        service.complete(ready(service, iid)["feedback"].task_id, {**FEEDBACK, "method": "written"}, DEPT1)
    assert "reply_document" in no_doc.value.fields
    do(service, iid, "feedback", DEPT1, {**FEEDBACK, "method": "written", "reply_document": "东信复〔2026〕12号"})
    assert set(ready(service, iid)) == {"reply_slip"}


def test_case_bad_input(service):
    iid = service.start("reception_case", {}, BUREAU).id                  # by hand: defaults filled in
    register = ready(service, iid)["register"]
    assert register.due_at == end_of(11, 23)
    with pytest.raises(InvalidData) as six:
        service.complete(register.task_id, {**CASE, "is_group": True, "persons_count": 30,
                                            "representatives": ["甲", "乙", "丙", "丁", "戊", "己"]}, BUREAU)
    assert "representatives" in six.value.fields
    with pytest.raises(InvalidData) as none_chosen:
        service.complete(register.task_id, {**CASE, "is_group": True, "persons_count": 30}, BUREAU)
    assert "representatives" in none_chosen.value.fields
    with pytest.raises(NotAllowed):
        service.complete(register.task_id, CASE, LEADER)
    do(service, iid, "register", BUREAU, {**CASE, "is_group": True, "persons_count": 30,
                                          "representatives": ["甲", "乙", "丙", "丁", "戊"]})
    task = ready(service, iid)["leader_reception"]
    with pytest.raises(InvalidData) as no_deadline:
        service.complete(task.task_id, {k: v for k, v in ASSIGN.items() if k != "deadline"}, LEADER)
    assert "deadline" in no_deadline.value.fields
    with pytest.raises(InvalidData) as bad_opinion:
        service.complete(task.task_id, {**ASSIGN, "leader_opinion": "ignore"}, LEADER)
    assert "leader_opinion" in bad_opinion.value.fields
    with pytest.raises(NotAllowed):
        service.complete(task.task_id, ASSIGN, BUREAU)


def noticed_for_lead_only(service) -> str:
    """A reception case assigned to 住建局 alone, waiting for its handling (used by tests/test_links.py)."""
    return noticed(service, {**ASSIGN, "co_units": []})


# the rota: reception days run themselves ---------------------------------------------------------------------
def rota_of(service):
    from engine.reception import Rota
    return Rota.of(service)


def scheduled_day(service) -> str:
    """The rota names leader1 for 2026-12-25 (Linyi) with leader2 as first convener; the worker starts the day."""
    rota_of(service).add("linyi_bureau", "2026-12-25", "leader1", "局长", convener="leader2")
    service.clock.set(china(12, 11, 0, 5))                                 # 14 days ahead
    service.fire_due_timers()
    (day,) = service.instances(AUDITOR, "reception_day")
    return day.id


def test_a_scheduled_reception_day_starts_itself_once(service):
    from engine.service import Service
    rota = rota_of(service)
    entry = rota.add("linyi_bureau", "2026-12-25", "leader1", "局长", convener="leader2")
    assert entry.start_on == "2026-12-11"
    assert service.fire_due_timers() == [] and service.instances(AUDITOR, "reception_day") == []   # 11-23: too early
    service.clock.set(china(12, 11, 0, 5))
    other = Service(service.store, service.clock)                          # a second worker on the same store
    service.fire_due_timers()
    other.fire_due_timers()
    service.fire_due_timers()
    (day,) = service.instances(AUDITOR, "reception_day")                   # started once
    assert rota.page()[0][0].instance_id == day.id
    data = day.data
    assert (data["rota_scheduled"], data["variant"], data["reception_date"], data["duty_leader"], data["leader_name"],
            data["first_convener"]) == (True, "linyi_bureau", "2026-12-25", "leader1", leader_display(service), "leader2")
    announce = ready(service, day.id)["announce"]                          # no choosing or planning by hand
    assert set(ready(service, day.id)) == {"announce"} and announce.due_at == end_of(12, 18)    # 7 days ahead
    assert (data["start_time"], data["location"]) == ("09:00", "局接访室")  # the variant's rule
    from engine.reception import RotaError
    with pytest.raises(RotaError):
        rota.remove(entry.id)                                              # a started day stays on the rota


def leader_display(service):
    user = service.store.get_user("leader1")
    return user.display_name or "leader1"


def test_rota_entries_are_checked(service):
    from engine.reception import RotaError, import_csv
    rota = rota_of(service)
    for bad, field in [(("nowhere", "2026-12-25", "leader1"), "variant"), (("linyi_bureau", "2026-13-01", "leader1"),
                       "reception_date"), (("linyi_bureau", "2026-12-25", "dept1x"), "leader")]:
        with pytest.raises(RotaError) as wrong:
            rota.add(*bad)
        assert field in wrong.value.fields
    rota.add("linyi_bureau", "2026-12-25", "leader1")
    with pytest.raises(RotaError) as twice:
        rota.add("linyi_bureau", "2026-12-25", "leader2")
    assert "reception_date" in twice.value.fields
    added, problems = import_csv(rota, "variant,reception_date,leader,leader_title\nunion,2026-12-02,leader2,主席\n"
                                       "union,2026-12-09,ghost,主席\n")
    assert added == 0 and problems == [(3, {"leader": "not an active leader of the directory"})]  # line 3; nothing kept
    added, problems = import_csv(rota, "union,2026-12-02,leader2,主席\nunion,2026-12-09,leader1,主席\n")
    assert (added, problems) == (2, [])
    first, cursor = rota.page(limit=2)
    assert [e.reception_date for e in first] == ["2026-12-02", "2026-12-09"] and cursor
    rest, cursor = rota.page(after=cursor, limit=2)
    assert [e.reception_date for e in rest] == ["2026-12-25"] and cursor is None


def test_no_show_alerts_the_liaison_and_the_first_convener(service):
    iid = scheduled_day(service)
    do(service, iid, "announce", BUREAU, {"channels": ["poster"], "published_at": "2026-12-11T10:00:00+08:00"})
    do(service, iid, "appointment_intake", BUREAU, {"candidate_cases": []})
    assert set(ready(service, iid)) == {"open_session"}
    service.clock.set(china(12, 24, 9, 1))
    assert service.fire_due_timers() == [(iid, ["接访前提醒"])]
    service.clock.set(china(12, 25, 8, 59))                                # not yet the session time
    assert service.fire_due_timers() == []
    service.clock.set(china(12, 25, 9, 1))                                 # neither opened nor absence reported
    assert service.fire_due_timers() == [(iid, ["到时未到岗"])]
    alert = ready(service, iid)["no_show_alert"]
    assert alert.groups == ["petition_bureau", "user:leader2"] and alert.due_at == china(12, 25, 11)
    convener = Actor.of("leader2", ["leaders"])
    assert "no_show_alert" in inbox(service, convener, iid) and "no_show_alert" in inbox(service, BUREAU, iid)
    assert any(n["kind"] == "new_task" and "不得空岗" in n["text"] for n in service.notifications(convener))
    assert "open_session" in ready(service, iid)                           # the leader can still open the session
    do(service, iid, "no_show_alert", convener, {"no_show_action": "leader_reached",
                                                 "contacted_at": "2026-12-25T09:05:00+08:00"})
    do(service, iid, "open_session", LEADER, {"session_action": "start", "visitors_waiting": False})
    assert set(ready(service, iid)) == {"close_day", "remind_leader"}     # the reminder of 12-24 was never done
    assert service.replay(iid, AUDITOR) == (True, None)


def test_no_alert_when_the_leader_opens_in_time(service):
    iid = scheduled_day(service)
    do(service, iid, "announce", BUREAU, {"channels": ["poster"], "published_at": "2026-12-11T10:00:00+08:00"})
    do(service, iid, "appointment_intake", BUREAU, {"candidate_cases": []})
    service.clock.set(china(12, 25, 8, 55))
    do(service, iid, "open_session", LEADER, {"session_action": "start", "visitors_waiting": False})
    service.clock.set(china(12, 25, 10))
    assert service.fire_due_timers() == [] and set(ready(service, iid)) == {"close_day"}


# reception matters in the statutory petition track; group visits under supervision ---------------------------------
@pytest.fixture
def linked():
    service = service_with("reception_day", "reception_case", "petition_case", "petition_supervision")
    add_leader(service, "leader2", "李强")
    return service


def test_only_the_named_duty_leader_receives_the_case(linked):
    iid = received(linked, duty_leader="leader2")
    task = ready(linked, iid)["leader_reception"]
    assert task.groups == ["user:leader2"]
    assert inbox(linked, LEADER, iid) == set() and inbox(linked, OTHER_LEADER, iid) == {"leader_reception"}
    with pytest.raises(NotAllowed):
        linked.complete(task.task_id, ASSIGN, LEADER)


def test_a_reception_matter_becomes_a_petition_case_linked_both_ways(linked):
    iid = noticed(linked, {**ASSIGN, "co_units": []})
    reception = linked.instance(iid, BUREAU).data
    (petition,) = linked.instances(AUDITOR, "petition_case")
    assert petition.parent_id == iid and petition.data["parent_case_no"] == reception["case_no"]
    assert [c.id for c in linked.store.list_instances(parent_id=iid)] == [petition.id]     # the reception case's link
    data = petition.data
    assert (data["channel"], data["received_on"], data["petitioner_name"], data["summary"], data["reception_case_no"]) == (
        "appointment", "2026-11-23", "李四", "低保待遇停发", reception["case_no"])
    register = ready(linked, petition.id)["register"]
    assert register.groups == ["petition_bureau"]
    shown = linked.task(register.task_id, BUREAU).data                     # the registration form comes filled in
    assert (shown["petitioner_name"], shown["phone"], shown["received_on"]) == ("李四", "13800000002", "2026-11-23")
    do(linked, petition.id, "register", BUREAU, {
        "channel": "reception_day", "received_on": "2026-11-23", "petitioner_name": "李四", "phone": "13800000002",
        "summary": "低保待遇停发", "petition_class": "claim", "category": "livelihood_support", "persons_count": 1})
    accept = ready(linked, petition.id)["accept_decision"]                 # the 15-day acceptance notice
    assert (accept.groups, accept.due_at) == (["petition_bureau"], end_of(12, 8))
    assert set(ready(linked, iid)) == {"handle"}                           # the reception case goes on
    assert linked.instances(AUDITOR, "petition_supervision") == []         # one visitor: no group supervision


def test_a_group_visit_of_five_starts_supervision_three(linked):
    iid = noticed(linked, {**ASSIGN, "co_units": []}, is_group=True, persons_count=5,
                  representatives=["甲", "乙", "丙", "丁", "戊"])
    case_no = linked.instance(iid, BUREAU).data["case_no"]
    (supervision,) = linked.instances(AUDITOR, "petition_supervision")
    assert supervision.parent_id == iid
    data = supervision.data
    assert (data["trigger"], data["target_units"], data["linked_items"], data["origin_case_no"]) == (
        "(三)", ["住建局"], [case_no], case_no)
    assert data["description"] == "领导接访日集体访（5人）：低保待遇停发"
    register = linked.task(ready(linked, supervision.id)["register"].task_id, BUREAU).data
    assert register["trigger"] == "(三)"
    (petition,) = linked.instances(AUDITOR, "petition_case")
    assert petition.data["parent_case_no"] == case_no                     # the group's matter is a petition case too
    assert (petition.data["is_group"], petition.data["persons_count"], len(petition.data["representatives"])) == (
        True, 5, 5)                                                       # the visitors come along, not reset


def test_a_group_of_four_is_not_supervised(linked):
    noticed(linked, {**ASSIGN, "co_units": []}, is_group=True, persons_count=4, representatives=["甲", "乙"])
    assert linked.instances(AUDITOR, "petition_supervision") == []


def test_a_late_co_unit_is_chased_and_supervised_without_blocking_the_lead(linked):
    iid = noticed(linked, ASSIGN)
    assert set(ready(linked, iid)) == {"co_opinion", "handle"}
    linked.clock.set(china(11, 27, 9, 1))                                  # the working day before 11-30, 09:00
    assert linked.fire_due_timers() == [(iid, ["配合意见催办"])]
    linked.clock.set(china(12, 1, 0, 1))                                   # 11-30 has passed
    assert linked.fire_due_timers() == [(iid, ["配合意见超期"])]
    (supervision,) = linked.instances(AUDITOR, "petition_supervision")
    case_no = linked.instance(iid, BUREAU).data["case_no"]
    assert (supervision.data["trigger"], supervision.data["target_units"], supervision.data["origin_case_no"]) == (
        "(四)", ["人社局"], case_no)
    assert set(ready(linked, iid)) == {"co_opinion", "handle"}             # both go on
    do(linked, iid, "handle", DEPT1, HANDLE)
    do(linked, iid, "co_opinion", DEPT2, {"co_opinion": "迟到的意见"})
    assert set(ready(linked, iid)) == {"feedback"}


def test_feedback_past_the_deadline_is_supervised_once(linked):
    iid = noticed(linked, {**ASSIGN, "co_units": []})
    do(linked, iid, "handle", DEPT1, HANDLE)                               # in time
    linked.clock.set(china(12, 5))                                         # the unit sits on the answer
    assert linked.fire_due_timers() == [(iid, ["超期"])]
    assert len(linked.instances(AUDITOR, "petition_supervision")) == 1
    rec = do(linked, iid, "feedback", DEPT1, FEEDBACK)
    assert rec.data["overdue_reported_due"] == "2026-12-04"                # this deadline was already supervised
    # the reply slip is late on the same deadline: its overdue timer is due at once and ends without a message
    assert linked.instance(iid, BUREAU).timers == [] and "sent" not in linked.store.events(iid)[-1].result
    linked.clock.set(china(12, 6))
    assert linked.fire_due_timers() == []
    assert len(linked.instances(AUDITOR, "petition_supervision")) == 1     # one supervision per deadline
    assert set(ready(linked, iid)) == {"reply_slip"}
    assert linked.replay(iid, AUDITOR) == (True, None)


def test_the_default_deadline_shows_its_rule(service):
    """A leader who keeps the default period: the handling task says how its date was counted (60 calendar days,
    a last day on a rest day or holiday moved to the next working day)."""
    iid = noticed(service, {**ASSIGN, "deadline": "2027-01-22"})
    handle = ready(service, iid)["handle"]
    assert (handle.due_rule, service.instance(iid, BUREAU).data["deadline_default"]) == ("CD:60", "2027-01-22")
