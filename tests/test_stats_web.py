"""Figures over HTTP: who may see them (a unit only its own), the JSON API, issuing and reading bulletins."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from engine.access import Actor
from tests.conftest import login
from tests.walk import do
from webapp.demo import EXAMPLES

OP = Actor.of("op1", ["operators"])


@pytest.fixture
def seeded_app(app):
    service = app.extensions["service"]
    for unit in ("住建局", "人社局", "人社局"):
        rec = service.start("hotline", {}, OP)
        do(service, rec.id, "register", OP, {**EXAMPLES[0], "caller_name": f"张{unit}"})
        do(service, rec.id, "dispatch", OP, {"lead_unit": unit, "co_units": [], "requirements": "请核查",
                                             "deadline_class": "general_5wd"})
    return app


def api(client, url, user):
    return client.get(url, auth=(user, "demo"))


def test_stats_api_returns_the_figures_of_the_contract(seeded_app):
    client = seeded_app.test_client()
    found = api(client, "/api/v1/stats?process=hotline&from=2026-11-01&to=2026-11-30", "leader1")
    assert found.status_code == 200
    body = found.json
    assert {"cases", "closed", "on_time_rate", "overdue", "satisfaction_rate", "by_channel", "by_unit"} <= set(body)
    assert (body["cases"], body["closed"], body["overdue"], body["on_time_rate"]) == (3, 0, 0, None)
    assert body["by_channel"] == {"12345电话": 3}
    assert {u["unit"]: u["cases"] for u in body["by_unit"]} == {"住建局": 1, "人社局": 2}
    assert api(client, "/api/v1/stats?from=2026-11-01&to=2026-12-31", "leader1").json["cases"] == 3
    assert api(client, "/api/v1/stats?from=2026-12-01", "leader1").json["cases"] == 0   # started before


def test_a_unit_sees_only_its_own_figures_over_http(seeded_app):
    client = seeded_app.test_client()
    mine = api(client, "/api/v1/stats?process=hotline", "dept2").json
    assert mine["cases"] == 2 and [u["unit"] for u in mine["by_unit"]] == ["人社局"]
    refused = api(client, "/api/v1/stats?unit=住建局", "dept2")
    assert refused.status_code == 403 and refused.json["error"]["code"] == "forbidden"
    assert api(client, "/api/v1/stats", "op1").status_code == 403
    assert api(client, "/api/v1/stats?from=2026-13-01", "leader1").json["error"]["fields"] == {
        "from": "expected YYYY-MM-DD"}
    login(client, "dept2")
    page = client.get("/stats?process=hotline").get_data(as_text=True)
    assert "人社局" in page and "住建局" not in page
    assert client.get("/stats?unit=住建局").status_code == 403
    assert client.get("/stats/cases?figure=cases&unit=住建局").status_code == 403
    login(client, "op1")
    assert client.get("/stats").status_code == 403 and "/stats" not in client.get("/").get_data(as_text=True)


def test_bulletin_issued_on_the_web_is_kept_as_published(seeded_app):
    client = seeded_app.test_client()
    login(client, "dept1")
    assert client.post("/stats/bulletins", data={"kind": "hotline_work", "from": "2026-11-01",
                                                 "to": "2026-11-30"}).status_code == 403
    login(client, "review1")
    unconfirmed = client.post("/stats/bulletins", data={"kind": "hotline_work", "from": "2026-11-01",
                                                        "to": "2026-11-30"}, follow_redirects=True)
    assert "请先勾选确认" in unconfirmed.get_data(as_text=True)            # nothing issued without it
    assert seeded_app.extensions["service"].store.get_bulletin("GZDT-2026-001") is None
    issued = client.post("/stats/bulletins", data={"kind": "hotline_work", "from": "2026-11-01", "to": "2026-11-30",
                                                   "confirm": "1"})
    assert issued.headers["Location"].endswith("/stats/bulletins/GZDT-2026-001")
    page = client.get("/stats/bulletins/GZDT-2026-001").get_data(as_text=True)
    assert "市长热线工作动态" in page and "2026年第1期" in page and "dist/stats.css" in page
    assert "张住建局" not in page and "13800000001" not in page

    listed = api(client, "/api/v1/bulletins", "dept1").json
    assert [b["no"] for b in listed] == ["GZDT-2026-001"]
    one = api(client, "/api/v1/bulletins/GZDT-2026-001", "leader1").json
    assert one["content"]["totals"]["cases"] == 3 and one["content"]["issue_label"] == "2026年第1期"
    assert api(client, "/api/v1/bulletins/GZDT-2099-001", "leader1").json["error"]["code"] == "not_found"

    book = load_workbook(io.BytesIO(client.get("/stats/bulletins/GZDT-2026-001.xlsx").data))
    cells = [str(c.value) for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "住建局" in cells and not [c for c in cells if "张" in c or "138000" in c]


def test_assessment_page_uses_the_decision_table(seeded_app):
    client = seeded_app.test_client()
    login(client, "leader1")
    page = client.get("/stats/assessment?kind=year&year=2026").get_data(as_text=True)
    assert "2026年度" in page and "住建局" in page and "人社局" in page
    assert ">35.0<" in page or ">35<" in page                       # the yearly on-time weight from the DMN


def test_cli_issues_the_weekly_bulletin_and_rebuilds_the_facts(seeded_app):
    runner = seeded_app.test_cli_runner()
    issued = runner.invoke(args=["stats", "issue", "weekly_demands", "--from", "2026-11-23", "--to", "2026-11-29"])
    assert issued.exit_code == 0 and issued.output.startswith("SQDT-2026-001 诉求动态 2026年第1期")
    stored = seeded_app.extensions["service"].store.get_bulletin("SQDT-2026-001")
    assert stored.content["totals"]["cases"] == 3
    rebuilt = runner.invoke(args=["stats", "rebuild"])
    assert rebuilt.exit_code == 0 and "cases folded" in rebuilt.output
