"""The browser pages through the Flask test client: login, inbox, task form, errors, CSRF, access."""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest

from engine.access import Actor
from tests.conftest import CHINA, login
from webapp import create_app
from webapp.demo import EXAMPLES


@pytest.fixture
def client(app):
    return app.test_client()


def start_and_register(app):
    service, op = app.extensions["service"], Actor.of("op1", ["operators"])
    rec = service.start("hotline", {}, op)
    service.complete(service.ready_tasks(rec.id)[0].task_id, EXAMPLES[0], op)
    return rec.id, service.ready_tasks(rec.id)[0]


def test_login_required_and_wrong_password(client):
    assert client.get("/").status_code == 302
    page = login(client, "op1", "nope")
    assert "用户名或密码错误" in page.get_data(as_text=True)
    assert login(client, "op1").status_code == 302
    assert "我的待办" in client.get("/").get_data(as_text=True)


def test_start_a_ticket_and_see_its_form(client, app):
    login(client, "op1")
    assert "12345热线工单办理" in client.get("/start").get_data(as_text=True)
    page = client.get("/start/hotline").get_data(as_text=True)
    assert "来电登记" in page or "登记" in page
    assert 'name="caller_name"' in page and 'class="req"' in page
    assert app.extensions["service"].instances(Actor.of("admin", ["admins"])) == []     # nothing stored yet


def test_invalid_submit_shows_errors_and_keeps_input(client, app):
    login(client, "op1")
    form_url = "/start/hotline"
    data = dict(EXAMPLES[0], caller_name="", content_summary="<script>alert(1)</script>")
    data = {k: v for k, v in data.items() if not isinstance(v, bool)}
    response = client.post(form_url, data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "此项为必填项" in page and "请修改标红的字段后再提交" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert 'value="13800000001"' in page
    assert app.extensions["service"].instances(Actor.of("admin", ["admins"])) == []     # no orphan case


def test_department_sees_only_its_own_tasks(app, client):
    instance_id, dispatch = start_and_register(app)
    login(client, "op1")
    client.post(f"/tasks/{dispatch.task_id}", data={"lead_unit": "住建局", "requirements": "核查",
                                                      "deadline_class": "general_5wd"})
    accept = app.extensions["service"].ready_tasks(instance_id)[0]
    client.post("/logout")
    login(client, "dept2")
    assert accept.task_id not in client.get("/").get_data(as_text=True)
    assert client.get(f"/tasks/{accept.task_id}").status_code == 403
    assert client.get(f"/instances/{instance_id}").status_code == 403
    client.post("/logout")
    login(client, "dept1")
    inbox = client.get("/").get_data(as_text=True)
    assert accept.task_id in inbox and "2026-11-30" in inbox
    done = client.post(f"/tasks/{accept.task_id}", data={"decision": "accept"})
    assert done.status_code == 302
    again = client.post(f"/tasks/{accept.task_id}", data={"decision": "accept"}, follow_redirects=True)
    assert "已被处理" in again.get_data(as_text=True)


def test_instance_page_shows_status_and_history(app, client):
    instance_id, _ = start_and_register(app)
    login(client, "audit1")
    page = client.get(f"/instances/{instance_id}").get_data(as_text=True)
    assert "办理中" in page and "记录链校验通过" in page and "完成：" in page
    assert "王女士" in page


def test_csrf_is_enforced(tmp_path, app):
    strict = create_app({"TESTING": True, "SECRET_KEY": "x"}, service=app.extensions["service"])
    client = strict.test_client()
    assert client.post("/login", data={"username": "op1", "password": "demo"}).status_code == 400
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True))[1]
    assert client.post("/login", data={"username": "op1", "password": "demo", "csrf_token": token}).status_code == 302


def test_admin_calendar_page(client):
    login(client, "op1")
    assert client.get("/admin/calendar").status_code == 403
    client.post("/logout")
    login(client, "admin")
    page = client.get("/admin/calendar?year=2027").get_data(as_text=True)
    assert "尚未录入" in page and "本年无记录" in page and "<td>2027-01-04</td>" not in page
    client.post("/admin/calendar", data={"day": "2027-01-04", "kind": "holiday"})
    page = client.get("/admin/calendar?year=2027").get_data(as_text=True)
    assert "<td>2027-01-04</td><td>放假</td>" in page and "本年无记录" not in page
    client.post("/admin/calendar", data={"day": "2027-01-04", "kind": "weekday_rule"})
    assert "<td>2027-01-04</td>" not in client.get("/admin/calendar?year=2027").get_data(as_text=True)
    bad = client.post("/admin/calendar", data={"day": "not-a-date", "kind": "holiday"}, follow_redirects=True)
    assert "无效的输入" in bad.get_data(as_text=True)


def test_unknown_pages_are_friendly(client):
    login(client, "op1")
    response = client.get("/tasks/does-not-exist")
    assert response.status_code == 404 and "Traceback" not in response.get_data(as_text=True)


def test_due_date_after_the_packaged_calendar_warns_until_the_year_is_entered(app, client, clock):
    clock.set(dt.datetime(2026, 12, 28, 10, 0, tzinfo=CHINA))
    _, dispatch = start_and_register(app)
    login(client, "op1")
    client.post(f"/tasks/{dispatch.task_id}", data={"lead_unit": "住建局", "requirements": "核查",
                                                      "deadline_class": "assigned_10wd"})
    client.post("/logout")
    login(client, "dept1")
    accept = app.extensions["service"].inbox(Actor.of("dept1", ["dept:住建局"]))[0]
    page = client.get(f"/tasks/{accept.task_id}").get_data(as_text=True)
    assert "2027-01-11" in page                        # 10 working days, weekends only in 2027
    assert "2027 年的法定节假日尚未录入" in page
    client.post("/logout")
    login(client, "admin")
    notice = io.BytesIO(b'{"year": 2027, "holidays": ["2027-01-01"], "workdays": []}')
    client.post("/admin/calendar/import", data={"notice": (notice, "2027.json")}, content_type="multipart/form-data")
    client.post("/logout")
    login(client, "dept1")
    assert "尚未录入" not in client.get(f"/tasks/{accept.task_id}").get_data(as_text=True)


def test_auditor_replays_a_case_from_its_page(app, client):
    instance_id, _ = start_and_register(app)
    login(client, "op1")
    assert "重放核验" not in client.get(f"/instances/{instance_id}").get_data(as_text=True)
    assert client.post(f"/instances/{instance_id}/replay").status_code == 403
    client.post("/logout")
    login(client, "audit1")
    page = client.post(f"/instances/{instance_id}/replay", follow_redirects=True).get_data(as_text=True)
    assert "重放结果一致" in page


def test_designer_deploys_a_new_version_and_sees_problems(app, client):
    login(client, "op1")
    assert client.get("/designer/").status_code == 403
    client.post("/logout")
    login(client, "designer1")
    page = client.get("/designer/").get_data(as_text=True)
    assert "12345热线工单办理" in page and "/designer/hotline/edit" in page
    xml = client.get("/designer/hotline/files/hotline.bpmn").get_data(as_text=True)
    broken = xml.replace('targetRef="check_scope"', 'targetRef="nowhere"')
    response = client.post("/designer/hotline/versions", content_type="multipart/form-data",
                           data={"files": (io.BytesIO(broken.encode()), "hotline.bpmn"), "comment": "试一下"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "没有部署任何内容" in page and "nowhere" in page
    changed = xml.replace("12345热线工单办理", "12345热线工单办理（2027版）")
    no_comment = client.post("/designer/hotline/versions", content_type="multipart/form-data", follow_redirects=True,
                             data={"files": (io.BytesIO(changed.encode()), "hotline.bpmn")})
    assert "请填写变更说明" in no_comment.get_data(as_text=True)
    assert app.extensions["service"].current("hotline")[0].version == 1
    done = client.post("/designer/hotline/versions", content_type="multipart/form-data", follow_redirects=True,
                       data={"files": (io.BytesIO(changed.encode()), "hotline (1).bpmn"), "comment": "2027 版名称"})
    assert "已部署 hotline 第 2 版" in done.get_data(as_text=True) and "2027 版名称" in done.get_data(as_text=True)
    assert app.extensions["service"].current("hotline")[0].version == 2
