"""What a task's form starts with, above all when the same step comes round again (a redo, a second review, the
next visitor): the previous round's decision is not offered as this round's, through the service (`values`,
`carried`, `repeated`), the task page and the API. Also the petition case's extension fields, which a new case
used to prefill with 0 and then refuse on a plain reply."""
from __future__ import annotations

import lxml.html
import pytest
from werkzeug.datastructures import MultiDict

from tests import test_hotline as hotline
from tests import test_petition_case as petition
from tests import test_petition_supervision as supervision
from tests import test_reception as reception
from tests.conftest import login
from tests.walk import do, ready

REVIEW_COMMENT = "未附整改通知书，请补充后重新答复。"


def page_form(page: str) -> MultiDict:
    """What a browser without scripts posts from a task page as it came: every prefilled field of the form."""
    form = next(f for f in lxml.html.fromstring(page).forms if f.get("enctype") == "multipart/form-data")
    return MultiDict(form.form_values())


def post_as_browser(client, task_id, answers: dict):
    """Open the task page, change the fields the user touches (`answers`), submit the rest as shown."""
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    data = page_form(page)
    for key, value in answers.items():
        data.setlist(key, value if isinstance(value, list) else [value])
    return client.post(f"/tasks/{task_id}", data=data)


def redo_ordered(service) -> str:
    """A hotline ticket answered by 住建局, sent back by the centre with a comment: the redo `handle` is ready."""
    iid = hotline.at_handle(service)
    do(service, iid, "handle", hotline.DEPT1, hotline.REPLY)
    do(service, iid, "review_reply", hotline.REVIEWER, {"review_decision": "redo", "review_comment": REVIEW_COMMENT})
    assert set(ready(service, iid)) == {"handle"}
    return iid


# the service: a repeated task's decision starts empty, a text to revise is carried and says so -----------------
def test_a_redo_offers_the_reply_to_revise_but_no_old_decision(service):
    iid = redo_ordered(service)
    redo = service.task(ready(service, iid)["handle"].task_id, hotline.DEPT1)
    assert redo.repeated and redo.carried == ["result_text", "measures_taken"]
    assert {k: redo.values.get(k) for k in ("result_text", "measures_taken")} == {
        "result_text": hotline.REPLY["result_text"], "measures_taken": hotline.REPLY["measures_taken"]}
    for decision in ("action", "completed_at", "feedback_method"):       # chosen and dated again
        assert decision not in redo.values
    assert redo.values["caller_feedback_done"] is False                  # the form's default, not last round's "yes"
    assert redo.data["review_comment"] == REVIEW_COMMENT                 # the case data still shows why

    do(service, iid, "handle", hotline.DEPT1, {**hotline.REPLY, "result_text": "已补附整改通知书"})
    review = service.task(ready(service, iid)["review_reply"].task_id, hotline.REVIEWER)
    assert review.repeated and review.carried == []
    assert "review_decision" not in review.values and "review_comment" not in review.values


def test_a_first_run_is_prefilled_from_the_case_as_before(service):
    iid = hotline.at_handle(service)
    first = service.task(ready(service, iid)["handle"].task_id, hotline.DEPT1)
    assert not first.repeated and first.carried == [] and first.values == {"caller_feedback_done": False,
                                                                            "caller_informed": False}
    do(service, iid, "handle", hotline.DEPT1, hotline.REPLY)
    review = service.task(ready(service, iid)["review_reply"].task_id, hotline.REVIEWER)
    assert not review.repeated and review.values == {}


def test_a_value_the_process_proposes_for_the_new_round_is_offered():
    service = supervision.service_with(supervision.KEY)
    iid = supervision.registered(service)
    supervision.run_round(service, iid, ["phone"], supervision.NOT_RESOLVED)
    plan = service.task(supervision.ready(service, iid)["plan"][0].task_id, supervision.BUREAU)
    assert plan.repeated
    assert plan.values["modes"] == ["written"]                   # the stronger mode, preselected by the process
    assert "supervisor" not in plan.values and "response_due" not in plan.values    # chosen afresh each round


def test_another_units_instance_of_the_same_step_is_not_a_previous_run():
    service = supervision.service_with(supervision.KEY)
    iid = supervision.registered(service, target_units=["住建局", "人社局"])
    do(service, iid, "plan", supervision.BUREAU, {**supervision.PLAN, "modes": ["phone"]})
    do(service, iid, "self_check", supervision.UNIT["住建局"], supervision.SELF_CHECK)
    other = service.task(supervision.ready(service, iid)["self_check"][0].task_id, supervision.UNIT["人社局"])
    assert not other.repeated and other.values == {}


def test_the_next_visitor_starts_with_an_empty_registration():
    service = reception.service_with("reception_day", "reception_case")
    iid = reception.prepared(service)
    do(service, iid, "open_session", reception.LEADER, {"session_action": "start", "visitors_waiting": True})
    first = service.task(ready(service, iid)["register_visitor"].task_id, reception.BUREAU)
    assert not first.repeated
    do(service, iid, "register_visitor", reception.BUREAU, reception.VISITOR)
    second = service.task(ready(service, iid)["register_visitor"].task_id, reception.BUREAU)
    assert second.repeated and second.data["visitor_name"] == "李四"
    for field in ("visitor_name", "phone", "address", "issue_summary", "appointment", "more_visitors"):
        assert second.values.get(field) in (None, False), field       # not the previous visitor's


# the task page and the API ---------------------------------------------------------------------------------------
def basic(name):
    import base64
    return {"Authorization": "Basic " + base64.b64encode(f"{name}:demo".encode()).decode()}


def test_a_second_review_records_only_what_the_reviewer_chose(app):
    service, unit, centre = app.extensions["service"], app.test_client(), app.test_client()
    login(unit, "dept1")
    login(centre, "review1")
    iid = redo_ordered(service)
    page = unit.get(f"/tasks/{ready(service, iid)['handle'].task_id}").get_data(as_text=True)
    assert "本环节在本案中已办理过" in page and "已带出上一次提交的内容" in page
    assert page_form(page).get("result_text") == hotline.REPLY["result_text"] and "action" not in page_form(page)
    done = post_as_browser(unit, ready(service, iid)["handle"].task_id, {
        "action": "reply", "result_text": "已补附整改通知书", "caller_feedback_done": "true",
        "feedback_method": "phone", "completed_at": "2026-11-23"})
    assert done.status_code == 302 and set(ready(service, iid)) == {"review_reply"}

    task_id = ready(service, iid)["review_reply"].task_id
    page = centre.get(f"/tasks/{task_id}").get_data(as_text=True)
    shown = page_form(page)
    assert "review_decision" not in shown and shown.get("review_comment", "") == ""
    assert REVIEW_COMMENT in page                                       # still readable in the case data
    assert post_as_browser(centre, task_id, {"review_decision": "accept"}).status_code == 302
    reviews = [e.data for e in service.store.events(iid) if e.task == "review_reply"]
    assert reviews[0] == {"review_decision": "redo", "review_comment": REVIEW_COMMENT}
    assert reviews[1]["review_decision"] == "accept" and not reviews[1].get("review_comment")


def test_the_api_gives_the_starting_values(app):
    service, client = app.extensions["service"], app.test_client()
    iid = redo_ordered(service)
    body = client.get(f"/api/v1/tasks/{ready(service, iid)['handle'].task_id}", headers=basic("dept1")).get_json()
    assert (body["repeated"], body["carried"]) == (True, ["result_text", "measures_taken"])
    assert body["values"]["result_text"] == hotline.REPLY["result_text"] and "action" not in body["values"]
    assert body["data"]["action"] == "reply"                            # the case data itself is unchanged


# the petition case's extension fields ---------------------------------------------------------------------------
def test_a_new_petition_case_does_not_prefill_the_extension():
    service = petition.service_with(petition.KEY)
    iid = petition.at_handle(service)
    assert "extension_days" not in service.store.get_instance(iid).data
    handle = service.task(ready(service, iid)["handle"].task_id, petition.DEPT)
    assert "extension_days" not in handle.values


@pytest.mark.parametrize("answers, error", [
    ({**petition.REPLY, "extension_days": 0}, None),                  # not asked for: not checked
    ({**petition.REPLY, "extension_reason": ""}, None),
    ({"handle_action": "request_extension", "extension_reason": "需现场测绘", "extension_days": 0}, "不能小于 1"),
    ({"handle_action": "request_extension", "extension_reason": "需现场测绘", "extension_days": 31}, "不能大于 30"),
    ({"handle_action": "request_extension", "extension_reason": "需现场测绘"}, "此项为必填项"),
])
def test_the_extension_days_are_checked_only_for_an_extension(answers, error):
    service = petition.service_with(petition.KEY)
    iid = petition.at_handle(service)
    task_id = ready(service, iid)["handle"].task_id
    if error is None:
        service.complete(task_id, answers, petition.DEPT)
        assert set(ready(service, iid)) == {"callback"}
    else:
        with pytest.raises(petition.InvalidData) as bad:
            service.complete(task_id, answers, petition.DEPT)
        assert bad.value.fields == {"extension_days": error}


def test_a_department_closes_a_petition_case_from_its_page(app):
    service, unit = app.extensions["service"], app.test_client()
    login(unit, "dept1")
    iid = petition.at_handle(service)
    answers = {**{k: v for k, v in petition.REPLY.items() if not isinstance(v, bool)},
               "met_petitioner": "true", "appeal_info_given": "true", "served_at": "2026-12-01T10:00"}
    done = post_as_browser(unit, ready(service, iid)["handle"].task_id, answers)
    assert done.status_code == 302, done.get_data(as_text=True)[-2000:]
    assert set(ready(service, iid)) == {"callback"}
    assert service.store.get_instance(iid).data["handle_due"] == "2027-01-22"      # 60 days, untouched
