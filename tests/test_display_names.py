"""What pages show of codes and names: an outcome in words, a process by its name, a person by their name
(found by a tester walking the pages: `closed_satisfied`, `hotline v1`, `leader1` were shown as they are stored)."""
from __future__ import annotations

from engine.accounts.users import create_user
from engine.clock import CHINA
from tests.conftest import login
from tests.test_hotline import DEPT1, REPLY, REVIEWER, SATISFIED, at_handle
from tests.walk import do
from webapp import display


def test_an_outcome_is_shown_in_words_and_a_process_by_its_name(app):
    service = app.extensions["service"]
    iid = at_handle(service)
    do(service, iid, "handle", DEPT1, REPLY)
    do(service, iid, "review_reply", REVIEWER, {"review_decision": "accept"})
    do(service, iid, "callback", REVIEWER, SATISFIED)
    assert service.store.get_instance(iid).data["outcome"] == "closed_satisfied"
    [archive] = [t for t in service.ready_tasks(iid) if t.bpmn_id == "archive"]
    client = app.test_client()
    login(client, "review1")
    page = client.get(f"/tasks/{archive.task_id}").get_data(as_text=True)
    assert "办结（来电人满意）" in page and "closed_satisfied" not in page
    name = service.latest()["hotline"].name
    assert name and name != "hotline"
    listed = client.get("/instances").get_data(as_text=True)
    assert f"{name} v1" in listed and "hotline v1" not in listed


def test_a_person_is_shown_by_the_name_people_know(app):
    service = app.extensions["service"]
    create_user(service.store, "zhang3", "a-long-password", ["leaders"], "张三")
    with app.test_request_context():
        assert display.group_label("user:zhang3") == "张三"
        assert display.person_name("zhang3") == "张三" and display.person_name("nobody") == "nobody"
        assert display.group_label("dept:住建局") == "住建局"


def test_a_redone_handling_step_shows_the_reviewers_reason_first(app):
    """The department redoing its reply sees why first, above the original requirements."""
    service = app.extensions["service"]
    iid = at_handle(service)
    do(service, iid, "handle", DEPT1, REPLY)
    do(service, iid, "review_reply", REVIEWER, {"review_decision": "redo", "review_comment": "未附整改通知书，请补充"})
    [handle] = [t for t in service.ready_tasks(iid) if t.bpmn_id == "handle"]
    client = app.test_client()
    login(client, "dept1")
    page = client.get(f"/tasks/{handle.task_id}").get_data(as_text=True)
    first = page.split('class="task-context card"', 1)[1].split("</section>", 1)[0]
    assert 0 <= first.index("未附整改通知书，请补充") < first.index("办理要求")


def test_a_deadline_counted_in_calendar_days_shows_calendar_days_left(app):
    """A petition's 60 日 is counted in calendar days: the inbox said "剩 41 个工作日" for it."""
    from tests.test_petition_case import at_handle as petition_at_handle
    service = app.extensions["service"]
    iid = petition_at_handle(service)
    [handle] = [t for t in service.ready_tasks(iid) if t.bpmn_id == "handle"]
    assert handle.due_rule == "CD:60"
    days = (handle.due_at.astimezone(CHINA).date() - service.now().astimezone(CHINA).date()).days
    client = app.test_client()
    login(client, "dept1")
    row = next(r for r in client.get("/").get_data(as_text=True).split("<tr") if handle.task_id in r)
    assert f"剩 {days} 天" in row and "个工作日</span>" not in row


def test_a_case_title_cut_short_says_so():
    from engine.service import _title
    assert _title({"case_no": "RX1", "summary": "噪" * 50}) == "RX1 " + "噪" * 40 + "…"
    assert _title({"case_no": "RX1", "summary": "噪音扰民"}) == "RX1 噪音扰民"


def test_a_notice_of_a_task_already_done_says_so_and_leads_to_the_case(app):
    """A notice used to open "该任务已办理完毕" once its task was done."""
    from tests.test_hotline import dispatched
    service = app.extensions["service"]
    iid = dispatched(service, {})
    [accept] = [t for t in service.ready_tasks(iid) if t.bpmn_id == "accept"]
    client = app.test_client()
    login(client, "dept1")
    page = client.get("/notifications").get_data(as_text=True)
    assert f"/tasks/{accept.task_id}" in page                            # still to do: the task
    do(service, iid, "accept", DEPT1, {"decision": "accept"})
    page = client.get("/notifications").get_data(as_text=True)
    assert f"/tasks/{accept.task_id}" not in page and f"/instances/{iid}" in page and "已办理" in page
    assert client.get(f"/instances/{iid}").status_code == 200
    listed = client.get("/api/v1/notifications", headers={"Authorization": "Basic ZGVwdDE6ZGVtbw=="}).get_json()
    assert {n["task_status"] for n in listed["items"] if n["task_id"] == accept.task_id} == {"closed"}
