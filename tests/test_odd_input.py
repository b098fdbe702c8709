"""Odd input found by a robustness sweep: text no database can hold (lone surrogates, NUL, bytes that are not
UTF-8), numbers and dates beyond any column, and odd bodies on the studio's JSON endpoints. Each was a 500 (or
was stored altered); each is now a 4xx saying what is wrong, and nothing is stored."""
from __future__ import annotations

import base64
import io
import json

import openpyxl
import pytest

from tests.conftest import login
from tests.test_api import DEPT1, OP, basic, start_ticket

ADMIN, AUDIT, DESIGNER = basic("admin"), basic("audit1"), basic("designer1")
SURROGATE = '"\\ud800"'


def cursor(*key) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def raw_json(client, path, body: str, headers):
    return client.post(path, data=body.encode(), content_type="application/json", headers=headers)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def case(client):
    return start_ticket(client)


@pytest.mark.parametrize("path,body,headers", [
    ("/api/v1/instances/{id}/comments", '{"text": %s}' % SURROGATE, DEPT1),
    ("/api/v1/instances/{id}/cancel", '{"reason": %s}' % SURROGATE, OP),
    ("/api/v1/tasks/{task}/handover", '{"to_user": %s, "reason": "r"}' % SURROGATE, OP),
    ("/api/v1/tasks/{task}/handover", '{"to_user": "op1", "reason": %s}' % SURROGATE, OP),
    ("/api/v1/instances/{id}/comments", '{"text": "a\\u0000b"}', DEPT1),
    ("/api/v1/processes/hotline/versions?dry_run=1", '{"files": {"hotline.bpmn": %s}}' % SURROGATE, DESIGNER),
    ("/api/v1/processes/hotline/versions", '{"files": {"hotline.bpmn": "x"}, "comment": %s}' % SURROGATE,
     DESIGNER),
    ("/api/v1/processes/hotline/instances", '{"data": {"caller_name": %s}}' % SURROGATE, OP),
])
def test_text_no_database_can_hold_is_a_422_naming_the_field(app, client, case, path, body, headers):
    events = len(app.extensions["service"].store.events(case["id"]))
    response = raw_json(client, path.format(id=case["id"], task=case["ready_tasks"][0]["id"]), body, headers)
    assert response.status_code == 422, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == "invalid" and "invalid character" in error["message"] and error["fields"]
    assert len(app.extensions["service"].store.events(case["id"])) == events        # nothing recorded


def test_studio_json_with_a_surrogate_is_a_422(app):
    designer = app.test_client()
    login(designer, "designer1")
    for path in ("/designer/hotline/check", "/designer/hotline/deploy", "/designer/hotline/dryrun.json",
                 "/designer/timer-preview"):
        body = '{"files": {"hotline.bpmn": %s}, "comment": "c", "expression": %s}' % (SURROGATE, SURROGATE)
        response = raw_json(designer, path, body, {})
        assert response.status_code == 422 and response.is_json, (path, response.status_code)


def test_a_body_that_is_not_utf8_is_refused_not_stored_altered(app, client, case):
    task = case["ready_tasks"][0]["id"]
    body = b'{"data": {"caller_name": "Wang\xff\xfeLi"}}'
    response = client.post(f"/api/v1/tasks/{task}/complete", data=body, content_type="application/json",
                           headers=OP)
    assert response.status_code == 400 and "UTF-8" in response.get_json()["error"]["message"]
    web = app.test_client()
    login(web, "op1")
    refused = web.post(f"/tasks/{task}", data=b"caller_name=%FF%FE", content_type="application/x-www-form-urlencoded")
    assert refused.status_code == 400
    assert app.extensions["service"].store.get_task(task).status == "ready"


def test_a_json_body_must_say_it_is_json(client):
    response = client.post("/api/v1/processes/hotline/instances", data='{"data": {}}',
                           content_type="application/xml", headers=OP)
    assert response.status_code == 415 and response.get_json()["error"]["code"] == "unsupported_media_type"


@pytest.mark.parametrize("path,headers", [
    ("/api/v1/users?cursor=" + cursor("\ud800"), ADMIN),
    ("/api/v1/units?cursor=" + cursor("\ud800", "x"), ADMIN),
    ("/api/v1/instances?cursor=" + cursor("2026-01-01T00:00:00+00:00", "\ud800"), AUDIT),
    ("/api/v1/instances?cursor=" + cursor("0001-01-01T00:00:00", "x"), AUDIT),
    ("/api/v1/notifications?cursor=" + cursor("99999999999999999999999"), OP),
    ("/api/v1/notifications?cursor=" + cursor("-99999999999999999999"), OP),
    ("/api/v1/instances?from=0001-01-01", AUDIT),
    ("/api/v1/instances?to=9999-12-31", AUDIT),
    ("/api/v1/instances?status=bogus", AUDIT),
])
def test_cursors_and_dates_beyond_any_column_are_a_422(client, path, headers):
    response = client.get(path, headers=headers)
    assert response.status_code == 422, (path, response.status_code, response.get_data(as_text=True)[:200])
    assert response.get_json()["error"]["fields"]


def test_comment_and_attachment_cursors_beyond_any_column_are_a_422(client, case):
    for path in (f"/api/v1/instances/{case['id']}/comments?cursor=" + cursor("99999999999999999999999"),
                 f"/api/v1/instances/{case['id']}/attachments?cursor=" + cursor("2024-01-01T00:00:00", "\ud800")):
        assert client.get(path, headers=ADMIN).status_code == 422, path


@pytest.mark.parametrize("user,path", [
    ("admin", "/admin/accounts/?cursor=" + cursor("\ud800")),
    ("designer1", "/designer/log?cursor=" + cursor("\ud800", "1")),
    ("designer1", "/designer/hotline/log?cursor=" + cursor("x", "99999999999999999999999")),
    ("op1", "/notifications?cursor=" + cursor("99999999999999999999999")),
    ("audit1", "/audit/?cursor=" + cursor("2026-01-01T00:00:00+00:00", "\ud800")),
    ("audit1", "/instances?from=0001-01-01&to=9999-12-31"),
    ("audit1", "/audit/?from=0001-01-01"),
])
def test_pages_with_such_cursors_and_dates_answer_without_failing(app, user, path):
    web = app.test_client()
    login(web, user)
    response = web.get(path)
    assert response.status_code in (200, 400), (path, response.status_code)
    assert "系统内部错误" not in response.get_data(as_text=True)


def test_a_row_id_beyond_any_column_is_a_404(app):
    web = app.test_client()
    login(web, "admin")
    assert web.post("/admin/rota/99999999999999999999999/delete").status_code == 404


def test_an_export_refuses_a_condition_it_cannot_apply_and_writes_values_as_text(app):
    web = app.test_client()
    login(web, "audit1")
    assert web.get("/audit/export.xlsx?from=x").status_code == 400          # was: every case, labelled "from x"
    assert web.get("/audit/export.xlsx?from=0001-01-01&to=9999-12-31").status_code == 400
    exported = web.get("/audit/export.xlsx?q==cmd|' /C calc'!A0")
    assert exported.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(exported.data))["导出条件"]
    [cell] = [c for row in sheet.iter_rows() for c in row if str(c.value).startswith("=cmd")]
    assert cell.data_type == "s"                                         # text, never a formula


@pytest.mark.parametrize("body", ["[1]", '{"steps": ["x"]}', '{"steps": [null]}', "{bad"])
def test_odd_dry_run_bodies_are_a_422(app, body):
    designer = app.test_client()
    login(designer, "designer1")
    response = raw_json(designer, "/designer/hotline/dryrun.json", body, {})
    assert response.status_code == 422 and response.is_json, (body, response.status_code)


@pytest.mark.parametrize("expression", ["'0001-01-01T00:00:00'", "'9999-12-31T23:59:59'", "'P99999Y'"])
def test_a_timer_preview_beyond_the_years_a_case_can_have_is_a_422(app, expression):
    designer = app.test_client()
    login(designer, "designer1")
    response = designer.post("/designer/timer-preview", json={"expression": expression, "kind": "date"})
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "invalid_timer"


def test_a_refused_action_says_why(client, case):
    """Cancelling a case that is no longer running was a 409 "task is no longer ready"."""
    path = f"/api/v1/instances/{case['id']}/cancel"
    assert client.post(path, json={"reason": "重复登记"}, headers=OP).status_code == 200
    again = client.post(path, json={"reason": "重复登记"}, headers=OP)
    assert again.status_code == 409
    assert again.get_json()["error"]["message"] == "the case is cancelled, no longer running"


def test_directory_calendar_and_attachment_odds_are_refused(app, client, case):
    service = app.extensions["service"]
    web = app.test_client()
    login(web, "admin")
    page = web.post("/admin/directory/members/remove", data={"unit": "住建局", "user": "op1"}, follow_redirects=True)
    assert "无法保存" in page.get_data(as_text=True) and "已移出" not in page.get_data(as_text=True)
    with pytest.raises(ValueError):
        service.calendar.set_day("0001-01-01", "holiday")
    auditor = app.test_client()
    login(auditor, "audit1")
    assert auditor.post("/audit/cases/nope/reveal", data={"reason": "x"}).status_code == 404
    path = f"/api/v1/instances/{case['id']}/attachments"
    odd_field = client.post(path, data={"file": (io.BytesIO(b"hello"), "a.txt"), "field": "nonexistent_field"},
                            headers=OP, content_type="multipart/form-data")
    assert odd_field.status_code == 422 and "field" in odd_field.get_json()["error"]["fields"]
    spoofed = client.post(path, data={"file": (io.BytesIO(b"hello"), "a\u202egpj.txt")}, headers=OP,
                          content_type="multipart/form-data")
    assert spoofed.status_code == 201 and spoofed.get_json()["name"] == "agpj.txt"


def test_deploying_the_current_files_again_says_nothing_changed(app, client):
    service = app.extensions["service"]
    current = service.current("hotline")[1].bundle.files
    again = client.post("/api/v1/processes/hotline/versions", json={"files": dict(current), "comment": "再部署"},
                        headers=DESIGNER)
    assert again.status_code == 200 and again.get_json()["unchanged"] is True      # was 201, the comment dropped
    assert again.get_json()["version"] == 1 and service.latest()["hotline"].version == 1
