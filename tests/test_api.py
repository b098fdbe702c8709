"""The JSON API contract (shared/API.md): shapes and status codes 201/200/422/403/404/409."""
from __future__ import annotations

import base64

import pytest

from webapp.demo import EXAMPLES


def basic(name, password="demo"):
    return {"Authorization": "Basic " + base64.b64encode(f"{name}:{password}".encode()).decode()}


OP, DEPT1, DEPT2, AUDIT = basic("op1"), basic("dept1"), basic("dept2"), basic("audit1")
DISPATCH = {"lead_unit": "住建局", "co_units": [], "requirements": "请核查并答复", "deadline_class": "general_5wd",
            "hide_caller_contact": False}


@pytest.fixture
def client(app):
    return app.test_client()


def start_ticket(client):
    started = client.post("/api/v1/processes/hotline/instances", json={"data": {}}, headers=OP)
    assert started.status_code == 201
    return started.get_json()


def complete(client, task_id, data, headers):
    return client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": data}, headers=headers)


def test_healthz_needs_no_auth(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_auth_required_and_bad_password(client):
    assert client.get("/api/v1/tasks").status_code == 401
    assert client.get("/api/v1/tasks", headers=basic("op1", "wrong")).status_code == 401
    assert client.get("/api/v1/nowhere", headers=OP).get_json()["error"]["code"] == "not_found"


def test_processes_and_bpmn(client):
    listed = client.get("/api/v1/processes", headers=OP).get_json()
    hotline = next(p for p in listed if p["key"] == "hotline")
    assert hotline["can_start"] is True and hotline["version"] == 1 and len(hotline["bundle_hash"]) == 64
    assert next(p for p in client.get("/api/v1/processes", headers=DEPT1).get_json()
                if p["key"] == "hotline")["can_start"] is False
    xml = client.get("/api/v1/processes/hotline/bpmn", headers=OP)
    assert xml.mimetype == "application/xml" and b'id="hotline"' in xml.data


def test_start_then_complete_through_the_api(client):
    inst = start_ticket(client)
    assert inst["status"] == "running" and inst["data"]["case_no"].startswith("RX")
    register = inst["ready_tasks"][0]
    detail = client.get(f"/api/v1/tasks/{register['id']}", headers=OP).get_json()
    assert detail["name"] == "register" and detail["form"]["schema"]["type"] == "object"
    after = complete(client, register["id"], EXAMPLES[0], OP)
    assert after.status_code == 200
    dispatch = after.get_json()["ready_tasks"][0]
    after = complete(client, dispatch["id"], DISPATCH, OP).get_json()
    accept = after["ready_tasks"][0]
    assert accept["due_at"].startswith("2026-11-30")
    assert [t["name"] for t in client.get("/api/v1/tasks", headers=DEPT1).get_json()] == ["accept"]
    assert client.get("/api/v1/tasks", headers=DEPT2).get_json() == []
    assert complete(client, accept["id"], {"decision": "accept"}, DEPT2).status_code == 403
    assert complete(client, accept["id"], {"decision": "accept"}, DEPT1).status_code == 200
    again = complete(client, accept["id"], {"decision": "accept"}, DEPT1)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict"


def test_invalid_data_is_422_with_fields_and_changes_nothing(client):
    inst = start_ticket(client)
    task_id = inst["ready_tasks"][0]["id"]
    bad = dict(EXAMPLES[0], confidential_requested="maybe")
    del bad["caller_name"]
    response = complete(client, task_id, bad, OP)
    body = response.get_json()
    assert response.status_code == 422 and body["error"]["code"] == "invalid"
    assert set(body["error"]["fields"]) >= {"caller_name", "confidential_requested"}
    history = client.get(f"/api/v1/instances/{inst['id']}/history", headers=OP).get_json()
    assert [e["type"] for e in history["events"]] == ["started"]
    not_json = client.post(f"/api/v1/tasks/{task_id}/complete", data="{not json", headers=OP,
                           content_type="application/json")
    assert not_json.status_code == 422 and not_json.get_json()["error"]["code"] == "invalid"
    assert set(not_json.get_json()["error"]["fields"]) == {""}          # the body is wrong, not a field
    assert [t["id"] for t in client.get("/api/v1/tasks", headers=OP).get_json()] == [task_id]   # still ready
    assert complete(client, task_id, EXAMPLES[0], OP).status_code == 200
    history = client.get(f"/api/v1/instances/{inst['id']}/history", headers=OP).get_json()
    assert [e["type"] for e in history["events"]] == ["started", "task_completed"]


def test_unknown_task_and_instance_are_404(client):
    assert complete(client, "00000000-0000-0000-0000-000000000000", {}, OP).status_code == 404
    assert client.get("/api/v1/tasks/nope", headers=OP).status_code == 404
    assert client.get("/api/v1/instances/nope", headers=OP).status_code == 404


def test_instances_history_and_replay(client):
    inst = start_ticket(client)
    complete(client, inst["ready_tasks"][0]["id"], EXAMPLES[1], OP)
    listed = client.get("/api/v1/instances?process=hotline", headers=OP).get_json()
    assert inst["id"] in [i["id"] for i in listed]
    assert client.get(f"/api/v1/instances/{inst['id']}", headers=DEPT1).status_code == 403
    assert inst["id"] not in [i["id"] for i in client.get("/api/v1/instances", headers=DEPT1).get_json()]
    history = client.get(f"/api/v1/instances/{inst['id']}/history", headers=AUDIT).get_json()
    assert history["chain_ok"] is True
    assert [e["seq"] for e in history["events"]] == [1, 2]
    assert history["events"][1]["prev_hash"] == history["events"][0]["hash"]
    assert client.post(f"/api/v1/instances/{inst['id']}/replay", headers=OP).status_code == 403
    assert client.post(f"/api/v1/instances/{inst['id']}/replay", headers=AUDIT).get_json() == \
        {"matches": True, "diverged_at": None}


def test_bearer_token(app, client):
    from engine.accounts.users import new_token
    token = new_token(app.extensions["service"].store, "op1")
    assert client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.get("/api/v1/tasks", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_deploy_new_version_and_bad_diagram(client):
    xml = client.get("/api/v1/processes/hotline/bpmn", headers=OP).data
    assert client.post("/api/v1/processes/hotline/versions", data=xml, headers=OP,
                       content_type="application/xml").status_code == 403
    designer = basic("designer1")
    changed = xml.replace("12345热线工单办理".encode(), "12345热线工单办理（新版）".encode())
    deployed = client.post("/api/v1/processes/hotline/versions", data=changed, headers=designer,
                           content_type="application/xml")
    assert deployed.status_code == 201 and deployed.get_json()["version"] == 2
    broken = client.post("/api/v1/processes/hotline/versions", data=xml.replace(b'targetRef="check_scope"', b'targetRef="nowhere"'),
                         headers=designer, content_type="application/xml")
    body = broken.get_json()
    assert broken.status_code == 422 and body["error"]["code"] == "invalid_process"
    assert body["error"]["problems"][0]["file"] == "hotline.bpmn" and body["error"]["problems"][0]["line"]
    not_xml = client.post("/api/v1/processes/hotline/versions", data=b"<bpmn", headers=designer,
                          content_type="application/xml")
    assert not_xml.status_code == 422
    evil = xml.replace(b"extension_count = 0", b"import os\nextension_count = 0")
    assert client.post("/api/v1/processes/hotline/versions", data=evil, headers=designer,
                       content_type="application/xml").status_code == 422


def test_a_diagram_script_that_never_ends_fails_cleanly(client):
    designer = basic("designer1")
    xml = client.get("/api/v1/processes/hotline/bpmn", headers=OP).data
    looping = xml.replace(b"extension_count = 0", b"extension_count = 0\nwhile True:\n    extension_count += 1")
    assert client.post("/api/v1/processes/hotline/versions", data=looping, headers=designer,
                       content_type="application/xml").status_code == 201
    before = len(client.get("/api/v1/instances", headers=basic("audit1")).get_json())
    response = client.post("/api/v1/processes/hotline/instances", json={"data": {}}, headers=OP)
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "process_error"
    assert len(client.get("/api/v1/instances", headers=basic("audit1")).get_json()) == before


def test_deploying_a_user_task_without_form_is_422_naming_the_task(client):
    from tests.test_processes import ACCEPT_PROPERTIES
    designer = basic("designer1")
    xml = client.get("/api/v1/processes/hotline/bpmn", headers=OP).get_data(as_text=True)
    formless = ACCEPT_PROPERTIES.sub(lambda m: m[1], xml)
    assert formless != xml
    response = client.post("/api/v1/processes/hotline/versions", data=formless.encode(), headers=designer,
                           content_type="application/xml")
    body = response.get_json()
    assert response.status_code == 422 and body["error"]["code"] == "invalid_process"
    found = body["error"]["problems"]
    assert ("hotline.bpmn", "accept") in {(p["file"], p["element"]) for p in found}
    assert any("没有配置表单" in p["message"] and "签收交办事项" in p["message"] for p in found)
    listed = client.get("/api/v1/processes", headers=OP).get_json()
    assert next(p["version"] for p in listed if p["key"] == "hotline") == 1           # nothing deployed


@pytest.mark.parametrize("confidential", [False, True])
def test_a_step_answers_what_a_fresh_read_of_the_case_shows(client, confidential):
    """A start and a completion answer from the rows the step wrote (no second read of the case's tasks);
    the answer must be what GET /instances/<id> shows the same caller, masking of a confidential caller included."""
    def fresh(inst, headers):
        shown = client.get(f"/api/v1/instances/{inst['id']}", headers=headers).get_json()
        return sorted(shown["ready_tasks"], key=lambda t: t["id"]), shown["data"]

    def same(inst, headers):
        assert (sorted(inst["ready_tasks"], key=lambda t: t["id"]), inst["data"]) == fresh(inst, headers)

    started = client.post("/api/v1/processes/hotline/instances", headers=OP,
                          json={"data": {**EXAMPLES[0], "confidential_requested": confidential}})
    inst = started.get_json()
    same(inst, OP)
    inst = complete(client, inst["ready_tasks"][0]["id"], {**EXAMPLES[0], "confidential_requested": confidential},
                    OP).get_json()
    same(inst, OP)
    dispatch = next(t for t in inst["ready_tasks"] if t["name"] == "dispatch")
    inst = complete(client, dispatch["id"], {**DISPATCH, "co_units": ["人社局"]}, OP).get_json()
    same(inst, OP)
    accept = next(t for t in inst["ready_tasks"] if t["name"] == "accept")
    inst = complete(client, accept["id"], {"decision": "accept"}, DEPT1).get_json()
    assert {t["name"] for t in inst["ready_tasks"]} >= {"handle", "co_opinion"}     # two units at work
    same(inst, DEPT1)
    assert (inst["data"]["caller_phone"] == "13800000001") is not confidential      # masked for the unit
