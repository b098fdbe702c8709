"""GET /api/v1/openapi.json: the hand-written description lists exactly the API routes the app serves, with
their methods and path parameters, and real responses match its schemas."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from tests.test_api import DEPT1, DISPATCH, OP, complete, start_ticket
from webapp.demo import EXAMPLES

SPEC = json.loads((Path(__file__).resolve().parent.parent / "webapp" / "openapi.json").read_text("utf-8"))
METHODS = {"get", "post", "put", "patch", "delete"}


def served_routes(app) -> dict[str, set[str]]:
    """{OpenAPI path: methods} of every rule under /api/v1 plus /healthz."""
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") or rule.rule == "/healthz":
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
            routes.setdefault(path, set()).update(m.lower() for m in rule.methods if m.lower() in METHODS)
    return routes


def described_routes() -> dict[str, set[str]]:
    return {path: {m for m in item if m in METHODS} for path, item in SPEC["paths"].items()}


def matches(body, schema_name):
    """Validate a body against a component schema (its $refs resolved within the document)."""
    validator = Draft202012Validator({**SPEC, "$ref": f"#/components/schemas/{schema_name}"})
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]
    assert not errors, errors


def test_every_served_route_is_described_and_nothing_else(app):
    assert served_routes(app) == described_routes()


def test_path_parameters_are_those_of_the_path():
    for path, item in SPEC["paths"].items():
        named = set(re.findall(r"{([^}]+)}", path))
        for method in METHODS & set(item):
            declared = {p["name"] for p in item[method].get("parameters", []) if p["in"] == "path"}
            assert declared == named, (path, method)


def test_the_document_is_served_without_login_and_its_schemas_are_valid(app):
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.get_json() == SPEC
    assert SPEC["openapi"].startswith("3.1")
    for name, schema in SPEC["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema)
    refs = set(re.findall(r'"#/components/(\w+)/(\w+)"', json.dumps(SPEC)))
    assert all(name in SPEC["components"][kind] for kind, name in refs), refs


@pytest.fixture
def client(app):
    return app.test_client()


def test_real_responses_match_the_described_schemas(client):
    started = start_ticket(client)
    matches(started, "Instance")
    after = complete(client, started["ready_tasks"][0]["id"], EXAMPLES[0], OP).get_json()
    matches(after, "Instance")
    after = complete(client, after["ready_tasks"][0]["id"], DISPATCH, OP).get_json()
    matches(client.get(f"/api/v1/instances/{after['id']}", headers=OP).get_json(), "Instance")
    matches(client.get("/api/v1/instances", headers=OP).get_json()[0], "InstanceSummary")
    matches(client.get(f"/api/v1/instances/{after['id']}/history", headers=OP).get_json(), "History")
    for process in client.get("/api/v1/processes", headers=OP).get_json():
        matches(process, "Process")
    task_id = after["ready_tasks"][0]["id"]
    matches(client.get(f"/api/v1/tasks/{task_id}", headers=DEPT1).get_json(), "TaskDetail")
    matches(client.get("/api/v1/tasks", headers=DEPT1).get_json()[0], "Task")
    for response in (complete(client, task_id, {"decision": "maybe"}, DEPT1), complete(client, task_id, {}, OP)):
        assert response.status_code in (403, 422)
        matches(response.get_json(), "Error")
    matches(client.get("/api/v1/tasks/nope", headers=OP).get_json(), "Error")
