"""Data hygiene: start data limited to the start form, case data plain and capped, no 500 for odd input,
and a case stuck in error can be retried or cancelled by an administrator (recorded)."""
from __future__ import annotations

import io

import pytest

from engine.access import SYSTEM
from engine.service import ProcessError
from tests.attack_diagrams import attack_bundle
from tests.conftest import login
from tests.test_api import OP, basic

START = "/api/v1/processes/hotline/instances"
ADMIN = basic("admin")


@pytest.fixture
def client(app):
    return app.test_client()


def error_of(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()["error"]


@pytest.mark.parametrize("data,field", [
    ({"case_no": "RX20261123-OTHER"}, "case_no"), ({"today": 1}, "today"),
    ({"working_days_after": "x"}, "working_days_after"), ({"extension_count": 99}, "extension_count"),
    ({"_getattr_": 1}, "_getattr_"), ({"demo_example": 1}, "demo_example"),
])
def test_start_data_may_only_set_start_form_fields(app, client, data, field):
    error = error_of(client.post(START, json={"data": data}, headers=OP), 422)
    assert error["code"] == "invalid" and field in error["fields"]
    assert app.extensions["service"].instances(SYSTEM, "hotline") == []


def test_start_data_of_form_fields_is_kept(client):
    started = client.post(START, json={"data": {"caller_name": "张三"}}, headers=OP)
    assert started.status_code == 201 and started.get_json()["data"]["caller_name"] == "张三"
    assert started.get_json()["data"]["case_no"].startswith("RX")


@pytest.mark.parametrize("body", [
    '{"data": {"caller_name": "\\ud800"}}',              # a lone surrogate
    "[" * 100_000 + "]" * 100_000,                       # nested 100,000 deep
    '{"data": {"caller_name": ' + "[" * 60 + "]" * 60 + "}}",
    '{"data": {"caller_name": NaN}}', '{"data": {"caller_name": 1e400}}',
])
def test_odd_json_is_a_422_not_a_500(app, client, body):
    error = error_of(client.post(START, data=body, content_type="application/json", headers=OP), 422)
    assert error["code"] == "invalid"
    assert app.extensions["service"].instances(SYSTEM, "hotline") == []


def test_case_data_over_the_cap_is_refused_before_it_is_stored(app, client):
    service = app.extensions["service"]
    service.max_case_bytes = 10_000
    error = error_of(client.post(START, json={"data": {"caller_name": "x" * 20_000}}, headers=OP), 422)
    assert "10,000" in error["fields"][""]
    service.deploy_files("attack", attack_bundle("script", "x = 'a' * 6000\ny = x + x"), "designer1")
    error = error_of(client.post("/api/v1/processes/attack/instances", json={}, headers=ADMIN), 422)
    assert error["code"] == "process_error" and "limit" in error["message"]
    assert service.instances(SYSTEM) == []


def test_a_generator_left_in_script_data_is_a_422(app, client):
    app.extensions["service"].deploy_files("attack", attack_bundle("script", "g = (i for i in [1])"), "d")
    error = error_of(client.post("/api/v1/processes/attack/instances", json={}, headers=ADMIN), 422)
    assert "generator" in error["message"]


def test_long_or_odd_process_keys_are_refused(client):
    for key in ["k" * 101, "bad key", "1abc"]:
        error = error_of(client.post(f"/api/v1/processes/{key}/versions", data=b"<x/>",
                                     content_type="application/xml", headers=basic("designer1")), 422)
        assert error["code"] == "invalid_process"


def test_calendar_years_out_of_range_are_4xx(app):
    client = app.test_client()
    login(client, "admin")
    assert client.get("/admin/calendar?year=-5").status_code == 400
    assert client.get("/admin/calendar?year=2027").status_code == 200
    for year in ["1e400", "-5", "true", '"2027x"']:
        notice = io.BytesIO(('{"year": %s, "holidays": []}' % year).encode())
        response = client.post("/admin/calendar/import", data={"notice": (notice, "n.json")},
                               content_type="multipart/form-data", follow_redirects=True)
        assert response.status_code == 200 and "导入失败" in response.get_data(as_text=True)


def test_a_timer_that_gives_no_date_puts_the_case_in_error_and_a_fixed_retry_moves_it(app, clock):
    service = app.extensions["service"]
    service.deploy_files("attack", attack_bundle("timer", "'soon' if case_no else '2026-11-26T09:00:00+08:00'",
                                                 first_timer="'2026-11-24T09:00:00+08:00'"), "d")
    rec = service.start("attack", {}, SYSTEM)
    clock.advance(days=2)
    assert service.fire_due_timers() == []            # no 500, no endless failure: the case is in error
    stuck = service.store.get_instance(rec.id)
    assert stuck.status == "error" and "soon" in stuck.error and stuck.next_timer_at is None
    assert service.fire_due_timers() == []            # not picked up again and again
    with pytest.raises(ProcessError):                 # retry with the same data fails again, recorded
        service.retry(rec.id, SYSTEM)
    assert [e.type for e in service.store.events(rec.id)][-2:] == ["error", "error"]
    assert app.test_cli_runner().invoke(args=["cases", "cancel", rec.id, "--reason", "计时错误"]).exit_code == 0
    assert service.store.get_instance(rec.id).status == "cancelled"
    assert app.test_cli_runner().invoke(args=["cases", "retry", rec.id]).exit_code != 0


def test_admin_retries_and_cancels_a_case_in_error(app, clock):
    from engine.service import NotRepairable
    service = app.extensions["service"]
    rec = service.start("hotline", {}, SYSTEM)
    broken = service.store.get_instance(rec.id)
    broken.status, broken.error = "error", "timer expression gave no date"
    service.store.save_instance(broken, service.ready_tasks(rec.id), [])
    client = app.test_client()
    login(client, "admin")
    page = client.get(f"/instances/{rec.id}").get_data(as_text=True)
    assert "重新执行" in page and "撤销案件" in page
    client.post(f"/admin/cases/{rec.id}/retry")
    assert service.store.get_instance(rec.id).status == "running"
    assert [e.type for e in service.store.events(rec.id)][-1] == "retried"
    with pytest.raises(NotRepairable):
        service.retry(rec.id, SYSTEM)
    operator = app.test_client()
    login(operator, "op1")
    assert operator.post(f"/admin/cases/{rec.id}/cancel", data={"reason": "x"}).status_code == 403
    assert service.store.get_instance(rec.id).status == "running"
    client.post(f"/admin/cases/{rec.id}/cancel", data={"reason": "重复工单"})
    after = service.store.get_instance(rec.id)
    assert after.status == "cancelled" and service.ready_tasks(rec.id) == []
    last = service.store.events(rec.id)[-1]
    assert (last.type, last.actor, last.data) == ("cancelled", "admin", {"reason": "重复工单"})
    events, chain_ok = service.history(rec.id, SYSTEM)
    assert chain_ok and service.replay(rec.id, SYSTEM) == (True, None)
    assert "撤销案件：重复工单" in client.get(f"/instances/{rec.id}").get_data(as_text=True)


def test_what_postgresql_cannot_store_is_refused_first_on_every_store(store, clock):
    from engine.library import InvalidProcess
    from engine.service import InvalidData, Service
    service = Service(store, clock)
    with pytest.raises(InvalidProcess):
        service.deploy_files("k" * 101, attack_bundle("script", "x = 1"), "d")
    service.deploy_files("attack", attack_bundle("script", "x = 1"), "d")
    for odd in ["a\x00b", "\ud800", float("nan")]:
        with pytest.raises(InvalidData):
            service.start("attack", {}, SYSTEM, internal={"x": odd})
    service.deploy_files("attack", attack_bundle("script", "y = 'a' + chr(0)"), "d")
    with pytest.raises(ProcessError):
        service.start("attack", {}, SYSTEM)
    assert service.instances(SYSTEM) == []


def test_a_hostile_start_groups_expression_only_keeps_others_from_starting(app, client):
    files = attack_bundle("script", "x = 1")
    files["attack.bpmn"] = files["attack.bpmn"].replace(
        '<bpmn:startEvent id="start">',
        '<bpmn:startEvent id="start"><bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property '
        'name="startGroups" value="10**10**8" /></spiffworkflow:properties></bpmn:extensionElements>')
    app.extensions["service"].deploy_files("attack", files, "d")
    listed = client.get("/api/v1/processes", headers=OP)
    assert listed.status_code == 200 and {"key": "attack", "can_start": False}.items() <= next(
        p for p in listed.get_json() if p["key"] == "attack").items()
    assert client.post("/api/v1/processes/attack/instances", json={}, headers=OP).status_code == 403
    assert client.post("/api/v1/processes/attack/instances", json={}, headers=ADMIN).status_code == 201


def test_nul_characters_and_odd_user_names_are_4xx(app, client):
    assert error_of(client.get("/api/v1/tasks/a%00b", headers=OP), 400)["code"] == "bad_request"
    assert client.get("/instances?status=a%00", headers=OP).status_code == 400
    assert client.post("/login", data={"username": "op1\x00", "password": "demo"}).status_code == 400
    for name in ["x" * 500, "\ud800", "a\tb"]:
        assert client.get("/api/v1/tasks", headers=basic(name.encode("utf-8", "replace").decode())).status_code \
            == 401
