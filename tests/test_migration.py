"""Migrating running cases to a new version: the path ahead follows the new diagram, timers keep running,
the audit replay still reproduces every step, and a case whose tasks are gone is refused."""
from __future__ import annotations

from engine.access import Actor
from engine.design import migration
from engine.design.newprocess import new_process_files
from engine.library import Bundle
from tests.test_hotline import REPLY, REVIEWER, SATISFIED, at_handle
from tests.walk import do, ready, service_with

OP, DESIGNER, AUDITOR = Actor.of("op1", ["operators"]), Actor.of("d1", ["designers"]), Actor.of("a1", ["auditors"])
SECOND_TASK = ('<bpmn:sequenceFlow id="flow_mid" sourceRef="first_task" targetRef="second" />'
               '<bpmn:userTask id="second" name="复核"><bpmn:extensionElements><spiffworkflow:properties>'
               '<spiffworkflow:property name="formJsonSchemaFilename" value="demo_first_task.schema.json" />'
               '<spiffworkflow:property name="formUiSchemaFilename" value="demo_first_task.uischema.json" />'
               '<spiffworkflow:property name="candidateGroups" value=\'"reviewers"\' />'
               '</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>'
               '<bpmn:sequenceFlow id="flow_end" sourceRef="second" targetRef="end" />')


def test_a_migrated_case_follows_the_new_diagram():
    service = service_with()
    files = new_process_files("demo", "Demo")
    service.deploy(Bundle("demo", files))
    iid = service.start("demo", {}, OP).id
    added = files["demo.bpmn"].replace('<bpmn:sequenceFlow id="flow_end" sourceRef="first_task" targetRef="end" />',
                                       SECOND_TASK)
    service.deploy(Bundle("demo", {**files, "demo.bpmn": added}), "d1", "复核环节")
    assert migration.migrate(service, "demo", [iid], DESIGNER, "新规定")[0]["ok"]
    do(service, iid, "first_task", OP, {"summary": "x"})
    assert set(ready(service, iid)) == {"second"} and ready(service, iid)["second"].groups == ["reviewers"]
    assert service.replay(iid, AUDITOR) == (True, None)


def test_a_migrated_hotline_ticket_with_timers_runs_to_the_end():
    service = service_with("hotline")
    iid = at_handle(service)
    files = dict(service.current("hotline")[1].bundle.files)
    files["hotline_handle.schema.json"] = files["hotline_handle.schema.json"].replace('"title": "办理情况"', '"title": "办理情况（新）"')
    service.deploy_files("hotline", files, "d1", "表单标题")
    assert migration.migrate(service, "hotline", [iid], DESIGNER, "适用新表单")[0]["ok"]
    rec = service.store.get_instance(iid)
    assert rec.version == 2 and {t["task"] for t in rec.timers} == {"催办提醒", "超期"}
    dept1 = Actor.of("dept1", ["dept:住建局"])
    assert service.task(ready(service, iid)["handle"].task_id, dept1).form.schema["properties"]["action"]["title"] == \
        "办理情况（新）"
    do(service, iid, "handle", dept1, REPLY)
    do(service, iid, "review_reply", REVIEWER, {"review_decision": "accept"})
    do(service, iid, "callback", REVIEWER, SATISFIED)
    rec = do(service, iid, "archive", REVIEWER, {"archive_no": "RX-1", "archive_category": "投诉"})
    assert rec.status == "completed" and service.replay(iid, AUDITOR) == (True, None)
    assert [e.type for e in service.store.events(iid)].count("migrated") == 1


def test_migration_is_refused_for_non_designers_and_for_cases_already_current():
    service = service_with("hotline")
    iid = at_handle(service)
    try:
        migration.migrate(service, "hotline", [iid], OP, "x")
        raise AssertionError("an operator migrated a case")
    except migration.NotAllowed:
        pass
    result = migration.migrate(service, "hotline", [iid, "nope"], DESIGNER, "x")
    assert [r["ok"] for r in result] == [False, False] and "already runs" in result[0]["reason_en"]
