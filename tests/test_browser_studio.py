"""Designer studio in a real browser: designer1 changes the hotline, deploys it, and op1's next ticket follows it."""
from __future__ import annotations

import re

import pytest

from tests.test_browser import base_url, fill_register, log_in, page  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser
NEW_SCHEMA = '{"type": "object", "properties": {"extra_note": {"type": "string", "title": "补充说明"}}}'


def center(page, selector):
    box = page.locator(selector).bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def find(page, text):
    page.fill("#studio-find", text)
    page.dispatch_event("#studio-find", "change")


def add_user_task_after_register(page):
    """Drop a new task on the flow leaving 来电登记, make it a user task with a new form for the operators."""
    find(page, "register")
    x, y = center(page, ".djs-element[data-element-id=flow_register] .djs-visual > path")
    page.click(".djs-palette .entry[data-action='create.task']")
    page.mouse.move(x - 5, y)
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    page.click(".djs-context-pad .entry[data-action='replace']")
    page.click(".djs-popup [data-id='replace-with-user-task']")
    page.click(".bio-properties-panel-group-header:has-text('通用')")     # the modeler speaks the page's language
    page.fill("#bio-properties-panel-name", "补充核实")
    page.click(".bio-properties-panel-group-header:has-text('办理设置')")
    page.once("dialog", lambda dialog: dialog.accept("hotline_extra_check"))
    page.select_option("#bio-properties-panel-form", "__new__")
    page.select_option("#bio-properties-panel-groups", "operators")


def change_general_deadline_to_7_days(page):
    page.click("[data-tab=decisions]")
    page.select_option("#studio-dmn-select", "hotline_deadline.dmn")
    assert "命中策略" in page.inner_text(".dmn-decision-table-container")
    cell = page.locator(".dmn-decision-table-container td.output-cell", has_text="5").first
    cell.click()
    page.keyboard.press("Control+a")
    page.keyboard.type("7")
    page.click("[data-tab=diagram]")


def check(page):
    page.click("#studio-check")
    page.wait_for_selector(".studio-status.ok, .studio-status.error")
    return page.inner_text(".studio-status")


def test_designer_changes_the_hotline_and_the_next_ticket_follows(page, base_url):  # noqa: F811
    page.set_viewport_size({"width": 1400, "height": 900})
    log_in(page, base_url, "designer1")
    page.goto(f"{base_url}/designer/hotline/edit")
    page.wait_for_selector(".djs-element[data-element-id=register]")
    add_user_task_after_register(page)
    page.click("[data-tab=forms]")
    assert page.input_value("#studio-form-select") == "hotline_extra_check"
    page.fill("#studio-form-schema", NEW_SCHEMA)
    page.wait_for_selector("#studio-form-preview :text('补充说明')")
    page.click("[data-tab=diagram]")
    new_task = page.evaluate("document.querySelector('.djs-element.selected').dataset.elementId")

    page.fill("#bio-properties-panel-dueAt", 'open("x")')          # a deliberate error
    assert "问题" in check(page)
    assert page.locator(f".djs-element[data-element-id={new_task}].studio-problem").count() == 1
    assert "补充核实" in page.inner_text(".studio-problems")
    page.fill("#bio-properties-panel-dueAt", "")
    find(page, "register")
    page.fill("#bio-properties-panel-name", "来电登记（新）")
    change_general_deadline_to_7_days(page)
    assert "校验通过" in check(page)
    assert page.locator(".studio-problem").count() == 0
    with page.context.expect_page() as opened:                      # dry run of the edited files, nothing stored
        page.click("#studio-dryrun")
    dry = opened.value
    dry.wait_for_load_state()
    assert "试运行" in dry.inner_text("h1") and "来电登记（新）" in dry.inner_text("main")
    dry.close()

    page.fill("#studio-comment", "登记后增加补充核实；一般事项期限改为7个工作日")
    page.click("#studio-deploy")
    page.wait_for_selector(".studio-status.ok:has-text('已部署第 2 版')")
    page.goto(f"{base_url}/")
    page.click("button:has-text('退出')")

    log_in(page, base_url, "op1")
    page.click("nav >> text=新建")
    page.click("a[href$='/start/hotline']")
    assert "来电登记（新）" in page.inner_text("main")
    fill_register(page, "路灯不亮")
    page.click("button:has-text('提交')")
    page.wait_for_url(re.compile(r"/tasks/"))                      # the new step is op1's: it opens at once
    assert "补充核实" in page.inner_text("main")
    page.fill("[name=extra_note]", "已电话核实地点")
    page.click("button:has-text('提交')")
    page.wait_for_url(re.compile(r"/tasks/"))                      # then the 交办单
    page.select_option("[name=lead_unit]", "住建局")
    page.fill("[name=requirements]", "请核查修复")
    page.check("[name=deadline_class][value=general_5wd]")
    page.click("button:has-text('提交')")
    page.wait_for_url(f"{base_url}/")
    page.click("button:has-text('退出')")

    log_in(page, base_url, "dept1")
    row = page.locator("table.inbox tr", has_text="路灯不亮")
    assert "2026-12-02" in row.inner_text()       # 7 working days after 2026-11-23, the new table
