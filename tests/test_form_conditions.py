"""Fields that matter only under a choice (engine/forms/conditions.py): read from the form's own if/then rules,
shown in the browser only while their choice holds, and not sent otherwise (found by a tester: every field of the
handling form showed at once, and a hidden stale value blocked a submission)."""
from __future__ import annotations

import json

import pytest

from engine.forms.conditions import shown_when
from tests.conftest import ROOT
from tests.test_browser_staff import browser, dispatched, served, user  # noqa: F401 - fixtures
from tests.test_hotline import DEPT1
from tests.walk import do, ready


def schema(name):
    return json.loads((ROOT / "forms" / f"{name}.schema.json").read_text(encoding="utf-8"))


def test_conditions_come_from_the_forms_own_rules():
    when = shown_when(schema("hotline_handle"))
    assert "action" not in when                                        # always asked
    assert when["result_text"] == [{"action": ["reply"]}] and when["completed_at"] == [{"action": ["reply"]}]
    assert when["feedback_method"] == [{"action": ["reply"], "caller_feedback_done": [True]}]
    assert when["extension_reason"] == [{"action": ["request_extension"]}]
    assert when["progress_text"] == [{"action": ["progress"]}]
    odd = {"required": ["a"], "allOf": [
        {"if": {"properties": {"a": {"minLength": 3}}, "required": ["a"]}, "then": {"required": ["b"]}},   # no choice
        {"if": {"properties": {"a": {"const": "x"}}}, "then": {"required": ["c"]}},      # `a` may be absent: holds
        {"if": {"properties": {"a": {"enum": ["x", "y"]}}, "required": ["a"]}, "then": {"required": ["a", "d"]}}]}
    assert shown_when(odd) == {"d": [{"a": ["x", "y"]}]}


@pytest.mark.browser
def test_the_handling_form_shows_the_fields_of_the_choice_made(served, browser):  # noqa: F811
    base, service = served
    iid, accept = dispatched(service)
    do(service, iid, "accept", DEPT1, {"decision": "accept"})
    handle = ready(service, iid)["handle"].task_id
    page = user(browser, base, "dept1")
    page.goto(f"{base}/tasks/{handle}")
    visible = lambda name: page.locator(f"[name={name}]").first.is_visible()        # noqa: E731
    assert not visible("result_text") and not visible("extension_reason")
    page.check("input[name=action][value=request_extension]")
    assert visible("extension_reason") and not visible("result_text") and not visible("progress_text")
    page.fill("[name=extension_reason]", "需要现场复核")                             # then the choice changes
    page.check("input[name=action][value=reply]")
    assert visible("result_text") and not visible("extension_reason") and not visible("feedback_method")
    page.check("input[name=caller_feedback_done]")
    assert visible("feedback_method")
    page.fill("[name=result_text]", "已处理")
    page.fill("[name=measures_taken]", "责令整改")
    page.check("input[name=feedback_method][value=phone]")
    page.fill("[name=completed_at]", service.today())
    page.click("button:has-text('提交')")
    page.wait_for_load_state()
    data = service.store.get_instance(iid).data
    assert data["action"] == "reply" and "extension_reason" not in {k for k, v in data.items() if v}, \
        json.dumps({k: data.get(k) for k in ("action", "extension_reason")}, ensure_ascii=False)
