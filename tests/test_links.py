"""Cross-case links end to end through the API: an overdue hotline ticket the centre refers to petition
supervision starts a supervision case, both pages show the link, and closing the supervision records its outcome
on the ticket."""
from __future__ import annotations

import pytest

from engine.access import Actor
from tests.test_api import DEPT1, DISPATCH, OP, basic, complete, start_ticket
from tests.test_petition_case import at_handle
from tests.test_petition_supervision import (
    MATERIALS,
    MODE_DATA,
    OPINION,
    RECTIFY,
    SELF_CHECK,
)
from tests.test_reception import noticed_for_lead_only
from tests.walk import china
from webapp.demo import EXAMPLES

BUREAU, SUP, EFF = basic("petition1"), basic("sup1"), basic("eff1")
NOTICE = {"doc_no": "兰效建〔2026〕3号", "issued_at": "2026-12-01", "notice_units": ["住建局"],
          "required_completion_date": "2026-12-04", "notice_content": "限期办结"}
REFER = {"supervision_note": "已电话督办，移交信访局督查", "refer_to_supervision": True}


@pytest.fixture
def client(app):
    return app.test_client()


def task_named(client, headers, name, instance_id):
    tasks = [t for t in client.get("/api/v1/tasks", headers=headers).get_json() if t["instance_id"] == instance_id]
    return next(t for t in tasks if t["name"] == name)


def do(client, headers, name, instance_id, data):
    response = complete(client, task_named(client, headers, name, instance_id)["id"], data, headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def overdue_ticket(app, client) -> str:
    ticket = start_ticket(client)
    do(client, OP, "register", ticket["id"], EXAMPLES[0])
    do(client, OP, "dispatch", ticket["id"], DISPATCH)
    do(client, DEPT1, "accept", ticket["id"], {"decision": "accept"})
    runner = app.test_cli_runner()
    out = runner.invoke(args=["engine", "tick", "--now", "2026-12-01T09:00:00+08:00"]).output
    assert f"{ticket['id']}: 催办提醒, 超期" in out
    assert client.get(f"/api/v1/instances/{ticket['id']}", headers=OP).get_json()["links"]["children"] == []
    do(client, EFF, "efficiency_notice", ticket["id"], NOTICE)          # overdue alone: the 效能办's 建议书
    do(client, basic("review1"), "overdue_supervise", ticket["id"], REFER)   # the centre refers it
    return ticket["id"]


def test_overdue_ticket_starts_supervision_and_gets_its_outcome_back(app, client):
    ticket_id = overdue_ticket(app, client)
    ticket = client.get(f"/api/v1/instances/{ticket_id}", headers=OP).get_json()
    [child] = ticket["links"]["children"]
    assert child["process_key"] == "petition_supervision" and child["status"] == "running"
    sup_id = child["id"]
    supervision = client.get(f"/api/v1/instances/{sup_id}", headers=SUP).get_json()
    assert supervision["parent_id"] == ticket_id and supervision["links"]["parent"] == ticket_id
    register = task_named(client, BUREAU, "register", sup_id)
    shown = client.get(f"/api/v1/tasks/{register['id']}", headers=BUREAU).get_json()["data"]
    assert shown["trigger"] == "(四)" and shown["target_units"] == ["住建局"]
    assert shown["origin_case_no"] == ticket["data"]["case_no"] and shown["parent_process"] == "hotline"

    do(client, BUREAU, "register", sup_id, {k: shown[k] for k in
                                            ("trigger", "target_units", "description", "origin_case_no")})
    do(client, BUREAU, "plan", sup_id, {"supervisor": "sup1", "planned_at": "2026-12-02", "modes": ["phone"]})
    do(client, DEPT1, "self_check", sup_id, SELF_CHECK)
    do(client, SUP, "phone_record", sup_id, MODE_DATA["phone_record"])
    do(client, DEPT1, "provide_materials", sup_id, MATERIALS)
    do(client, SUP, "opinion", sup_id, OPINION)
    do(client, DEPT1, "rectification", sup_id, RECTIFY)
    do(client, SUP, "evaluation", sup_id, {"evaluation_outcome": "resolved", "evaluation_note": "已办结"})
    ticket = client.get(f"/api/v1/instances/{ticket_id}", headers=OP).get_json()
    waiting = sorted(t["name"] for t in ticket["ready_tasks"])
    closed = do(client, BUREAU, "archive", sup_id, {"archive_no": "DC-1", "closing_summary": "超期问题已督办解决"})
    assert closed["status"] == "completed", [(t["name"], t["title"]) for t in closed["ready_tasks"]]
    assert closed["data"]["outcome"] == "resolved"

    ticket = client.get(f"/api/v1/instances/{ticket_id}", headers=OP).get_json()
    [outcome] = ticket["links"]["outcomes"]
    assert outcome["from_instance"] == sup_id and outcome["payload"]["outcome"] == "resolved"
    assert outcome["payload"]["summary"] == "超期问题已督办解决"
    assert sorted(t["name"] for t in ticket["ready_tasks"]) == waiting and waiting   # the ticket's work stays
    assert "handle" in [t["name"] for t in client.get("/api/v1/tasks", headers=DEPT1).get_json()
                        if t["instance_id"] == ticket_id]
    history = client.get(f"/api/v1/instances/{ticket_id}/history", headers=basic("audit1")).get_json()
    assert history["chain_ok"] and (history["events"][-1]["type"], history["events"][-1]["actor"]) == \
        ("linked_outcome", "system")
    assert client.post(f"/api/v1/instances/{ticket_id}/replay", headers=basic("audit1")).get_json()["matches"]


def test_both_case_pages_show_the_link(app, client):
    from tests.conftest import login
    ticket_id = overdue_ticket(app, client)
    login(client, "sup1")
    page = client.get(f"/instances/{ticket_id}").get_data(as_text=True)
    assert "已发起" in page and "信访督查督办" in page
    sup_id = client.get(f"/api/v1/instances/{ticket_id}", headers=SUP).get_json()["links"]["children"][0]["id"]
    assert "由此案件发起" in client.get(f"/instances/{sup_id}").get_data(as_text=True)


def test_a_thrown_message_is_sent_once_not_again_on_later_steps(app, client):
    ticket_id = overdue_ticket(app, client)
    do(client, DEPT1, "handle", ticket_id, {"action": "reply", "result_text": "已处理", "measures_taken": "停工整改",
                                            "caller_feedback_done": False, "completed_at": "2026-11-23"})
    ticket = client.get(f"/api/v1/instances/{ticket_id}", headers=OP).get_json()
    assert len(ticket["links"]["children"]) == 1


@pytest.mark.parametrize("reach_handling, overdue_at", [
    (at_handle, china(1, 23, year=2027)), (noticed_for_lead_only, china(12, 5))])
def test_overdue_petition_and_reception_cases_start_linked_supervision(service, reach_handling, overdue_at):
    iid = reach_handling(service)
    service.clock.set(overdue_at)
    assert iid in {i for i, _ in service.fire_due_timers()}
    overseer = Actor.of("sup1", ["supervisors"])
    children = service.links(service.instance(iid, overseer))["children"]
    [child] = [c for c in children if c.process_key == "petition_supervision"]   # a reception case also has its petition
    assert child.parent_id == iid
    register = service.ready_tasks(child.id)[0]
    shown = service.task(register.task_id, overseer).data
    assert shown["trigger"] == "(四)" and shown["origin_case_no"] == service.instance(iid, overseer).data["case_no"]


def test_a_message_that_cannot_start_its_case_is_recorded_on_the_sender_once(service, caplog):
    import logging

    from engine.library import bundle_from_directory
    from tests.conftest import ROOT
    from tests.test_workers import ticket_in_handling
    bundle = bundle_from_directory("petition_supervision", ROOT / "processes", ROOT / "forms")
    xml = bundle.files["petition_supervision.bpmn"]
    bundle.files["petition_supervision.bpmn"] = xml.replace("supervision_round = 1\n", "supervision_round = 1 / 0\n")
    service.deploy(bundle)                                  # a broken new version: every start fails
    iid = ticket_in_handling(service)
    service.clock.set(china(12, 1))
    assert [i for i, _ in service.fire_due_timers()] == [iid]
    from tests.test_hotline import EFF, NOTICE as HOTLINE_NOTICE, REVIEWER
    from tests.walk import do as walk_do
    walk_do(service, iid, "efficiency_notice", EFF, HOTLINE_NOTICE)
    with caplog.at_level(logging.ERROR, logger="engine.links"):
        walk_do(service, iid, "overdue_supervise", REVIEWER, REFER)
    [message] = service.store._messages.values()
    [failed] = [e for e in service.store.events(iid) if e.type == "message_failed"]
    assert (failed.actor, failed.data["message"]) == ("system", "petition_supervision")
    assert "division by zero" in failed.data["error"]
    assert service.store.pending_messages() == [] and service.store.list_instances(parent_id=iid) == []
    assert "handle" in [t.bpmn_id for t in service.ready_tasks(iid)]                     # the ticket goes on
    [logged] = [r.getMessage() for r in caplog.records if r.name == "engine.links"]
    assert logged.startswith(f"message {message.id} (petition_supervision) could not be delivered: ")
    assert "division by zero" in logged
    assert service.deliver_messages() == 0 and len(service.store.events(iid)) == failed.seq   # not retried


def test_only_plain_names_pass_from_a_message_into_the_new_case():
    from engine.links import _clean
    assert _clean({"ok": 1, "_getattr_": 2, "not a name": 3, "x-y": 4, "_": 5}) == {"ok": 1}


def test_the_outcomes_are_what_linked_cases_reported_in_order():
    import datetime as dt
    from types import SimpleNamespace

    from engine.links import linked_outcomes
    at = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)
    events = [SimpleNamespace(type=kind, at=at + dt.timedelta(minutes=n), data={"message": f"m{n}"})
              for n, kind in enumerate(["started", "linked_outcome", "task_completed", "message_received"])]
    assert linked_outcomes(events) == [{"at": "2026-11-23T09:01:00+00:00", "message": "m1"},
                                       {"at": "2026-11-23T09:03:00+00:00", "message": "m3"}]


NS = ('xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
      'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"')


def _message(kind: str, id_: str, ref: str, payload: str, flows: str) -> str:
    return (f'<bpmn:{kind} id="{id_}">{flows}<bpmn:messageEventDefinition id="med_{id_}" messageRef="{ref}">'
            f'<bpmn:extensionElements><spiffworkflow:messagePayload>{payload}</spiffworkflow:messagePayload>'
            f'</bpmn:extensionElements></bpmn:messageEventDefinition></bpmn:{kind}>')


def _linked_bundles():
    """`ask` sends message `answer_it` (which starts process `answer_it`) and waits for `answered`,
    which the child sends when it ends."""
    from engine.library import Bundle
    flow = '<bpmn:sequenceFlow id="{0}" sourceRef="{1}" targetRef="{2}" />'
    ask = (f'<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions {NS} id="d_ask" targetNamespace="x">'
           '<bpmn:message id="m_answer_it" name="answer_it" /><bpmn:message id="m_answered" name="answered" />'
           '<bpmn:process id="ask" isExecutable="true">'
           '<bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>'
           + _message("intermediateThrowEvent", "send", "m_answer_it", '{"question": "why", "_x": 1}',
                      "<bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>")
           + _message("intermediateCatchEvent", "wait", "m_answered", "",
                      "<bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>")
           .replace("<spiffworkflow:messagePayload></spiffworkflow:messagePayload>",
                    "<spiffworkflow:messageVariable>reply</spiffworkflow:messageVariable>")
           + '<bpmn:scriptTask id="note"><bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>'
           '<bpmn:script>done_on = today()</bpmn:script></bpmn:scriptTask>'      # runs in the sandbox, host functions
           + '<bpmn:endEvent id="end"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>'
           + flow.format("f1", "start", "send") + flow.format("f2", "send", "wait") + flow.format("f3", "wait", "note")
           + flow.format("f4", "note", "end")
           + '</bpmn:process></bpmn:definitions>')
    answer = (f'<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions {NS} id="d_answer" targetNamespace="x">'
              '<bpmn:message id="m_answered" name="answered" />'
              '<bpmn:process id="answer_it" isExecutable="true">'
              '<bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>'
              + _message("endEvent", "end", "m_answered", '{"answer": "because"}',
                         "<bpmn:incoming>f1</bpmn:incoming>")
              + flow.format("f1", "start", "end") + '</bpmn:process></bpmn:definitions>')
    return Bundle("ask", {"ask.bpmn": ask}), Bundle("answer_it", {"answer_it.bpmn": answer})


def test_a_case_waiting_for_a_message_receives_it_from_the_case_it_started(service):
    from engine.access import SYSTEM
    for bundle in _linked_bundles():
        service.deploy(bundle)
    parent = service.start("ask", {}, SYSTEM)
    assert service.deliver_messages() == 0                       # both messages went at once
    [child] = service.store.list_instances(parent_id=parent.id)
    assert child.process_key == "answer_it" and child.data["parent_process"] == "ask"
    assert child.data["parent_case_no"] == parent.data["case_no"] and "_x" not in child.data
    assert [(e.type, e.actor) for e in service.store.events(child.id)][0] == ("started", "system")
    parent = service.store.get_instance(parent.id)
    assert parent.status == "completed" and parent.data["reply"] == {"answer": "because"}
    assert parent.data["done_on"] == "2026-11-23"
    started, received = service.store.events(parent.id)         # received once, not again as an outcome
    assert (started.type, received.type) == ("started", "message_received")
    assert (received.actor, received.data) == ("system", {
        "message": "answered", "payload": {"answer": "because"}, "from_instance": child.id,
        "from_case_no": child.data["case_no"], "from_process": "answer_it"})
    assert service.links(parent)["outcomes"][0]["payload"] == {"answer": "because"}
    assert history_ok(service, parent.id)


def history_ok(service, iid):
    from engine.access import SYSTEM
    return service.history(iid, SYSTEM)[1] and service.replay(iid, SYSTEM) == (True, None)


def test_a_message_nobody_waits_for_is_recorded_as_unrouted_on_its_sender(service):
    from engine.access import SYSTEM
    service.deploy(_linked_bundles()[1])
    alone = service.start("answer_it", {}, SYSTEM)                # no parent to tell
    last = service.store.events(alone.id)[-1]
    assert (last.type, last.actor, last.data) == ("message_unrouted", "system", {"message": "answered"})
    assert service.store.pending_messages() == [] and history_ok(service, alone.id)


def test_a_case_that_receives_a_message_lists_the_user_task_it_then_waits_at(service):
    """After the message the waiting case stops at a user task: its task row (group, form) is read from
    the case's own compiled diagram."""
    from engine.access import SYSTEM
    from engine.design.newprocess import new_process_files
    from engine.library import Bundle
    ask, answer = _linked_bundles()
    forms = {k: v for k, v in new_process_files("ask", "Ask").items() if k.endswith(".json")}
    script = '<bpmn:scriptTask id="note">'
    xml = ask.files["ask.bpmn"]
    note = xml[xml.index(script):xml.index("</bpmn:scriptTask>") + len("</bpmn:scriptTask>")]
    check = ('<bpmn:userTask id="note" name="核对答复"><bpmn:extensionElements><spiffworkflow:properties>'
             '<spiffworkflow:property name="formJsonSchemaFilename" value="ask_first_task.schema.json" />'
             '<spiffworkflow:property name="formUiSchemaFilename" value="ask_first_task.uischema.json" />'
             '<spiffworkflow:property name="candidateGroups" value=\'"reviewers"\' />'
             '</spiffworkflow:properties></bpmn:extensionElements>'
             '<bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing></bpmn:userTask>')
    service.deploy(Bundle("ask", {"ask.bpmn": xml.replace(note, check), **forms}))
    service.deploy(answer)
    parent = service.start("ask", {}, SYSTEM)
    parent = service.store.get_instance(parent.id)
    assert parent.status == "running" and parent.data["reply"] == {"answer": "because"}
    [row] = service.store.instance_tasks(parent.id, ready_only=True)
    assert (row.bpmn_id, row.title, row.groups) == ("note", "核对答复", ["reviewers"])
    assert [e.type for e in service.store.events(parent.id)] == ["started", "message_received"]
    assert history_ok(service, parent.id)
