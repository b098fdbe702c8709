"""Petition supervision (信访督查督办, 安康市信访督查工作暂行办法) walked through the service layer.

Only this diagram is deployed. The hotline-origin chain uses a two-element stand-in named `hotline`
(defined below) that throws the same `petition_supervision` message as the real hotline, so the
engine itself supplies parent_case_no / parent_process and records our outcome on the parent.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from engine.access import Actor
from tests.walk import do, service_with
from engine.library import Bundle
from engine.directory import DirectoryError
from engine.service import InvalidData, NotAllowed
from engine.stats.bulletins import issue

ROOT = Path(__file__).resolve().parent.parent
CHINA = dt.timezone(dt.timedelta(hours=8))
KEY = "petition_supervision"

BUREAU = Actor.of("bureau1", ["petition_bureau"])
SUP = Actor.of("sup1", ["supervisors"])
REVIEWER = Actor.of("rev1", ["reviewers"])
OPERATOR = Actor.of("op1", ["operators"])
AUDITOR = Actor.of("auditor", ["auditors"])
UNIT = {"住建局": Actor.of("zj", ["dept:住建局"]), "人社局": Actor.of("rs", ["dept:人社局"])}

REGISTER = {"trigger": "(二)", "target_units": ["住建局"], "description": "某小区物业纠纷集中信访",
            "linked_items": ["XF2026-101", "XF2026-102"]}
PLAN = {"supervisor": "sup1", "planned_at": "2026-11-24"}
MODE_TASK = {"phone": "phone_record", "written": "written_letter", "meeting": "meeting_record",
             "onsite": "onsite_record"}
MODE_DATA = {
    "phone_record": {"phone_called_at": "2026-11-24T10:00:00+08:00", "phone_contact_person": "住建局 王科长",
                     "phone_content": "请于期限内报告办理情况"},
    "written_letter": {"letter_no": "安信督〔2026〕7号", "letter_issued_at": "2026-11-24", "letter_content": "督办函"},
    "meeting_record": {"meeting_at": "2026-11-25T09:00:00+08:00", "meeting_place": "市信访局会议室",
                       "meeting_attendees": ["住建局 王科长"], "meeting_minutes": "明确整改责任"},
    "onsite_record": {"onsite_at": "2026-11-25T14:00:00+08:00", "onsite_place": "某小区",
                      "onsite_findings": "现场查看了维修情况"},
}
SELF_CHECK = {"self_check_report": "已自查，存在答复不及时问题", "corrections_made": "已补充答复"}
MATERIALS = {"materials": [], "answers": "已如实说明办理经过", "answered_truthfully": True}
OPINION = {"findings": "答复超期", "opinions": "限期办结", "improvement_suggestions": "建立台账制度"}
RECTIFY = {"adopted": "all", "actions": "已建立台账并办结"}
ARCHIVE = {"archive_no": "DC-2026-01", "closing_summary": "督查督办已结案"}
NOT_RESOLVED = {"evaluation_outcome": "not_resolved", "evaluation_note": "仍未办结"}
RESOLVED = {"evaluation_outcome": "resolved", "evaluation_note": "问题已解决"}

HOTLINE_STAND_IN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="defs_stand_in" targetNamespace="http://x">
  <bpmn:message id="msg_ps" name="petition_supervision" />
  <bpmn:process id="hotline" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="startGroups" value='"operators"' />
      <spiffworkflow:property name="casePrefix" value="RX" />
    </spiffworkflow:properties></bpmn:extensionElements></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="notify" />
    <bpmn:intermediateThrowEvent id="notify"><bpmn:messageEventDefinition id="m1" messageRef="msg_ps">
      <bpmn:extensionElements><spiffworkflow:messagePayload>{"trigger": "(四)", "description": "12345热线工单超期未办结：" + case_no, "target_units": ["住建局"], "origin_case_no": case_no}</spiffworkflow:messagePayload></bpmn:extensionElements>
    </bpmn:messageEventDefinition></bpmn:intermediateThrowEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="notify" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>"""


def china(month, day, hour=9, minute=0):
    return dt.datetime(2026, month, day, hour, minute, tzinfo=CHINA)


def end_of(month, day):
    return dt.datetime(2026, month, day, 23, 59, 59, tzinfo=CHINA)


@pytest.fixture
def service():
    return service_with(KEY)


def ready(service, iid) -> dict:
    """{bpmn_id: [TaskRow, ...]} of the case's ready tasks."""
    found = {}
    for row in service.ready_tasks(iid):
        found.setdefault(row.bpmn_id, []).append(row)
    return found


def inbox(service, actor, iid) -> list[str]:
    return sorted(row.bpmn_id for row in service.inbox(actor) if row.instance_id == iid)




def registered(service, **changes) -> str:
    rec = service.start(KEY, {}, SUP)
    do(service, rec.id, "register", BUREAU, {**REGISTER, **changes})
    return rec.id


def run_round(service, iid, modes, evaluation, units=("住建局",), **plan):
    """One supervision round from S2 to S7; returns the record after the evaluation."""
    do(service, iid, "plan", BUREAU, {**PLAN, "modes": modes, **plan})
    for unit in units:
        do(service, iid, "self_check", UNIT[unit], SELF_CHECK)
    for mode in modes:
        do(service, iid, MODE_TASK[mode], SUP, MODE_DATA[MODE_TASK[mode]])
    for unit in units:
        do(service, iid, "provide_materials", UNIT[unit], MATERIALS)
    do(service, iid, "opinion", SUP, OPINION)
    for unit in units:
        do(service, iid, "rectification", UNIT[unit], RECTIFY)
    return do(service, iid, "evaluation", SUP, evaluation)


def archive(service, iid):
    assert set(ready(service, iid)) == {"archive"} and inbox(service, BUREAU, iid) == ["archive"]
    return do(service, iid, "archive", BUREAU, ARCHIVE)


def event_types(service, iid) -> list[str]:
    return [e.type for e in service.history(iid, AUDITOR)[0]]


# 1 ES1 --------------------------------------------------------------------------------------------
def test_hand_started_case_with_two_units_resolved_in_first_round(service):
    rec = service.start(KEY, {}, SUP)
    assert rec.data["case_no"].startswith("DC20261123-")
    assert [r.groups for r in ready(service, rec.id)["register"]] == [["petition_bureau", "supervisors"]]
    assert inbox(service, BUREAU, rec.id) == inbox(service, SUP, rec.id) == ["register"]
    iid = rec.id
    do(service, iid, "register", BUREAU, {**REGISTER, "target_units": ["住建局", "人社局"]})
    assert [r.groups for r in ready(service, iid)["plan"]] == [["petition_bureau"]]

    rec = do(service, iid, "plan", BUREAU, {**PLAN, "modes": ["phone", "written"]})
    assert rec.data["response_due"] == "2026-11-30"           # written: 5 working days (default table)
    checks = ready(service, iid)["self_check"]
    assert sorted(r.groups[0] for r in checks) == ["dept:人社局", "dept:住建局"]
    assert {r.due_at for r in checks} == {end_of(11, 30)}
    assert inbox(service, UNIT["住建局"], iid) == ["self_check"] and inbox(service, SUP, iid) == []
    for unit in ("住建局", "人社局"):
        do(service, iid, "self_check", UNIT[unit], SELF_CHECK)

    assert sorted(ready(service, iid)) == ["phone_record", "provide_materials", "written_letter"]
    assert inbox(service, SUP, iid) == ["phone_record", "written_letter"]
    assert inbox(service, UNIT["人社局"], iid) == ["provide_materials"]
    do(service, iid, "phone_record", SUP, MODE_DATA["phone_record"])
    do(service, iid, "written_letter", SUP, MODE_DATA["written_letter"])
    for unit in ("住建局", "人社局"):
        do(service, iid, "provide_materials", UNIT[unit], MATERIALS)
    rec = do(service, iid, "opinion", SUP, OPINION)
    assert rec.data["rectify_by"] == "2026-12-14"             # written: 15 working days
    assert [r["unit"] for r in rec.data["self_checks"]] == ["住建局", "人社局"]
    assert {r.due_at for r in ready(service, iid)["rectification"]} == {end_of(12, 14)}
    for unit in ("住建局", "人社局"):
        rec = do(service, iid, "rectification", UNIT[unit], RECTIFY)
    assert [r["adopted"] for r in rec.data["rectifications"]] == ["all", "all"]
    rec = do(service, iid, "evaluation", SUP, RESOLVED)
    assert rec.data["route"] == "close"
    rec = archive(service, iid)
    assert (rec.status, rec.data["outcome"]) == ("completed", "resolved")
    assert service.ready_tasks(iid) == [] and rec.timers == []
    history, chain_ok = service.history(iid, AUDITOR)
    assert chain_ok and history[-2].result["sent"] == ["supervision_outcome"]
    assert history[-1].type == "message_unrouted"              # started by hand: no parent to tell
    assert service.replay(iid, AUDITOR) == (True, None)


# 2 message start data, ES4 ----------------------------------------------------------------------
def test_started_with_overdue_message_data_prefills_register(service):
    rec = service.start(KEY, {"trigger": "(四)", "target_units": ["住建局"], "description": "x",
                              "origin_case_no": "RX1"}, BUREAU)
    register = ready(service, rec.id)["register"][0]
    shown = service.task(register.task_id, BUREAU).data
    assert (shown["trigger"], shown["target_units"], shown["description"], shown["origin_case_no"]) == \
        ("(四)", ["住建局"], "x", "RX1")
    assert shown["supervision_round"] == 1 and "parent_process" not in shown
    do(service, rec.id, "register", BUREAU, {k: shown[k] for k in ("trigger", "target_units", "description",
                                                                   "origin_case_no")})
    rec = run_round(service, rec.id, ["phone"], {**NOT_RESOLVED, "evaluation_outcome": "improved_partly"})
    assert rec.data["outcome_code"] == "closed_other"
    rec = archive(service, rec.id)
    assert (rec.status, rec.data["outcome"], rec.data["origin_case_no"]) == ("completed", "closed_other", "RX1")


# 3 hotline chain: efficiency notice, ladder, criticism / max rounds --------------------------------
@pytest.mark.parametrize("explained", [False, True])
def test_hotline_overdue_chain(service, explained):
    service.deploy(Bundle("hotline", {"hotline.bpmn": HOTLINE_STAND_IN}))
    parent = service.start("hotline", {}, OPERATOR)
    child = service.links(parent)["children"][0]
    iid = child.id
    assert child.process_key == KEY and child.data["case_no"].startswith("DC")
    assert (child.data["parent_process"], child.data["origin_case_no"]) == ("hotline", parent.data["case_no"])
    shown = service.task(ready(service, iid)["register"][0].task_id, BUREAU).data
    form = service.task(ready(service, iid)["register"][0].task_id, BUREAU).form
    do(service, iid, "register", BUREAU, {k: shown[k] for k in form.properties if k in shown})

    evaluation = {**NOT_RESOLVED, "unit_explained_delay": explained}
    rec = run_round(service, iid, ["phone"], evaluation)
    assert (rec.data["hotline_action"], rec.data["next_mode"], rec.data["escalate"]) == \
        ("efficiency_notice", "written", True)
    assert set(ready(service, iid)) == {"efficiency_notice"} and inbox(service, REVIEWER, iid) == ["efficiency_notice"]
    do(service, iid, "efficiency_notice", REVIEWER, {"doc_no": "兰效建〔2026〕3号", "issued_at": "2026-11-24",
                                                      "unit": "住建局", "required_completion_date": "2026-12-04"})
    plan = ready(service, iid)["plan"][0]
    assert service.task(plan.task_id, BUREAU).data["modes"] == ["written"]      # the stronger mode is preselected
    rec = run_round(service, iid, ["written"], evaluation)
    assert (rec.data["supervision_round"], rec.data["modes"], rec.data["hotline_action"]) == (3, ["meeting"], "")
    assert set(ready(service, iid)) == {"plan"}                  # one efficiency notice only
    rec = run_round(service, iid, ["meeting"], evaluation)
    if not explained:                                          # 3 rounds, no explanation: 通报批评
        assert set(ready(service, iid)) == {"criticism"} and inbox(service, REVIEWER, iid) == ["criticism"]
        criticism = {"criticism_doc_no": "兰热通〔2026〕1号", "criticism_issued_at": "2026-12-20",
                     "criticism_unit": "住建局", "criticism_reason": "多次督办未办结且不能说明原因",
                     "bulletin_issue": "2026年第12期", "published_in_bulletin": True}
        with pytest.raises(InvalidData) as unknown:            # the number must be an issued 工作动态
            do(service, iid, "criticism", REVIEWER, criticism)
        assert "bulletin_issue" in unknown.value.fields
        bulletin = issue(service.figures, "hotline_work", dt.date(2026, 11, 1), dt.date(2026, 11, 30), "rev1")
        assert bulletin.content["criticisms"] == [{"case_no": child.data["case_no"], "unit": "住建局"}]
        task = ready(service, iid)["criticism"][0]
        assert [c["value"] for c in _field(service.task(task.task_id, REVIEWER).form, "bulletin_issue")["choices"]] \
            == [bulletin.no]                                    # offered as a pick list
        do(service, iid, "criticism", REVIEWER, {**criticism, "bulletin_issue": bulletin.no})
        assert service.store.fact(iid)["bulletin_no"] == bulletin.no
        expected = "circulated_criticism"
    else:                                                      # explained: on-site round, then max rounds
        assert service.task(ready(service, iid)["plan"][0].task_id, BUREAU).data["modes"] == ["onsite"]
        rec = run_round(service, iid, ["onsite"], evaluation)
        assert [r["modes"] for r in rec.data["round_log"]] == [["phone"], ["written"], ["meeting"]]
        expected = "closed_other"
    rec = archive(service, iid)
    assert (rec.status, rec.data["outcome"]) == ("completed", expected)
    outcomes = service.links(service.store.get_instance(parent.id))["outcomes"]
    assert [o["payload"] for o in outcomes] == [{"outcome": expected, "case_no": child.data["case_no"],
                                                 "summary": ARCHIVE["closing_summary"],
                                                 "origin_case_no": parent.data["case_no"]}]
    assert service.replay(iid, AUDITOR) == (True, None)


# 4 ES2, on-site stays on-site -----------------------------------------------------------------------
def test_resolved_after_repeat(service):
    iid = registered(service)
    rec = run_round(service, iid, ["onsite"], NOT_RESOLVED)
    assert (rec.data["next_mode"], rec.data["escalate"], rec.data["supervision_round"]) == ("onsite", False, 2)
    assert rec.data["response_due"] is None and rec.data["round_log"][0]["evaluation_outcome"] == "not_resolved"
    rec = do(service, iid, "plan", BUREAU, {**PLAN, "modes": ["onsite"]})
    assert rec.data["response_due"] == "2026-11-26"          # on-site: 3 working days
    for task, actor, data in [("self_check", UNIT["住建局"], SELF_CHECK), ("onsite_record", SUP, MODE_DATA["onsite_record"]),
                              ("provide_materials", UNIT["住建局"], MATERIALS), ("opinion", SUP, OPINION),
                              ("rectification", UNIT["住建局"], RECTIFY), ("evaluation", SUP, RESOLVED)]:
        rec = do(service, iid, task, actor, data)
    assert rec.data["outcome_code"] == "resolved_after_repeat"
    rec = archive(service, iid)
    assert (rec.status, rec.data["outcome"]) == ("completed", "resolved_after_repeat")


# 5 ES3 --------------------------------------------------------------------------------------------
def test_obstruction_leads_to_accountability_recommendation(service):
    iid = registered(service)
    rec = run_round(service, iid, ["written"], {**RESOLVED, "obstruction": ["refused_suggestions",
                                                                           "concealed_or_falsified"]},
                    gov_office_assist=True, gov_office_note="请市政府督办室协助督办")
    assert rec.data["gov_office_assist"] is True
    assert set(ready(service, iid)) == {"accountability"} and inbox(service, SUP, iid) == ["accountability"]
    do(service, iid, "accountability", SUP, {"recipient_organ": "市监察局", "recommendation_text": "建议追究责任",
                                             "sent_at": "2026-11-30"})
    assert set(ready(service, iid)) == {"record_response"} and inbox(service, BUREAU, iid) == ["record_response"]
    do(service, iid, "record_response", BUREAU, {"response_received_at": "2026-12-20",
                                                 "accountability_response": "已对相关责任人诫勉谈话"})
    rec = archive(service, iid)
    assert (rec.status, rec.data["outcome"]) == ("completed", "accountability_recommended")


# 6 timers -----------------------------------------------------------------------------------------
def test_reminders_and_overdue_chasing(service):
    iid = registered(service)
    do(service, iid, "plan", BUREAU, {**PLAN, "modes": ["phone"], "response_due": "2026-12-01"})
    assert [t["task"] for t in service.store.get_instance(iid).timers] == ["自查自纠催办", "自查自纠超期"]
    service.clock.set(china(11, 30, 8, 59))                  # reminder: 09:00 one working day before
    assert service.fire_due_timers() == []
    service.clock.set(china(11, 30, 9, 1))
    assert service.fire_due_timers() == [(iid, ["自查自纠催办"])]
    assert set(ready(service, iid)) == {"self_check"}
    service.clock.set(china(12, 2))
    assert service.fire_due_timers() == [(iid, ["自查自纠超期"])]
    assert set(ready(service, iid)) == {"self_check", "chase_self_check"}
    assert inbox(service, BUREAU, iid) == ["chase_self_check"] and inbox(service, UNIT["住建局"], iid) == ["self_check"]
    do(service, iid, "chase_self_check", BUREAU, {"self_check_chase_note": "已电话催办"})
    do(service, iid, "self_check", UNIT["住建局"], SELF_CHECK)
    do(service, iid, "phone_record", SUP, MODE_DATA["phone_record"])
    do(service, iid, "provide_materials", UNIT["住建局"], MATERIALS)
    rec = do(service, iid, "opinion", SUP, {**OPINION, "rectify_by": "2026-12-10"})
    assert ready(service, iid)["rectification"][0].due_at == end_of(12, 10)
    assert [t["due_at"] for t in rec.timers] == ["2026-12-09T01:00:00+00:00", "2026-12-10T15:59:59+00:00"]
    service.clock.set(china(12, 9, 9, 30))
    assert service.fire_due_timers() == [(iid, ["整改催办"])]
    service.clock.set(china(12, 11))
    assert service.fire_due_timers() == [(iid, ["整改超期"])]
    assert inbox(service, SUP, iid) == ["chase_rectification"]
    do(service, iid, "chase_rectification", SUP, {"rectification_chase_note": "已督促"})
    do(service, iid, "rectification", UNIT["住建局"], {"adopted": "refused", "refusal_reason": "无法整改"})
    do(service, iid, "evaluation", SUP, RESOLVED)
    assert archive(service, iid).data["outcome"] == "resolved"
    assert "timers_fired" in event_types(service, iid)
    assert service.replay(iid, AUDITOR) == (True, None)


# 7 bad input --------------------------------------------------------------------------------------
def test_bad_input_and_wrong_groups(service):
    with pytest.raises(NotAllowed):
        service.start(KEY, {}, UNIT["住建局"])
    rec = service.start(KEY, {}, BUREAU)
    register = ready(service, rec.id)["register"][0]
    with pytest.raises(InvalidData) as missing:
        service.complete(register.task_id, {k: v for k, v in REGISTER.items() if k != "description"}, BUREAU)
    assert "description" in missing.value.fields
    with pytest.raises(InvalidData) as place:                # 定点督查督办 names the place
        service.complete(register.task_id, {**REGISTER, "trigger": "(一)"}, BUREAU)
    assert "target_place" in place.value.fields
    with pytest.raises(InvalidData) as bad_trigger:
        service.complete(register.task_id, {**REGISTER, "trigger": "(六)"}, BUREAU)
    assert "trigger" in bad_trigger.value.fields
    with pytest.raises(NotAllowed):
        service.complete(register.task_id, REGISTER, UNIT["住建局"])
    do(service, rec.id, "register", BUREAU, {**REGISTER, "target_units": ["住建局", "人社局"]})

    plan = ready(service, rec.id)["plan"][0]
    with pytest.raises(NotAllowed):                          # planning belongs to the petition bureau
        service.complete(plan.task_id, {**PLAN, "modes": ["phone"]}, SUP)
    with pytest.raises(InvalidData) as no_mode:
        service.complete(plan.task_id, {**PLAN, "modes": []}, BUREAU)
    assert "modes" in no_mode.value.fields
    with pytest.raises(InvalidData) as no_note:
        service.complete(plan.task_id, {**PLAN, "modes": ["phone"], "gov_office_assist": True}, BUREAU)
    assert "gov_office_note" in no_note.value.fields
    do(service, rec.id, "plan", BUREAU, {**PLAN, "modes": ["phone"]})

    zj_task = next(r for r in ready(service, rec.id)["self_check"] if r.groups == ["dept:住建局"])
    with pytest.raises(NotAllowed):                          # another unit's self-check
        service.complete(zj_task.task_id, SELF_CHECK, UNIT["人社局"])
    for unit in ("住建局", "人社局"):
        do(service, rec.id, "self_check", UNIT[unit], SELF_CHECK)
    materials = next(r for r in ready(service, rec.id)["provide_materials"] if r.groups == ["dept:住建局"])
    with pytest.raises(InvalidData) as untrue:
        service.complete(materials.task_id, {**MATERIALS, "answered_truthfully": False}, UNIT["住建局"])
    assert "answered_truthfully" in untrue.value.fields


def _field(form, name) -> dict:
    return next(f for f in form.fields() if f["key"] == name)


# issue 11 item 6: the 督查专员 is picked from the directory's supervisors and alone gets the supervision's tasks ---
def test_only_the_named_supervisor_gets_the_supervision_tasks(service):
    from engine.store import User
    from tests.walk import demo_hash
    service.store.add_user(User("sup2", demo_hash(), [], "督查室 sup2"))
    service.directory.add_member("督查室", "sup2", "handler")
    other = Actor.of("sup2", ["supervisors"])
    iid = registered(service)
    plan = ready(service, iid)["plan"][0]
    form = service.form_of(service.compiled(service.store.get_instance(iid).bundle_hash).user_tasks["plan"].form)
    assert [(c["const"], c["title"]) for c in form.schema["properties"]["supervisor"]["oneOf"]] == [
        ("sup1", "督查 sup1"), ("sup2", "督查室 sup2")]                            # the directory's supervisors
    with pytest.raises(InvalidData) as free_text:                                # not a name typed in
        service.complete(plan.task_id, {**PLAN, "supervisor": "李督查", "modes": ["phone", "onsite"]}, BUREAU)
    assert "supervisor" in free_text.value.fields
    do(service, iid, "plan", BUREAU, {**PLAN, "supervisor": "sup2", "modes": ["phone", "onsite"]})
    do(service, iid, "self_check", UNIT["住建局"], SELF_CHECK)
    phone = ready(service, iid)["phone_record"][0]
    assert phone.groups == ["user:sup2"] and ready(service, iid)["onsite_record"][0].groups == ["user:sup2"]
    assert inbox(service, SUP, iid) == [] and inbox(service, other, iid) == ["onsite_record", "phone_record"]
    with pytest.raises(NotAllowed):                                              # another supervisor
        service.complete(phone.task_id, MODE_DATA["phone_record"], SUP)
    with pytest.raises(DirectoryError):                                          # his named tasks keep him
        service.directory.set_user_active("sup2", False)
    with pytest.raises(InvalidData):                                             # not a colleague of his
        service.handover(phone.task_id, other, "出差", to_user="dept1")
    onsite = ready(service, iid)["onsite_record"][0]
    service.handover(onsite.task_id, other, "出差，由李督查现场督查", to_user="sup1")   # 转派 by name
    assert ready(service, iid)["onsite_record"][0].groups == ["user:sup1"]
    do(service, iid, "onsite_record", SUP, MODE_DATA["onsite_record"])
    do(service, iid, "phone_record", other, MODE_DATA["phone_record"])
    do(service, iid, "provide_materials", UNIT["住建局"], MATERIALS)
    do(service, iid, "opinion", other, OPINION)
    do(service, iid, "rectification", UNIT["住建局"], RECTIFY)
    assert inbox(service, SUP, iid) == [] and inbox(service, other, iid) == ["evaluation"]
    do(service, iid, "evaluation", other, RESOLVED)
    assert archive(service, iid).data["outcome"] == "resolved"
    assert service.replay(iid, AUDITOR) == (True, None)


# issue 11 item 1: the unit's materials are due, reminded and chased like its other responses ----------------
def test_materials_are_due_reminded_and_chased_by_the_named_supervisor(service):
    iid = registered(service)
    rec = do(service, iid, "plan", BUREAU, {**PLAN, "modes": ["phone"]})
    assert (rec.data["response_due"], rec.data["materials_due"]) == ("2026-11-26", "2026-12-01")   # 3 + 3 WD
    do(service, iid, "self_check", UNIT["住建局"], SELF_CHECK)
    assert ready(service, iid)["provide_materials"][0].due_at == end_of(12, 1)
    service.clock.set(china(11, 30, 9, 1))
    assert service.fire_due_timers() == [(iid, ["提供材料催办"])]
    service.clock.set(china(12, 2))
    assert service.fire_due_timers() == [(iid, ["提供材料超期"])]
    assert inbox(service, SUP, iid) == ["chase_materials", "phone_record"]
    assert inbox(service, UNIT["住建局"], iid) == ["provide_materials"]
    do(service, iid, "chase_materials", SUP, {"materials_chase_note": "已电话督促住建局当日提供"})
    do(service, iid, "phone_record", SUP, MODE_DATA["phone_record"])
    do(service, iid, "provide_materials", UNIT["住建局"], MATERIALS)
    assert set(ready(service, iid)) == {"opinion"}
    assert service.replay(iid, AUDITOR) == (True, None)


# a repeated round waits for every branch of its own round, whatever order they come in --------------------------
ROUND2_PHONE = {"phone_called_at": "2026-12-01T10:00:00+08:00", "phone_contact_person": "住建局 李局长",
                "phone_content": "第二轮：限期三日内报告"}


@pytest.mark.parametrize("first_round, second_round, order", [
    (["phone"], ["phone", "written"], ["provide_materials", "phone_record", "written_letter"]),
    (["phone"], ["phone", "written"], ["phone_record", "written_letter", "provide_materials"]),
    (["phone"], ["phone", "written"], ["written_letter", "provide_materials", "phone_record"]),
    (["phone", "written"], ["phone"], ["phone_record", "provide_materials"]),
    (["phone", "written"], ["phone"], ["provide_materials", "phone_record"]),
])
def test_a_repeated_round_waits_for_all_its_branches(service, first_round, second_round, order):
    iid = registered(service, target_units=["住建局", "人社局"])
    rec = run_round(service, iid, first_round, NOT_RESOLVED, units=("住建局", "人社局"))
    assert set(ready(service, iid)) == {"plan"} and rec.data["supervision_round"] == 2
    do(service, iid, "plan", BUREAU, {**PLAN, "modes": second_round})
    for unit in ("住建局", "人社局"):
        do(service, iid, "self_check", UNIT[unit], SELF_CHECK)
    answers = {"phone_record": (SUP, ROUND2_PHONE), "written_letter": (SUP, MODE_DATA["written_letter"])}
    for task in order:
        assert "opinion" not in ready(service, iid)           # not before every branch of this round is in
        if task == "provide_materials":
            for unit in ("人社局", "住建局"):
                do(service, iid, task, UNIT[unit], MATERIALS)
        else:
            do(service, iid, task, *answers[task])
    assert set(ready(service, iid)) == {"opinion"} and len(ready(service, iid)["opinion"]) == 1
    rec = service.store.get_instance(iid)
    assert rec.data["phone_content"] == ROUND2_PHONE["phone_content"]        # this round's record, not the last
    assert sorted(m["unit"] for m in rec.data["materials_provided"]) == ["人社局", "住建局"]
    do(service, iid, "opinion", SUP, OPINION)
    for unit in ("住建局", "人社局"):
        do(service, iid, "rectification", UNIT[unit], RECTIFY)
    do(service, iid, "evaluation", SUP, RESOLVED)
    rec = archive(service, iid)
    assert (rec.status, rec.data["outcome"]) == ("completed", "resolved_after_repeat")
    assert service.ready_tasks(iid) == [] and service.replay(iid, AUDITOR) == (True, None)
