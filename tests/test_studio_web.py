"""The studio pages and the JSON endpoints the studio script calls: files, check, deploy, groups, previews,
log and rollback, diff, dry run, impact and migration, new process."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.conftest import login
from tests.test_api import DISPATCH
from webapp.demo import EXAMPLES


@pytest.fixture
def designer(app):
    client = app.test_client()
    login(client, "designer1")
    return client


def service(app):
    return app.extensions["service"]


def files_of(designer, key="hotline"):
    return designer.get(f"/designer/{key}/files").get_json()


def test_edit_page_hosts_the_studio_script(designer):
    html = designer.get("/designer/hotline/edit").get_data(as_text=True)
    studio = re.search(r'<div id="studio"([^>]*)>', html).group(1)
    for attr in ("data-key", "data-version", "data-files-url", "data-check-url", "data-deploy-url", "data-groups-url",
                 "data-timer-preview-url", "data-form-preview-url", "data-csrf"):
        assert f'{attr}="' in studio, attr
    head = html.split("</head>")[0]
    assert 'src="/static/dist/studio.js"' in head and "defer" in head and "dist/studio.css" in head
    assert "<script>" not in html                                   # CSP script-src 'self': no inline script


def test_files_check_and_deploy_as_json(app, designer):
    body = files_of(designer)
    assert body["main"] == "hotline.bpmn" and "hotline_deadline.dmn" in body["files"]
    assert "hotline_register.schema.json" in body["files"]
    files = dict(body["files"])
    assert designer.post("/designer/hotline/check", json={"files": files}).get_json() == {"ok": True}
    broken = {**files, "hotline.bpmn": files["hotline.bpmn"].replace("extension_count = 0", "extension_count = type(1)")}
    response = designer.post("/designer/hotline/check?lang=en", json={"files": broken})
    error = response.get_json()["error"]
    assert response.status_code == 422 and error["message"].startswith("Not deployed")
    assert error["problems"][0]["element"] == "init_case" and "'type' is not allowed" in error["problems"][0]["message"]
    no_comment = designer.post("/designer/hotline/deploy", json={"files": files, "comment": " "})
    assert no_comment.status_code == 422 and "comment" in no_comment.get_json()["error"]["fields"]
    changed = {**files, "hotline.bpmn": files["hotline.bpmn"].replace("来电登记", "来电登记（新）")}
    done = designer.post("/designer/hotline/deploy", json={"files": changed, "comment": "改名"})
    assert done.status_code == 201 and done.get_json()["version"] == 2 and done.get_json()["url"] == "/designer/hotline/log"
    assert service(app).current("hotline")[0].comment == "改名"
    again = designer.post("/designer/hotline/deploy", json={"files": changed, "comment": "没改"})
    assert again.status_code == 200 and again.get_json()["unchanged"] is True


def test_studio_json_is_for_designers_only_with_json_errors(app):
    client = app.test_client()
    assert client.get("/designer/hotline/files").status_code == 401
    login(client, "op1")
    response = client.post("/designer/hotline/check", json={"files": {}})
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"


def test_csrf_header_protects_the_json_endpoints(app):
    from webapp import create_app
    secured = create_app({"TESTING": True, "SECRET_KEY": "test"}, service=service(app))
    client = secured.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": "designer1", "password": "demo", "csrf_token": token})
    html = client.get("/designer/hotline/edit").get_data(as_text=True)
    csrf = re.search(r'data-csrf="([^"]+)"', html).group(1)
    files = client.get("/designer/hotline/files").get_json()["files"]
    refused = client.post("/designer/hotline/check", json={"files": files})
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "csrf"
    assert client.post("/designer/hotline/check", json={"files": files}, headers={"X-CSRFToken": csrf}).status_code == 200


def test_groups_timer_preview_and_form_preview(designer):
    groups = designer.get("/designer/groups").get_json()
    assert {"name": "operators", "label": "话务员"} in groups and {"name": "dept:住建局", "label": "住建局"} in groups
    preview = designer.post("/designer/timer-preview", json={"expression": "end_of_day(working_days_after(start, 5))",
                                                             "data": {"start": "2026-12-28"}}).get_json()
    assert preview["value"].startswith("2027-01-0") and preview["value"].endswith("T23:59:59+08:00")
    assert "working_days_after" in preview["text"] and "2027" in preview["text"]
    duration = designer.post("/designer/timer-preview", json={"expression": "P5D", "data": {}}).get_json()
    assert duration["value"].startswith("2026-11-28T09:00")            # five days after the fixed clock
    bad = designer.post("/designer/timer-preview", json={"expression": "len(start)", "data": {"start": "x"}})
    assert bad.status_code == 422 and "日期" in bad.get_json()["error"]["message"]
    schema = {"type": "object", "required": ["n"], "properties": {"n": {"type": "integer", "title": "件数", "maximum": 5}}}
    form = designer.post("/designer/form-preview", json={"schema": schema, "ui_schema": {}, "data": {"n": 9}}).get_json()
    assert 'id="f-n"' in form["html"] and "件数" in form["html"] and form["errors"] == {"n": "不能大于 5"}
    invalid = designer.post("/designer/form-preview", json={"schema": {"type": "array"}, "ui_schema": {}, "data": {}})
    assert invalid.status_code == 422 and "对象" in invalid.get_json()["error"]["message"]


def test_new_process_starts_from_a_minimal_valid_diagram(app, designer):
    assert designer.get("/designer/new?key=complaint&name=投诉").headers["Location"].endswith(
        "/designer/complaint/edit?name=%E6%8A%95%E8%AF%89")
    html = designer.get("/designer/complaint/edit?name=投诉").get_data(as_text=True)
    assert 'data-key="complaint"' in html and 'data-version=""' in html
    body = designer.get("/designer/complaint/files?name=投诉").get_json()
    assert body["new"] is True and body["main"] == "complaint.bpmn" and len(body["files"]) == 3
    done = designer.post("/designer/complaint/deploy", json={"files": body["files"], "comment": "新流程"})
    assert done.status_code == 201 and done.get_json()["version"] == 1
    assert "投诉" in designer.get("/designer/").get_data(as_text=True)


def start_ticket(app):
    from engine.access import Actor
    from tests.walk import do
    op = Actor.of("op1", ["operators"])
    rec = service(app).start("hotline", {}, op)
    do(service(app), rec.id, "register", op, EXAMPLES[0])
    return rec.id


def test_log_rollback_and_diff(app, designer):
    files = files_of(designer)["files"]
    changed = dict(files)
    changed["hotline_deadline.dmn"] = files["hotline_deadline.dmn"].replace(
        '<outputEntry id="hotline_deadline_r1_o1"><text>5</text>', '<outputEntry id="hotline_deadline_r1_o1"><text>3</text>')
    changed["hotline_dispatch.schema.json"] = files["hotline_dispatch.schema.json"].replace(
        '"title": "承办（牵头）单位"', '"title": "牵头单位"')
    assert designer.post("/designer/hotline/deploy", json={"files": changed, "comment": "缩短期限"}).status_code == 201
    log = designer.get("/designer/hotline/log").get_data(as_text=True)
    assert "缩短期限" in log and "designer1" in log and service(app).current("hotline")[0].bundle_hash[:12] in log
    diff = designer.get("/designer/hotline/diff?a=1&b=2").get_data(as_text=True)
    assert 'id="bpmn-diff" data-left-url="/designer/hotline/versions/1/bpmn" data-right-url="/designer/hotline/versions/2/bpmn"' in diff
    assert "dist/diff.js" in diff and "hotline_deadline_r1" in diff and "牵头单位" in diff and "承办（牵头）单位" in diff
    left = designer.get("/designer/hotline/versions/1/bpmn")
    assert left.data.startswith(b"<?xml") and left.headers["X-Content-Type-Options"] == "nosniff"
    assert designer.post("/designer/hotline/rollback", data={"version": "1", "comment": ""},
                         follow_redirects=True).status_code == 200
    assert service(app).current("hotline")[0].version == 2                 # a rollback needs its reason
    page = designer.post("/designer/hotline/rollback", data={"version": "1", "comment": "期限改回"},
                         follow_redirects=True).get_data(as_text=True)
    dep = service(app).current("hotline")[0]
    assert dep.version == 3 and dep.bundle_hash == service(app).version("hotline", 1).bundle_hash
    assert "期限改回" in dep.comment and "已将第 1 版重新部署为第 3 版" in page


def test_deployment_log_is_for_designers_and_auditors_and_shown_on_cases(app):
    iid = start_ticket(app)
    auditor = app.test_client()
    login(auditor, "audit1")
    assert auditor.get("/designer/log").status_code == 200 and auditor.get("/designer/").status_code == 403
    case = auditor.get(f"/instances/{iid}").get_data(as_text=True)
    assert "本案所用版本 v1" in case and "system" in case
    operator = app.test_client()
    login(operator, "op1")
    assert operator.get("/designer/log").status_code == 403


def test_dry_run_walks_the_proposed_version_in_memory(app, designer):
    before = len(service(app).store.list_instances())
    page = designer.get("/designer/hotline/dryrun").get_data(as_text=True)
    assert "来电登记" in page and 'name="dry_task" value="register"' in page
    form = {k: (v if isinstance(v, str) else "true" if v is True else "") for k, v in EXAMPLES[0].items()}
    page = designer.post("/designer/hotline/dryrun", data={**form, "dry_action": "task", "dry_task": "register",
                                                           "dry_index": "0", "dry_steps": "[]"}).get_data(as_text=True)
    assert 'name="dry_task" value="dispatch"' in page and "话务员" in page
    steps = re.search(r"name=\"dry_steps\" value='([^']*)'", page).group(1)
    assert '"task": "register"' in steps.replace("&#34;", '"')
    invalid = designer.post("/designer/hotline/dryrun", data={"dry_action": "task", "dry_task": "register",
                                                              "dry_index": "0", "dry_steps": "[]"})
    assert "此项为必填项" in invalid.get_data(as_text=True)
    files = files_of(designer)["files"]
    proposed = {**files, "hotline_deadline.dmn": files["hotline_deadline.dmn"].replace(
        '<outputEntry id="hotline_deadline_r1_o1"><text>5</text>', '<outputEntry id="hotline_deadline_r1_o1"><text>3</text>')}
    walked = designer.post("/designer/hotline/dryrun.json", json={"files": proposed, "steps": [
        {"task": "register", "data": EXAMPLES[0]}, {"task": "dispatch", "data": DISPATCH}]}).get_json()
    last = walked["snapshots"][-1]
    assert walked["error"] is None and last["data"]["due_date"] == "2026-11-26"
    assert last["ready"][0]["bpmn_id"] == "accept" and last["ready"][0]["groups"] == ["dept:住建局"]
    assert dt.datetime.fromisoformat(last["ready"][0]["due_at"]) == dt.datetime(2026, 11, 26, 15, 59, 59, tzinfo=dt.timezone.utc)
    timers = designer.post("/designer/hotline/dryrun.json", json={"files": proposed, "steps": [
        {"task": "register", "data": EXAMPLES[0]}, {"task": "dispatch", "data": DISPATCH},
        {"task": "accept", "data": {"decision": "accept"}}, {"timer": True}]}).get_json()
    assert timers["error"] is None and timers["snapshots"][-1]["at"] > last["at"]
    assert len(service(app).store.list_instances()) == before and service(app).current("hotline")[0].version == 1


def test_impact_and_migration_allowed_and_refused(app, designer):
    moved, stuck = start_ticket(app), start_ticket(app)
    from engine.access import Actor
    from tests.walk import do
    do(service(app), stuck, "dispatch", Actor.of("op1", ["operators"]), DISPATCH)      # stuck now waits at "accept"
    files = files_of(designer)["files"]
    renamed = files["hotline.bpmn"].replace('id="accept"', 'id="sign_for"').replace(
        'sourceRef="accept"', 'sourceRef="sign_for"').replace('targetRef="accept"', 'targetRef="sign_for"').replace(
        '<bpmn:flowNodeRef>accept</bpmn:flowNodeRef>', '<bpmn:flowNodeRef>sign_for</bpmn:flowNodeRef>').replace(
        'bpmnElement="accept"', 'bpmnElement="sign_for"').replace('attachedToRef="accept"', 'attachedToRef="sign_for"')
    response = designer.post("/designer/hotline/deploy", json={"files": {**files, "hotline.bpmn": renamed}, "comment": "改 ID"})
    assert response.status_code == 201, response.get_json()
    impact = designer.get("/designer/hotline/impact").get_data(as_text=True)
    assert "新版本中没有" in impact and "填写交办单" in impact
    no_reason = designer.post("/designer/hotline/migrate", data={"case": [moved]})
    assert no_reason.status_code == 422
    page = designer.post("/designer/hotline/migrate", data={"case": [moved, stuck], "reason": "政策自 12 月起适用"})
    html = page.get_data(as_text=True)
    assert "已迁移到 v2" in html and "新版本中没有该案件用到的环节" in html and "签收" in html
    assert service(app).store.get_instance(moved).version == 2 and service(app).store.get_instance(stuck).version == 1
    events = service(app).store.events(moved)
    assert (events[-1].type, events[-1].actor, events[-1].data["reason"]) == ("migrated", "designer1", "政策自 12 月起适用")
    from engine.access import Actor as A
    assert service(app).replay(moved, A.of("audit1", ["auditors"])) == (True, None)
    op = app.test_client()
    login(op, "op1")
    assert op.post("/designer/hotline/migrate", data={"case": [stuck], "reason": "x"}).status_code == 403


def test_a_new_process_needs_a_usable_key(designer):
    body = designer.get("/designer/complaint/files").get_json()
    files = {n.replace("complaint", "Bad-Key"): t.replace("complaint", "Bad-Key") for n, t in body["files"].items()}
    response = designer.post("/designer/Bad-Key/deploy", json={"files": files, "comment": "x"})
    assert response.status_code == 422 and "Bad-Key" in response.get_json()["error"]["problems"][0]["message"]


@pytest.mark.parametrize("lang, words", [("zh", ["流程设计", "部署记录"]), ("en", ["Deployment log", "Open the modeler"])])
def test_studio_pages_render_in_both_languages(designer, lang, words):
    pages = ["/designer/", "/designer/hotline/edit", "/designer/log", "/designer/hotline/log",
             "/designer/hotline/diff", "/designer/hotline/dryrun", "/designer/hotline/impact"]
    html = ""
    for page in pages:
        response = designer.get(f"{page}?lang={lang}")
        assert response.status_code == 200, page
        html += response.get_data(as_text=True)
    assert all(w in html for w in words)
