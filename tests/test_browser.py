"""A real browser (Debian chromium via Playwright): op1 registers and dispatches, dept1 takes it on."""
from __future__ import annotations

import re
import threading

import pytest
from werkzeug.serving import make_server

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def base_url(tmp_path, clock):
    from engine.accounts.users import seed_demo_users
    from tests.conftest import make_service, sqlite_store
    from webapp import create_app
    service = make_service(sqlite_store(tmp_path / "browser.db"), clock)
    seed_demo_users(service.store)
    app = create_app({"SECRET_KEY": "browser-test"}, service=service)   # CSRF on, as in production
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser.new_page()
        browser.close()


def log_in(page, base_url, name):
    page.goto(f"{base_url}/login")
    page.fill("#username", name)
    page.fill("#password", "demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/")


def fill_register(page, summary):
    """The 来电登记 form of a phone call handed to a department over the network."""
    page.fill("[name=operator_no]", "A017")
    page.check("[name=channel][value=phone_12345]")
    page.fill("[name=caller_name]", "王女士")
    page.fill("[name=caller_unit_or_address]", "兰江街道振兴路12号")
    page.fill("[name=caller_phone]", "13800000001")
    page.select_option("[name=matter_type]", "complaint_criticism")
    page.fill("[name=content_summary]", summary)
    page.fill("[name=locality]", "兰江街道")
    page.check("[name=handling_mode][value=network_assignment]")


def test_ticket_from_operator_to_department(page, base_url):
    log_in(page, base_url, "op1")
    page.click("nav >> text=新建")
    page.click("a[href$='/start/hotline']")
    fill_register(page, "工地夜间施工噪音扰民")
    page.click("button:has-text('提交')")
    page.wait_for_url(re.compile(r"/tasks/"))                      # the dispatch is op1's too: it opens at once
    assert "下一步" in page.inner_text(".flash.ok")
    page.select_option("[name=lead_unit]", "住建局")
    page.fill("[name=requirements]", "请现场核查并答复来电人")
    page.check("[name=deadline_class][value=general_5wd]")
    page.click("button:has-text('提交')")
    page.wait_for_url(f"{base_url}/")
    assert "工地夜间施工噪音扰民" not in page.inner_text("main")   # no longer op1's work
    page.click("button:has-text('退出')")

    log_in(page, base_url, "dept1")
    row = page.locator("table.inbox tr", has_text="工地夜间施工噪音扰民")
    assert "2026-11-30" in row.inner_text()
    row.locator("a").first.click()
    assert "王女士" in page.inner_text("aside")
    page.check("[name=decision][value=accept]")
    page.click("button:has-text('提交')")
    page.wait_for_url(re.compile(r"/tasks/"))                      # 办理 is dept1's next task
    page.goto(f"{base_url}/")
    moved_on = page.locator("table.inbox tr", has_text="工地夜间施工噪音扰民")
    assert moved_on.count() == 1 and "办理" in moved_on.inner_text()
    moved_on.locator("a").nth(1).click()
    assert "签收" in page.inner_text("ol.timeline")
