"""A confidential caller stays hidden from the departments on every page and API call they can reach,
while the hotline centre, which took the call, still sees who called."""
from __future__ import annotations

import json

import pytest

from tests.conftest import login
from tests.test_api import DEPT1, DEPT2, DISPATCH, OP, basic, complete, start_ticket
from webapp.demo import EXAMPLES

SECRETS = (EXAMPLES[0]["caller_name"], EXAMPLES[0]["caller_phone"], "振兴路12号")   # name, phone, address


@pytest.fixture
def client(app):
    return app.test_client()


def ready_named(client, headers, instance_id, name):
    return next(t for t in client.get("/api/v1/tasks", headers=headers).get_json()
                if t["instance_id"] == instance_id and t["name"] == name)


def confidential_ticket(client) -> str:
    """Registered as confidential and dispatched to 住建局 with 人社局 as co-unit: `accept` is ready."""
    ticket = start_ticket(client)
    register = ticket["ready_tasks"][0]["id"]
    assert complete(client, register, {**EXAMPLES[0], "confidential_requested": True}, OP).status_code == 200
    dispatch = ready_named(client, OP, ticket["id"], "dispatch")["id"]
    assert complete(client, dispatch, {**DISPATCH, "co_units": ["人社局"]}, OP).status_code == 200
    return ticket["id"]


def as_text(response) -> str:
    """The JSON body with Chinese as written (Flask escapes it as \\uXXXX)."""
    return json.dumps(response.get_json(), ensure_ascii=False)


def leaked(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


def api_reads(client, headers, instance_id, task_id) -> dict[str, str]:
    """Every JSON read a department has on the case, by name."""
    return {name: as_text(client.get(url, headers=headers)) for name, url in [
        ("instance", f"/api/v1/instances/{instance_id}"), ("list", "/api/v1/instances"),
        ("filtered list", "/api/v1/instances?process=hotline&status=running"),
        ("history", f"/api/v1/instances/{instance_id}/history"), ("task", f"/api/v1/tasks/{task_id}"),
        ("worklist", "/api/v1/tasks")]}


def page_reads(client, name, instance_id, task_id) -> dict[str, str]:
    login(client, name)
    pages = {url: client.get(url).get_data(as_text=True)
             for url in (f"/instances/{instance_id}", "/instances", f"/tasks/{task_id}", "/")}
    client.post("/logout")
    return pages


def test_the_lead_department_never_sees_the_confidential_caller(client):
    instance_id = confidential_ticket(client)
    accept = ready_named(client, DEPT1, instance_id, "accept")["id"]
    reads = api_reads(client, DEPT1, instance_id, accept)
    assert instance_id in reads["instance"] and instance_id in reads["list"] and accept in reads["task"]
    assert {name: leaked(body) for name, body in reads.items() if leaked(body)} == {}
    pages = page_reads(client, "dept1", instance_id, accept)
    assert "（已隐藏）" in pages[f"/instances/{instance_id}"] and "（已隐藏）" in pages[f"/tasks/{accept}"]
    assert {url: leaked(body) for url, body in pages.items() if leaked(body)} == {}
    done = complete(client, accept, {"decision": "accept"}, DEPT1)        # the answer to a step is a read too
    assert done.status_code == 200 and leaked(as_text(done)) == []


def test_a_co_department_never_sees_the_confidential_caller(client):
    instance_id = confidential_ticket(client)
    complete(client, ready_named(client, DEPT1, instance_id, "accept")["id"], {"decision": "accept"}, DEPT1)
    opinion = ready_named(client, DEPT2, instance_id, "co_opinion")["id"]
    reads = api_reads(client, DEPT2, instance_id, opinion)
    assert instance_id in reads["instance"] and instance_id in reads["list"]
    assert {name: leaked(body) for name, body in reads.items() if leaked(body)} == {}
    pages = page_reads(client, "dept2", instance_id, opinion)
    assert {url: leaked(body) for url, body in pages.items() if leaked(body)} == {}


def test_the_hotline_centre_sees_the_caller_and_auditors_see_it_masked(client):
    instance_id = confidential_ticket(client)
    accept = ready_named(client, DEPT1, instance_id, "accept")["id"]
    shown = client.get(f"/api/v1/instances/{instance_id}", headers=OP).get_json()["data"]
    assert (shown["caller_name"], shown["caller_phone"]) == SECRETS[:2]
    audited = api_reads(client, basic("audit1"), instance_id, accept)     # reveal is a recorded web action
    assert instance_id in audited["instance"] and {k: leaked(v) for k, v in audited.items() if leaked(v)} == {}
    assert set(leaked(page_reads(client, "op1", instance_id, accept)[f"/instances/{instance_id}"])) == set(SECRETS)
