"""The staff and directory additions of the JSON API: claim, release, hand over, return, comments, attachments,
cancel, the paged task list, units and users; with the contract's codes 403/404/409/422."""
from __future__ import annotations

import io

import pytest

from tests.test_api import DEPT1, DEPT2, DISPATCH, OP, basic, complete, start_ticket
from webapp.demo import EXAMPLES

HEAD, ADMIN = basic("head1"), basic("admin")


@pytest.fixture
def client(app):
    return app.test_client()


def at_accept(client) -> tuple[str, str]:
    inst = start_ticket(client)
    complete(client, inst["ready_tasks"][0]["id"], EXAMPLES[0], OP)
    dispatch = client.get(f"/api/v1/tasks?instance={inst['id']}", headers=OP).get_json()[0]
    assert complete(client, dispatch["id"], DISPATCH, OP).status_code == 200
    accept = client.get(f"/api/v1/tasks?instance={inst['id']}", headers=DEPT1).get_json()[0]
    return inst["id"], accept["id"]


def test_claim_release_and_taking_back(client):
    iid, task = at_accept(client)
    assert client.post(f"/api/v1/tasks/{task}/claim", headers=DEPT1).get_json()["assignee"] == "dept1"
    listed = client.get(f"/api/v1/tasks?instance={iid}", headers=HEAD).get_json()
    assert listed[0]["assignee"] == "dept1"
    taken = client.post(f"/api/v1/tasks/{task}/claim", headers=HEAD)
    assert taken.status_code == 409 and taken.get_json()["error"]["holder"] == "dept1"
    assert complete(client, task, {"decision": "accept"}, HEAD).status_code == 409
    assert client.post(f"/api/v1/tasks/{task}/claim", headers=DEPT2).status_code == 403
    assert client.post("/api/v1/tasks/nope/claim", headers=DEPT1).status_code == 404
    assert client.post(f"/api/v1/tasks/{task}/release", headers=HEAD).get_json()["assignee"] is None
    assert client.post(f"/api/v1/tasks/{task}/release", headers=DEPT1).status_code == 403


def test_handover_and_return(client):
    iid, task = at_accept(client)
    bad = client.post(f"/api/v1/tasks/{task}/handover", json={"to_unit": "人社局"}, headers=DEPT1)
    assert bad.status_code == 422 and "reason" in bad.get_json()["error"]["fields"]
    moved = client.post(f"/api/v1/tasks/{task}/handover", json={"to_unit": "人社局", "reason": "职责在人社局"},
                        headers=DEPT1)
    assert moved.status_code == 200
    assert [t["id"] for t in client.get(f"/api/v1/tasks?instance={iid}", headers=DEPT2).get_json()] == [task]
    assert client.post(f"/api/v1/tasks/{task}/return", json={"reason": "x"}, headers=DEPT1).status_code == 403
    back = client.post(f"/api/v1/tasks/{task}/return", json={"reason": "非本单位职责"}, headers=DEPT2)
    assert back.status_code == 200 and [t["name"] for t in back.get_json()["ready_tasks"]] == ["dispatch"]
    again = client.post(f"/api/v1/tasks/{task}/return", json={"reason": "x"}, headers=DEPT2)
    assert again.status_code == 409


def test_comments_attachments_and_their_permissions(client):
    iid, task = at_accept(client)
    posted = client.post(f"/api/v1/instances/{iid}/comments", json={"text": "请尽快处理"}, headers=OP)
    assert posted.status_code == 201
    assert [c["text"] for c in client.get(f"/api/v1/instances/{iid}/comments", headers=DEPT1).get_json()] == \
        ["请尽快处理"]
    assert client.get(f"/api/v1/instances/{iid}/comments", headers=DEPT2).status_code == 403
    assert client.post(f"/api/v1/instances/{iid}/comments", json={"text": ""}, headers=OP).status_code == 422
    up = client.post(f"/api/v1/instances/{iid}/attachments", headers=DEPT1,
                     data={"file": (io.BytesIO(b"%PDF-1.4 report"), "核查报告.pdf")})
    assert up.status_code == 201
    meta = up.get_json()
    assert len(meta["sha256"]) == 64 and meta["name"] == "核查报告.pdf"
    got = client.get(meta["url"], headers=OP)
    assert got.status_code == 200 and got.data == b"%PDF-1.4 report" and "attachment" in got.headers[
        "Content-Disposition"]
    assert "filename*=UTF-8''%E6%A0%B8" in got.headers["Content-Disposition"]      # 核查报告.pdf, encoded
    assert client.get(meta["url"], headers=DEPT2).status_code == 403
    assert client.get(f"/api/v1/instances/{iid}/attachments/nope", headers=OP).status_code == 404
    bad = client.post(f"/api/v1/instances/{iid}/attachments", headers=DEPT1,
                      data={"file": (io.BytesIO(b"MZ"), "virus.exe")})
    assert bad.status_code == 422 and "file" in bad.get_json()["error"]["fields"]


def test_cancel(client):
    inst = start_ticket(client)
    assert client.post(f"/api/v1/instances/{inst['id']}/cancel", json={"reason": "x"}, headers=DEPT1).status_code \
        == 403
    assert client.post(f"/api/v1/instances/{inst['id']}/cancel", json={}, headers=OP).status_code == 422
    done = client.post(f"/api/v1/instances/{inst['id']}/cancel", json={"reason": "误建"}, headers=OP)
    assert done.status_code == 200 and done.get_json()["status"] == "cancelled"
    assert done.get_json()["ready_tasks"] == []
    assert client.post(f"/api/v1/instances/{inst['id']}/cancel", json={"reason": "x"}, headers=ADMIN).status_code \
        == 409
    assert client.post("/api/v1/instances/nope/cancel", json={"reason": "x"}, headers=ADMIN).status_code == 404


def test_task_list_pages_with_a_cursor(client):
    for _ in range(3):
        at_accept(client)
    first = client.get("/api/v1/tasks?limit=2", headers=DEPT1)
    assert len(first.get_json()) == 2 and first.headers["X-Next-Cursor"] and 'rel="next"' in first.headers["Link"]
    second = client.get(f"/api/v1/tasks?limit=2&cursor={first.headers['X-Next-Cursor']}", headers=DEPT1)
    assert len(second.get_json()) == 1 and "X-Next-Cursor" not in second.headers
    assert client.get("/api/v1/tasks?filter=nonsense", headers=DEPT1).status_code == 422
    assert client.get("/api/v1/tasks?cursor=@@", headers=DEPT1).status_code == 422
    assert client.get("/api/v1/tasks?filter=claimed", headers=DEPT1).get_json() == []


def test_units_and_users_for_admins(client):
    assert client.get("/api/v1/units", headers=OP).status_code == 403
    units = {u["name"]: u for u in client.get("/api/v1/units", headers=ADMIN).get_json()}
    assert {"住建局", "兰江街道", "12345热线中心", "信访局", "效能办"} <= set(units)
    assert units["兰江街道"]["type"] == "township" and units["话务组"]["parent"] == "12345热线中心"
    assert {"name": "head1", "role": "head", "active": True} in units["住建局"]["members"]
    users = {u["name"]: u for u in client.get("/api/v1/users", headers=ADMIN).get_json()}
    assert users["dept1"]["groups"] == ["dept:住建局"] and users["dept1"]["display_name"]
    assert {"op1", "review1", "dept1", "dept2", "leader1", "petition1", "sup1", "designer1", "audit1",
            "admin"} <= set(users)


def test_a_unit_picker_offers_and_accepts_only_staffed_directory_units(client, app):
    from engine.directory import Unit
    app.extensions["service"].store.put_unit(Unit("无人局", "department"))
    inst = start_ticket(client)
    complete(client, inst["ready_tasks"][0]["id"], EXAMPLES[0], OP)
    dispatch = client.get(f"/api/v1/tasks?instance={inst['id']}", headers=OP).get_json()[0]
    form = client.get(f"/api/v1/tasks/{dispatch['id']}", headers=OP).get_json()["form"]
    offered = [c["const"] for c in form["schema"]["properties"]["lead_unit"]["oneOf"]]
    assert "兰江街道" in offered and "住建局" in offered and "无人局" not in offered and "信访局" not in offered
    refused = complete(client, dispatch["id"], {**DISPATCH, "lead_unit": "无人局"}, OP)
    assert refused.status_code == 422 and "lead_unit" in refused.get_json()["error"]["fields"]
    same = complete(client, dispatch["id"], {**DISPATCH, "co_units": ["住建局"]}, OP)
    assert same.status_code == 422 and "co_units" in same.get_json()["error"]["fields"]
    town = complete(client, dispatch["id"], {**DISPATCH, "lead_unit": "兰江街道"}, OP)
    assert town.status_code == 200
    assert [t["name"] for t in client.get(f"/api/v1/tasks?instance={inst['id']}", headers=basic("town1"))
            .get_json()] == ["accept"]
