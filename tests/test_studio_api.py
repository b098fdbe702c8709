"""Designer API: check without deploying, deploy with a comment, exact file sets, safe downloads, rollback,
diff, and pinning (a running case keeps its version while new cases use the new one)."""
from __future__ import annotations

import io
import json

import pytest

from tests.test_api import DISPATCH, basic
from tests.test_hotline import REPLY, SATISFIED
from webapp.demo import EXAMPLES

DESIGNER, OP = basic("designer1"), basic("op1")
USERS = {"operators": basic("op1"), "dept:住建局": basic("dept1"), "reviewers": basic("review1")}


@pytest.fixture
def client(app):
    return app.test_client()


def current_files(app, key="hotline") -> dict:
    return dict(app.extensions["service"].current(key)[1].bundle.files)


def multipart(files: dict, **fields):
    return {**{f"f{i}": (io.BytesIO(text.encode()), name) for i, (name, text) in enumerate(files.items())}, **fields}


def versions(client):
    return {p["key"]: p["version"] for p in client.get("/api/v1/processes", headers=OP).get_json()}


def test_dry_run_lists_every_problem_located_and_deploys_nothing(app, client):
    files = current_files(app)
    files["hotline.bpmn"] = files["hotline.bpmn"].replace('targetRef="check_scope"', 'targetRef="nowhere"') \
        .replace("extension_count = 0", "extension_count = open('x')").replace("'\"operators\"'", "'\"nobody\"'", 1)
    files["hotline_deadline.dmn"] = files["hotline_deadline.dmn"].replace('<text>"urgent"</text>', "<text>[3..4]</text>")
    response = client.post("/api/v1/processes/hotline/versions?dry_run=1", data=multipart(files), headers=DESIGNER)
    error = response.get_json()["error"]
    assert response.status_code == 422 and error["code"] == "invalid_process" and "未部署" in error["message"]
    located = {(p["file"], p["element"]) for p in error["problems"]}
    assert {("hotline.bpmn", "flow_register"), ("hotline.bpmn", "init_case"), ("hotline.bpmn", "register"),
            ("hotline_deadline.dmn", "hotline_deadline_r4_i1")} <= located
    assert all(p["line"] and p["message"] and p["message_en"] for p in error["problems"])
    english = client.post("/api/v1/processes/hotline/versions?dry_run=1&lang=en", data=multipart(files),
                          headers=DESIGNER).get_json()["error"]
    assert english["message"].startswith("Not deployed") and "FEEL range" in json.dumps(english["problems"])
    ok = client.post("/api/v1/processes/hotline/versions?dry_run=1", data=multipart(current_files(app)),
                     headers=DESIGNER)
    assert ok.status_code == 200 and ok.get_json() == {"ok": True}
    assert versions(client)["hotline"] == 1
    assert client.post("/api/v1/processes/hotline/versions?dry_run=1", data=multipart(files), headers=OP).status_code == 403


def test_two_start_events_are_refused_and_the_process_list_keeps_working(app, client):
    xml = current_files(app)["hotline.bpmn"].replace('<bpmn:startEvent id="start"',
                                                     '<bpmn:startEvent id="start2" /><bpmn:startEvent id="start"', 1)
    response = client.post("/api/v1/processes/hotline/versions", data=xml, headers=DESIGNER,
                           content_type="application/xml")
    assert response.status_code == 422 and "2 start events" in response.get_json()["error"]["problems"][0]["message_en"]
    assert client.get("/api/v1/processes", headers=OP).status_code == 200 and versions(client)["hotline"] == 1


def test_bpmn_download_never_runs_in_the_browser(client):
    response = client.get("/api/v1/processes/hotline/bpmn", headers=OP)
    assert response.status_code == 200 and response.mimetype == "application/xml"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"] == "attachment; filename=hotline.bpmn"
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_deploy_comment_and_exact_file_sets(app, client):
    files = current_files(app)
    extra = {**files, "spare.schema.json": '{"type": "object", "properties": {}}'}
    response = client.post("/api/v1/processes/hotline/versions", data=multipart(extra, comment="加备用表单"),
                           headers=DESIGNER)
    assert response.status_code == 201 and response.get_json()["comment"] == "加备用表单"
    assert "spare.schema.json" in current_files(app)
    removed = client.post("/api/v1/processes/hotline/versions", data=multipart(files),
                          headers={**DESIGNER, "X-Change-Comment": "删除备用表单"})
    assert removed.get_json()["version"] == 3 and removed.get_json()["comment"] == "删除备用表单"
    assert set(current_files(app)) == set(files)            # the removed file is not inherited
    xml = files["hotline.bpmn"].replace("12345热线工单办理", "12345热线工单办理（新）")
    only_bpmn = client.post("/api/v1/processes/hotline/versions", data=xml, headers=DESIGNER,
                            content_type="application/xml")
    assert only_bpmn.status_code == 201 and only_bpmn.get_json()["comment"] == "API deploy (no comment given)"
    assert set(current_files(app)) == set(files)             # DMN tables and forms from the current version
    renamed = multipart({"hotline (1).bpmn": xml.replace("（新）", "（再改）")})
    response = client.post("/api/v1/processes/hotline/versions", data=renamed, headers=DESIGNER)
    assert response.status_code == 201 and set(current_files(app)) == set(files)


def ticket_at(client, bpmn_id):
    """Walk a ticket until `bpmn_id` is ready; return (instance id, task)."""
    inst = client.post("/api/v1/processes/hotline/instances", json={"data": {}}, headers=OP).get_json()
    steps = {"register": EXAMPLES[0], "dispatch": DISPATCH, "accept": {"decision": "accept"}, "handle": REPLY,
             "review_reply": {"review_decision": "accept"}, "callback": SATISFIED,
             "archive": {"archive_no": "RX-1", "archive_category": "投诉"}}
    return advance(client, inst["id"], steps, bpmn_id)


def advance(client, iid, steps, until=None):
    for _ in range(12):
        inst = client.get(f"/api/v1/instances/{iid}", headers=basic("audit1")).get_json()
        if not inst["ready_tasks"]:
            return iid, None
        task = inst["ready_tasks"][0]
        if task["name"] == until:
            return iid, task
        assert any(complete_as(client, task, steps, headers) for headers in USERS.values()), task["name"]
    raise AssertionError("ticket did not finish")


def complete_as(client, task, steps, headers) -> bool:
    """Complete the task as this user; False when it is not theirs (403)."""
    response = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": steps[task["name"]]}, headers=headers)
    assert response.status_code in (200, 403), response.get_json()
    return response.status_code == 200


def test_pinning_old_ticket_keeps_its_version_new_ticket_shows_the_change(app, client):
    old_id, _task = ticket_at(client, "accept")
    old = client.get(f"/api/v1/instances/{old_id}", headers=basic("audit1")).get_json()
    assert old["data"]["due_date"] == "2026-11-30"                       # v1: 5 working days
    files = current_files(app)
    files["hotline_deadline.dmn"] = files["hotline_deadline.dmn"].replace(
        "<outputEntry id=\"hotline_deadline_r1_o1\"><text>5</text>", "<outputEntry id=\"hotline_deadline_r1_o1\"><text>3</text>")
    files["hotline_handle.schema.json"] = files["hotline_handle.schema.json"].replace('"title": "办理情况"',
                                                                                      '"title": "办理情况（2027版）"')
    deployed = client.post("/api/v1/processes/hotline/versions", data=multipart(files, comment="一般事项 3 个工作日"),
                           headers=DESIGNER)
    assert deployed.status_code == 201 and deployed.get_json()["version"] == 2
    old_id, handle = advance(client, old_id, {"accept": {"decision": "accept"}}, "handle")
    form = client.get(f"/api/v1/tasks/{handle['id']}", headers=basic("dept1")).get_json()["form"]
    assert form["schema"]["properties"]["action"]["title"] == "办理情况"     # the old ticket: old form
    advance(client, old_id, {"handle": REPLY, "review_reply": {"review_decision": "accept"}, "callback": SATISFIED,
                             "archive": {"archive_no": "RX-1", "archive_category": "投诉"}})
    done = client.get(f"/api/v1/instances/{old_id}", headers=basic("audit1")).get_json()
    assert (done["status"], done["version"], done["data"]["due_date"]) == ("completed", 1, "2026-11-30")
    new_id, handle = ticket_at(client, "handle")
    new = client.get(f"/api/v1/instances/{new_id}", headers=basic("audit1")).get_json()
    assert (new["version"], new["data"]["due_date"]) == (2, "2026-11-26")   # v2: 3 working days
    form = client.get(f"/api/v1/tasks/{handle['id']}", headers=basic("dept1")).get_json()["form"]
    assert form["schema"]["properties"]["action"]["title"] == "办理情况（2027版）"
