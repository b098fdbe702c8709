"""A real browser (Debian chromium): audit1 finds a completed hotline ticket, opens it, steps through the
replay slider and watches the highlighted element move on the diagram, then exports the case."""
from __future__ import annotations

import io
import threading

import openpyxl
import pytest
from werkzeug.serving import make_server

from tests.test_browser import ARGS, CHROMIUM, log_in
from tests.test_hotline import REVIEWER, SATISFIED, at_callback
from tests.walk import do

pytestmark = pytest.mark.browser


@pytest.fixture
def served(tmp_path, clock):
    from engine.accounts.users import seed_demo_users
    from tests.conftest import make_service, sqlite_store
    from webapp import create_app
    service = make_service(sqlite_store(tmp_path / "audit.db"), clock)
    seed_demo_users(service.store)
    iid = at_callback(service)
    do(service, iid, "callback", REVIEWER, SATISFIED)
    do(service, iid, "archive", REVIEWER, {"archive_no": "RX-2026-001", "archive_category": "投诉"})
    at_callback(service)                      # a second ticket, still running: the filter must leave it out
    app = create_app({"SECRET_KEY": "browser-test"}, service=service)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", service, iid
    server.shutdown()


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser.new_page(accept_downloads=True)
        browser.close()


def current(page) -> list[str]:
    return page.eval_on_selector_all(".djs-element.current", "els => els.map(e => e.dataset.elementId)")


def test_auditor_searches_replays_and_exports(page, served):
    base_url, service, iid = served
    case_no = service.store.get_instance(iid).data["case_no"]
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, base_url, "audit1")
    page.click("nav >> text=管理")              # designer, audit and admin pages sit in one menu
    page.click("nav >> text=案件审计")
    page.fill("[name=q]", "噪音")
    page.select_option("[name=process]", "hotline")
    page.select_option("[name=status]", "completed")
    page.click("button:has-text('查询')")
    results = page.locator("table.audit-results tbody tr")
    assert results.count() == 1 and "已办结" in results.inner_text()
    results.locator("a", has_text=case_no).click()

    page.wait_for_selector("#case-diagram[data-ready=true]")
    assert "所有 8 个步骤重新执行结果与记录一致" in page.inner_text(".verdicts")
    assert page.locator(".djs-element.done").count() > 10 and page.locator(".djs-connection.taken").count() > 5
    assert current(page) == []                                   # step 8: archived, nothing left to do
    page.click("#replay-prev")
    assert current(page) == ["archive"] and "7 / 8" in page.inner_text("#replay-label")
    page.focus("#replay-step")
    page.keyboard.press("Home")
    assert current(page) == ["register"] and page.get_attribute("#case-diagram", "data-step") == "1"
    page.keyboard.press("ArrowRight")
    assert current(page) == ["dispatch"]
    assert "来电人姓名" in page.inner_text("#replay-data") and "承办（牵头）单位" not in page.inner_text("#replay-data")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert current(page) == ["handle"] and "住建局" in page.inner_text("#replay-data")

    with page.expect_download() as download:
        page.click("a.export-xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))
    summary = dict((r[0].value, r[1].value) for r in workbook["案件"].iter_rows(min_row=2))
    assert summary["案件编号"] == case_no and summary["链头哈希"] == service.store.events(iid)[-1].hash
    assert errors == []
