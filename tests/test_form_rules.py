"""Validation the issue asked for, checked on the real forms through the service: lead unit not among the
co-units, deadlines not in the past, 办结日期 and callback times not in the future, 回访 fields required,
at most five representatives; with field messages in Chinese and English."""
from __future__ import annotations

import pytest

from engine.service import InvalidData
from tests.test_hotline import DISPATCH, OP, REGISTER, REPLY, REVIEWER, SATISFIED, at_callback, at_handle, \
    register
from tests.walk import do, ready


def refused(service, iid, task, actor, data, lang="zh") -> dict:
    row = ready(service, iid)[task]
    with pytest.raises(InvalidData) as exc:
        service.complete(row.task_id, data, actor, lang=lang)
    return exc.value.fields


def test_the_lead_unit_cannot_also_be_a_co_unit(service):
    iid = register(service)
    fields = refused(service, iid, "dispatch", OP, {**DISPATCH, "co_units": ["住建局", "人社局"]})
    assert fields == {"co_units": "不能包含承办（牵头）单位"}
    assert "Must not include" in refused(service, iid, "dispatch", OP, {**DISPATCH, "co_units": ["住建局"]},
                                         "en")["co_units"]
    do(service, iid, "dispatch", OP, {**DISPATCH, "co_units": ["人社局"]})


def test_a_completion_date_in_the_future_is_refused(service):
    iid = at_handle(service)
    fields = refused(service, iid, "handle", service_actor("dept1"), {**REPLY, "completed_at": "2026-11-24"})
    assert fields == {"completed_at": "不能晚于今天"}


def test_a_deadline_in_the_past_is_refused(service):
    iid = at_handle(service)
    fields = refused(service, iid, "handle", service_actor("dept1"),
                     {"action": "request_extension", "extension_reason": "需现场勘查", "expected_completion_date":
                      "2026-11-20"})
    assert fields.get("expected_completion_date") == "不能早于今天"


def test_an_empty_callback_is_not_a_callback(service):
    iid = at_callback(service)
    fields = refused(service, iid, "callback", REVIEWER, {})
    assert set(fields) >= {"callback_at", "reached"}
    fields = refused(service, iid, "callback", REVIEWER, {"callback_at": "2026-11-23T08:00:00+08:00",
                                                           "reached": False})
    assert fields == {"callback_note": "此项为必填项"}
    future = refused(service, iid, "callback", REVIEWER, {**SATISFIED, "callback_at": "2026-11-25T10:00:00+08:00"})
    assert future == {"callback_at": "不能晚于今天"}
    do(service, iid, "callback", REVIEWER, SATISFIED)


def test_at_most_five_representatives(service):
    form = service.compiled(service.current("petition_case")[0].bundle_hash).user_tasks["register"].form
    from engine.forms.validation import validate
    reps = [{"name": f"代表{i}"} for i in range(6)]
    errors = validate(form, {"representatives": reps}, today="2026-11-23")
    assert errors.get("representatives") == "最多 5 项"


def service_actor(name):
    from engine.access import Actor
    return Actor.of(name, ["dept:住建局"])
