"""The petition bureau plans a month of reception days by the rules in the browser, then adds a special date."""
from __future__ import annotations

import os
import re

import pytest

from tests.test_browser import base_url, log_in, page  # noqa: F401,F811  (pytest fixtures and the log-in helper)

pytestmark = pytest.mark.browser


def test_plan_a_month_by_the_rules_then_a_special_date(page, base_url):  # noqa: F811
    log_in(page, base_url, "petition1")
    page.goto(f"{base_url}/admin/rota")
    assert "每周星期一 08:00–11:00" in page.locator(".rota-rules").inner_text()
    plan = page.locator("form[action$='/admin/rota/plan']")
    plan.locator("select[name=variant]").select_option("school")
    plan.locator("input[name=first_month]").fill("2026-12")
    plan.locator("input[name=months]").fill("1")
    plan.get_by_label("领导 leader1").check()                   # they take turns in the page's order
    plan.get_by_label("住建局负责人 head1").check()
    plan.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin/rota$"))
    assert "已按规则排入 4 个接访日" in page.locator(".flash.ok").inner_text()
    rows = page.locator("table.rota tbody tr")
    assert [(rows.nth(i).locator("td").first.inner_text(), rows.nth(i).locator("td").nth(2).inner_text())
            for i in range(rows.count())] == [("2026-12-07", "住建局负责人 head1"), ("2026-12-14", "领导 leader1"),
                                              ("2026-12-21", "住建局负责人 head1"), ("2026-12-28", "领导 leader1")]
    add = page.locator("form[action$='/admin/rota']").last
    add.locator("select[name=variant]").select_option("school")
    add.locator("input[name=reception_date]").fill("2026-12-09")
    add.locator("button[type=submit]").click()
    error = page.locator(".has-error .field-error").first
    assert "不是该接访制度的接访日" in error.inner_text() and "2026-12-07、2026-12-14" in error.inner_text()
    add = page.locator("form[action$='/admin/rota']").last
    add.locator("input[name=off_rule]").check()
    add.locator("input[name=note]").fill("12-07 停电，改周三")
    add.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin/rota$"))
    assert "已加入轮值表：2026-12-09" in page.locator(".flash.ok").inner_text()
    if os.environ.get("SHOT"):
        page.screenshot(path=os.environ["SHOT"], full_page=True)
