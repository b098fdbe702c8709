"""Property: whatever JSON (or near-JSON) is posted to start a case or complete a task, the API answers
with a status below 500, and every error is the contract's JSON error object."""
from __future__ import annotations

import json

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.test_api import OP, start_ticket
from webapp.demo import EXAMPLES

FIELDS = sorted(EXAMPLES[0]) + ["case_no", "today", "_x", "decision", ""]
scalars = (st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
           | st.sampled_from([10**400, "\ud800", "\x00", "9" * 5000]))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), inner, max_size=5),
                      max_leaves=20)
bodies = (st.builds(lambda d: {"data": d}, st.dictionaries(st.sampled_from(FIELDS), values, max_size=8))
          | st.builds(lambda d: {"data": d}, values) | values)
raw = st.sampled_from(["", "{", "[" * 5000, "{\"data\": NaN}", "{\"data\": {\"a\": Infinity}}", "\"\\ud800\"",
                       "{\"data\": " * 3000]) | st.text(max_size=50)
SLOW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def assert_clean(response):
    assert response.status_code < 500, (response.status_code, response.data[:300])
    assert response.mimetype == "application/json"
    if response.status_code >= 400:
        error = response.get_json()["error"]
        assert isinstance(error["code"], str) and isinstance(error["message"], str)
        assert set(error) <= {"code", "message", "fields", "problems"}


def post(client, path, body: str):
    return client.post(path, data=body.encode("utf-8", "surrogatepass"), headers=dict(OP),
                       content_type="application/json")


@SLOW
@given(body=bodies | raw)
@example(body={"data": {"channel": []}})          # was a 500: the figures row could not use a list
def test_starting_with_any_body_never_fails_the_server(app, body):
    text = body if isinstance(body, str) else json.dumps(body)
    assert_clean(post(app.test_client(), "/api/v1/processes/hotline/instances", text))


@SLOW
@given(body=bodies | raw, own_task=st.booleans())
def test_completing_with_any_body_never_fails_the_server(app, body, own_task):
    client = app.test_client()
    if "register" not in app.config:
        app.config["register"] = start_ticket(client)["ready_tasks"][0]["id"]
    task_id = app.config["register"] if own_task else "no-such-task"
    text = body if isinstance(body, str) else json.dumps(body)
    assert_clean(post(client, f"/api/v1/tasks/{task_id}/complete", text))


def test_a_start_value_of_the_wrong_type_is_a_422_naming_the_field(app):
    response = post(app.test_client(), "/api/v1/processes/hotline/instances", json.dumps(
        {"data": {"channel": {"a": 1}, "caller_name": "王女士"}}))
    assert response.status_code == 422 and list(response.get_json()["error"]["fields"]) == ["channel"]
    assert post(app.test_client(), "/api/v1/processes/hotline/instances", json.dumps(
        {"data": {"channel": "phone_12345"}})).status_code == 201
