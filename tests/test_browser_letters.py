"""The petition bureau opens a case's written notice from the case page and gets a printable letter."""
from __future__ import annotations

import os
import re
import threading

import pytest
from werkzeug.serving import make_server

from tests.test_browser import log_in, page  # noqa: F401  (pytest fixture and the log-in helper)

pytestmark = pytest.mark.browser


@pytest.fixture
def served_case(tmp_path, clock):
    """(base URL, a petition case answered by 住建局)."""
    from engine.accounts.users import seed_demo_users
    from tests.conftest import make_service, sqlite_store
    from tests.test_letters import walked
    from webapp import create_app
    service = make_service(sqlite_store(tmp_path / "letters.db"), clock)
    seed_demo_users(service.store)
    iid = walked(service, "reply")
    server = make_server("127.0.0.1", 0, create_app({"SECRET_KEY": "browser-test"}, service=service), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", iid
    server.shutdown()


def test_the_reply_letter_opens_from_the_case_page(page, served_case):  # noqa: F811
    base_url, iid = served_case
    log_in(page, base_url, "petition1")
    page.goto(f"{base_url}/instances/{iid}")
    assert page.locator("ul.letters li").count() == 2
    page.click("ul.letters a:has-text('信访事项处理意见书')")
    page.wait_for_url(re.compile(r"/letters/reply\?seq=\d+$"))
    assert page.locator("h1").inner_text().replace(" ", "") == "信访事项处理意见书"
    assert page.locator(".letter-to").inner_text() == "张三：" and page.locator(".letter-issuer").inner_text() == "住建局"
    indent = page.locator(".letter-text").first.evaluate("p => getComputedStyle(p).textIndent")
    assert indent != "0px"                                                       # the print style sheet is applied
    if os.environ.get("SHOT"):
        page.screenshot(path=os.environ["SHOT"], full_page=True)
