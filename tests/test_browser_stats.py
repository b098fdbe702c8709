"""A real browser: a supervisor opens the figures, the charts draw (ECharts, no CSP errors), a number is clicked
and the list of the cases behind it opens, each case linked to its page."""
from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from engine.access import Actor
from tests.test_browser import page  # noqa: F401  (the chromium fixture)
from tests.test_browser import log_in
from tests.walk import china, do
from webapp.demo import EXAMPLES

pytestmark = pytest.mark.browser
OP, DEPT1 = Actor.of("op1", ["operators"]), Actor.of("dept1", ["dept:住建局"])


@pytest.fixture
def stats_url(tmp_path, clock):
    from engine.accounts.users import seed_demo_users
    from tests.conftest import make_service, sqlite_store
    from webapp import create_app
    service = make_service(sqlite_store(tmp_path / "browser.db"), clock)
    seed_demo_users(service.store)
    numbers = []
    for unit, mode in (("住建局", "network_assignment"), ("人社局", "network_assignment"), (None, "immediate_answer")):
        rec = service.start("hotline", {}, OP)
        do(service, rec.id, "register", OP, {**EXAMPLES[0], "handling_mode": mode})
        if unit:
            do(service, rec.id, "dispatch", OP, {"lead_unit": unit, "co_units": [], "requirements": "请核查",
                                                 "deadline_class": "general_5wd"})
        else:
            do(service, rec.id, "immediate_answer", OP, {"answer_text": "已答复"})
        numbers.append(service.store.get_instance(rec.id).data["case_no"])
    service.clock.set(china(12, 3))                    # the two dispatched tickets are now past 11-30
    app = create_app({"SECRET_KEY": "browser-test"}, service=service)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", numbers
    server.shutdown()


def test_dashboard_number_opens_its_cases(page, stats_url):  # noqa: F811
    base_url, numbers = stats_url
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" and "Failed to load" not in m.text
            else None)
    page.on("response", lambda r: problems.append(r.url) if r.status >= 400 and "favicon" not in r.url else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    log_in(page, base_url, "sup1")
    page.click("nav >> text=统计")
    page.fill("[name=from]", "2026-11-01")
    page.fill("[name=to]", "2026-11-30")
    page.click("button:has-text('查询')")
    assert page.inner_text("#kpi-cases") == "3" and page.inner_text("#kpi-overdue") == "2"
    page.wait_for_selector("#trend-chart svg")
    page.wait_for_selector("#unit-chart svg")
    assert "住建局" in page.inner_html("#unit-chart")       # the ranking axis names the units

    page.locator("#trend-chart").scroll_into_view_if_needed()
    page.wait_for_function("""() => [...document.querySelectorAll('#trend-chart svg path')].some((p) =>
        /^#[0-9a-f]{6}$/i.test(p.getAttribute('fill') || '') && p.getBoundingClientRect().height > 30)""")  # grown in
    bar = page.evaluate("""() => {                      // the tallest bar of the trend chart: the month's 受理量
        const bars = [...document.querySelectorAll('#trend-chart svg path')]
            .filter((p) => /^#[0-9a-f]{6}$/i.test(p.getAttribute('fill') || ''))
            .map((p) => p.getBoundingClientRect()).filter((r) => r.height > 30 && r.width < 400);
        const b = bars.sort((a, c) => c.height - a.height)[0];
        return {x: b.x + b.width / 2, y: b.y + b.height / 2};
    }""")
    page.mouse.click(bar["x"], bar["y"])
    page.wait_for_url("**/stats/cases?*dim=started_month*")
    assert "value=2026-11" in page.url and page.locator("#figure-cases tbody tr").count() == 3
    page.go_back()
    page.click("#kpi-overdue a")
    page.wait_for_url("**/stats/cases?*figure=overdue*")
    listed = page.locator("#figure-cases tbody tr td:first-child").all_inner_texts()
    assert sorted(listed) == sorted(numbers[:2])
    page.click(f"#figure-cases a:has-text('{numbers[0]}')")
    page.wait_for_url("**/instances/*")
    assert numbers[0] in page.inner_text("main")
    assert problems == []
