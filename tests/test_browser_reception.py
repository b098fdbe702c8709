"""A leader reception day walked entirely in the browser: the announcement, the session, one visitor's case, 销号.

petition1 (信访局) plans and announces the day, leader1 consents and opens the session, petition1 registers one
visitor, which starts a reception_case; leader1 assigns it to 住建局 with a deadline, dept1 handles it, answers the
visitor in writing and sends the reply slip, and petition1 archives it and closes the number.
"""
from __future__ import annotations

import re

import pytest

from tests.test_browser import base_url, log_in, page  # noqa: F401,F811  (pytest fixtures and the log-in helper)

pytestmark = pytest.mark.browser
ISSUE = "低保待遇停发"


def switch_user(page, base_url, name):
    page.click("button:has-text('退出')")
    page.wait_for_url(re.compile(r"/login"))
    log_in(page, base_url, name)


def submit_task(page, base_url, title_text, fill, case_text=""):
    """Open the inbox row for the task `title_text` (of the case showing `case_text`), fill it in and submit it."""
    page.goto(f"{base_url}/")
    row = page.locator("table.inbox tbody tr", has=page.locator("td:first-child", has_text=title_text))
    if case_text:
        row = row.filter(has_text=case_text)
    row.locator("a").first.click()
    page.wait_for_url(re.compile(r"/tasks/"))
    fill(page)
    submit(page)


def submit(page):
    """Click 提交 and wait for the confirmation (on the inbox, the case page or the user's next task)."""
    page.click("button:has-text('提交')")
    page.locator(".flash.ok, .has-error, .form-error").first.wait_for()
    rejected = page.locator(".has-error, .form-error").all_inner_texts()       # the form came back: say why
    assert not rejected, f"{page.inner_text('h1')}: {rejected}"
    assert "已提交" in page.inner_text(".flash.ok")


def expect_status(page, label):
    """The case page's status badge (办理中 / 已办结)."""
    from playwright.sync_api import expect
    expect(page.locator("h1 .badge")).to_have_text(label)


def test_reception_day_to_closed_case(page, base_url):
    # 信访局: a new reception day, its variant and plan -----------------------------------------------------
    log_in(page, base_url, "petition1")
    page.click("nav >> text=新建")
    page.click("a[href$='/start/reception_day']")
    page.wait_for_url(re.compile(r"/start/reception_day"))                     # straight into 选择接访制度和月份
    page.select_option("[name=variant]", "linyi_bureau")
    page.fill("[name=target_month]", "2026-12")
    submit(page)

    def plan(p):                                                               # proposed by reception_schedule
        assert p.input_value("[name=reception_date]") == "2026-12-25"           # the last Friday of December
        assert p.input_value("[name=start_time]") == "09:00"
        assert p.input_value("[name=location]") == "局接访室"
        p.select_option("[name=duty_leader]", "leader1")                      # a person of the directory
        p.fill("[name=leader_name]", "张明")
        p.fill("[name=leader_title]", "局长")
        p.fill("[name=consultation_phone]", "0539-7200939")
    submit_task(page, base_url, "确认接访安排", plan)

    def announce(p):                                                           # 公告
        p.check("[name=channels][value=poster]")
        p.check("[name=channels][value=lobby_led_screen]")
        p.fill("[name=published_at]", "2026-11-24T10:00")
        p.fill("[name=notice_text]", "12月25日上午张明局长在局接访室接待来访群众，咨询电话0539-7200939")
    submit_task(page, base_url, "发布接访公告", announce)

    def intake(p):                                                             # one candidate case
        p.fill("[name=candidate_cases-0-petitioner_name]", "李四")
        p.fill("[name=candidate_cases-0-phone]", "13800000002")
        p.fill("[name=candidate_cases-0-issue_summary]", ISSUE)
        p.fill("[name=candidate_cases-0-township]", "兰山区")
        p.check("[name=special_mode][value=重点约访]")
    submit_task(page, base_url, "约访筛选", intake)

    # 接访领导 consents ----------------------------------------------------------------------------------------
    switch_user(page, base_url, "leader1")
    submit_task(page, base_url, "领导同意约访", lambda p: p.check("[name=consent][value=agree]"))

    switch_user(page, base_url, "petition1")

    def invite(p):
        p.check("[name=petitioners_invited]")
        p.fill("[name=invited_at]", "2026-11-25T10:00")
        p.check("[name=co_reception_units][value=住建局]")
        p.check("[name=township_notified]")
    submit_task(page, base_url, "约访通知和配合接待通知", invite)

    # the day: leader1 opens the session, petition1 registers the one visitor and closes the day -------------
    switch_user(page, base_url, "leader1")

    def open_session(p):
        p.check("[name=session_action][value=start]")
        p.check("[name=visitors_waiting]")
    submit_task(page, base_url, "开始接访", open_session)

    switch_user(page, base_url, "petition1")

    def register_visitor(p):
        p.fill("[name=visitor_name]", "李四")
        p.fill("[name=phone]", "13800000002")
        p.fill("[name=address]", "兰山区")
        p.fill("[name=persons_count]", "1")
        p.fill("[name=issue_summary]", ISSUE)
        p.check("[name=appointment]")
        p.uncheck("[name=more_visitors]")                                      # nobody else is waiting
    submit_task(page, base_url, "来访登记", register_visitor)

    def close_day(p):
        p.fill("[name=coordination_minutes]", "住建局到场，约定12月底前答复")
        p.check("[name=attending_units][value=住建局]")
        p.check("[name=materials_collected]")
    submit_task(page, base_url, "接访日小结", close_day)
    expect_status(page, "已办结")                                             # the day is over: its page
    day_url = page.url
    page.locator("ol.timeline").get_by_text("完成：接访日小结").wait_for()
    children = page.locator("ul.links li", has_text="已发起")
    assert children.count() == 1 and "领导接访事项" in children.inner_text() and ISSUE in children.inner_text()
    children.locator("a").click()                                              # the visitor's reception_case
    page.wait_for_url(re.compile(r"/instances/"))
    case_url = page.url
    expect_status(page, "办理中")
    assert "由此案件发起" in page.inner_text("ul.links")

    # the visitor's case: register, receive, assign ---------------------------------------------------------
    def confirm(p):                                                            # carried over from the day
        assert (p.input_value("[name=visitor_name]"), p.input_value("[name=reception_date]")) == ("李四", "2026-12-25")
        assert p.input_value("[name=leader_name]") == "张明"
        assert p.input_value("[name=variant]") == "linyi_bureau"
    submit_task(page, base_url, "来访人员登记", confirm, ISSUE)

    switch_user(page, base_url, "leader1")

    def receive(p):
        p.check("[name=leader_opinion][value=assign_with_deadline]")
        p.fill("[name=instruction_text]", "请住建局核实，限期答复")
        p.select_option("[name=lead_unit]", "住建局")
        p.fill("[name=deadline]", "2026-12-31")
    submit_task(page, base_url, "领导接访", receive, ISSUE)

    switch_user(page, base_url, "petition1")

    def notice(p):                                                             # 接访交办通知单, pre-filled
        assert p.input_value("[name=lead_unit]") == "住建局" and p.input_value("[name=deadline]") == "2026-12-31"
        assert p.is_checked("[name=assigned_units][value=住建局]")
        p.fill("[name=notice_no]", "JBTZ-2026-01")
        p.fill("[name=liaison]", "办公室王科长")
        p.check("[name=visitor_notified_in_writing]")
    submit_task(page, base_url, "接访交办通知单", notice, ISSUE)

    # 住建局 handles, answers in writing, sends the reply slip --------------------------------------------------
    switch_user(page, base_url, "dept1")

    def handle(p):
        p.fill("[name=handler_name]", "刘工")
        p.fill("[name=investigation]", "已入户核实")
        p.check("[name=face_to_face_done]")
        p.fill("[name=measures]", "恢复发放")
    submit_task(page, base_url, "调查处理", handle, ISSUE)

    def feedback(p):
        p.fill("[name=feedback_at]", "2026-12-28T10:00")
        p.check("[name=method][value=written]")
        p.fill("[name=reply_document]", "住建复〔2026〕12号")
        p.fill("[name=feedback_content]", "已恢复发放")
    submit_task(page, base_url, "反馈信访人", feedback, ISSUE)

    def reply_slip(p):
        p.fill("[name=findings]", "停发系信息错误")
        p.fill("[name=result]", "已恢复并补发")
        p.check("[name=petitioner_feedback_done]")
        p.fill("[name=unit_head_signoff]", "陈局长")
        p.fill("[name=signed_at]", "2026-12-28")
    submit_task(page, base_url, "办理结果回复单", reply_slip, ISSUE)

    # 信访局 archives and closes the number (销号) -------------------------------------------------------------
    switch_user(page, base_url, "petition1")

    def archive(p):
        p.fill("[name=archive_no]", "JA-2026-002")
        p.fill("[name=closed_at]", "2026-12-29T09:00")
    submit_task(page, base_url, "归档销号", archive, ISSUE)
    assert page.url == case_url                                               # the finished case's own page
    expect_status(page, "已办结")
    timeline = page.inner_text("ol.timeline")
    steps = ["来访人员登记", "领导接访", "接访交办通知单", "调查处理", "反馈信访人", "办理结果回复单", "归档销号"]
    positions = [timeline.find("完成：" + s) for s in steps]
    assert -1 not in positions and positions == sorted(positions), timeline    # every step, in order
    petition = page.locator("ul.links li", has_text="信访事项办理")           # the statutory track, linked
    assert petition.count() == 1

    page.goto(day_url)                                                         # the day still lists the case
    case = page.locator("ul.links li", has_text="已发起")
    assert ISSUE in case.inner_text() and "已办结" in case.inner_text()

