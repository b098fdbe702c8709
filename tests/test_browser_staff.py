"""Staff work in a real browser (Debian chromium), two users at once: claim (the second sees it taken, keeps
what they typed), hand over, return, comment, a file only the case's users may download, cancel, and a
start left half-way that stores nothing."""
from __future__ import annotations

import re
import threading

import pytest
from werkzeug.serving import make_server

from engine.access import Actor
from tests.test_browser import ARGS, CHROMIUM
from tests.test_hotline import DISPATCH, OP, REGISTER
from tests.walk import do, ready

pytestmark = pytest.mark.browser
ADMIN = Actor.of("admin", ["admins"])


@pytest.fixture
def served(tmp_path, clock):
    from engine.accounts.users import seed_demo_users
    from tests.conftest import make_service, sqlite_store
    from webapp import create_app
    service = make_service(sqlite_store(tmp_path / "staff.db"), clock)
    seed_demo_users(service.store)
    app = create_app({"SECRET_KEY": "browser-staff"}, service=service)      # CSRF on, as in production
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", service
    server.shutdown()


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def user(browser, base, name):
    page = browser.new_context().new_page()
    page.goto(f"{base}/login")
    page.fill("#username", name)
    page.fill("#password", "demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def dispatched(service) -> tuple[str, str]:
    rec = service.start("hotline", {}, OP)
    do(service, rec.id, "register", OP, REGISTER)
    do(service, rec.id, "dispatch", OP, DISPATCH)
    return rec.id, ready(service, rec.id)["accept"].task_id


def test_two_users_one_task_claim_hand_over_return(served, browser):
    base, service = served
    iid, task = dispatched(service)
    dept1, head1 = user(browser, base, "dept1"), user(browser, base, "head1")
    dept1.goto(f"{base}/tasks/{task}")
    head1.goto(f"{base}/tasks/{task}")
    head1.check("[name=decision][value=return]")
    head1.fill("[name=return_reason]", "head1 写了很长的退回理由")
    dept1.click("#claim")
    dept1.locator(".flash.ok").wait_for()
    assert "dept1" in dept1.inner_text(".task-actions")
    head1.click("button:has-text('提交')")                                     # too late: dept1 holds it
    head1.locator(".flash.error").wait_for()
    assert "已由 dept1 认领" in head1.inner_text(".flash.error")
    assert head1.input_value("[name=return_reason]") == "head1 写了很长的退回理由"   # nothing lost
    assert service.store.get_task(task).status == "ready"

    dept1.click("summary:has-text('转派')")                                     # hand over to 人社局
    dept1.select_option("#handover-to", "unit:人社局")
    dept1.fill("#handover-reason", "属于人社局职责")
    dept1.click("button:has-text('确认转派')")
    dept1.wait_for_url(f"{base}/")
    assert "已转派" in dept1.inner_text(".flash.ok")

    dept2 = user(browser, base, "dept2")
    assert dept2.locator("#unread, .badge-unread").count() == 1                 # a notification for 人社局
    dept2.goto(f"{base}/tasks/{task}")
    dept2.click("summary:has-text('退回上一环节')")
    dept2.fill("#return-reason", "不属于我局，请重新交办")
    dept2.click("button:has-text('确认退回')")
    dept2.wait_for_url(f"{base}/")
    back = ready(service, iid)
    assert set(back) == {"dispatch"}
    assert [e.type for e in service.store.events(iid)][-3:] == ["claimed", "handed_over", "returned"]


def test_comment_file_permissions_cancel_and_no_orphan_start(served, browser, tmp_path):
    base, service = served
    iid, task = dispatched(service)
    dept1 = user(browser, base, "dept1")
    dept1.goto(f"{base}/tasks/{task}")
    dept1.fill("#comment-text", "已约来电人明日现场查看")
    dept1.click("button:has-text('发表意见')")
    dept1.locator(".flash.ok").wait_for()
    assert "已约来电人明日现场查看" in dept1.inner_text(".comments")
    photo = tmp_path / "现场照片.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n fake image")
    dept1.set_input_files("#case-file", str(photo))
    dept1.click("button:has-text('上传')")
    dept1.locator(".flash.ok").wait_for()
    link = dept1.locator(".files a", has_text="现场照片.png")
    href = link.get_attribute("href")
    got = dept1.request.get(f"{base}{href}")                                  # with dept1's session
    assert got.status == 200 and got.body() == photo.read_bytes()
    assert got.headers["content-disposition"].startswith("attachment")
    dept2 = user(browser, base, "dept2")
    assert dept2.goto(f"{base}{href}").status == 403                            # not dept2's case

    op1 = user(browser, base, "op1")
    op1.goto(f"{base}/start")
    op1.click("a[href$='/start/hotline']")
    op1.wait_for_url(re.compile(r"/start/hotline"))
    op1.fill("[name=caller_name]", "半途离开")
    op1.goto(f"{base}/")                                                        # leaves without submitting
    assert [r.id for r in service.instances(ADMIN)] == [iid]                   # no orphan case

    admin = user(browser, base, "admin")
    admin.goto(f"{base}/instances/{iid}")
    admin.fill("#cancel-reason", "重复工单")
    admin.click("button:has-text('撤销')")
    admin.locator(".flash.ok").wait_for()
    assert "已撤销" in admin.inner_text("h1")
    assert service.store.get_instance(iid).status == "cancelled" and service.ready_tasks(iid) == []
