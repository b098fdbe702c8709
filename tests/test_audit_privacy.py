"""Privacy matrix: a confidential caller (来电人要求保密) across every demo role × case page, API, export;
revealing needs a reason and is recorded; auditors' views, exports and replays are in the access log."""
from __future__ import annotations

import io
import json

import openpyxl
import pytest

from engine.accounts.users import DEMO_USERS
from tests.conftest import login
from tests.test_api import basic
from tests.test_hotline import DEPT1, DEPT2, OP, REPLY, REVIEWER, dispatched
from tests.walk import do

NAME, PHONE, ADDRESS = "王女士", "13800000001", "兰江街道振兴路12号"
HANDLERS = {"op1", "review1"}                   # the operator who registered it and the hotline centre
MASKED = {"dept1", "dept2", "audit1", "admin", "sup1"}   # may open the case, never see the caller
EXPORTERS = {"audit1", "admin"}
ROLES = [name for name, _, _ in DEMO_USERS]


@pytest.fixture
def confidential(app):
    """A confidential ticket with a co-unit, handled, reviewed and relayed: the callback is next."""
    service = app.extensions["service"]
    iid = dispatched(service, {"confidential_requested": True}, co_units=["人社局"])
    do(service, iid, "accept", DEPT1, {"decision": "accept"})
    do(service, iid, "co_opinion", DEPT2, {"co_opinion": "人社局无异议"})
    do(service, iid, "handle", DEPT1, {**{k: v for k, v in REPLY.items() if k != "feedback_method"},
                                       "caller_feedback_done": False})
    do(service, iid, "review_reply", REVIEWER, {"review_decision": "accept"})
    do(service, iid, "relay_result", REVIEWER, {"relay_method": "phone"})
    assert OP and iid
    return iid


def shows_caller(text: str) -> bool:
    found = [s in text for s in (NAME, PHONE, ADDRESS)]
    assert all(found) or not any(found), "masking is all three fields or none"
    return all(found)


@pytest.mark.parametrize("role", ROLES)
def test_case_page_and_api(app, confidential, role):
    client = app.test_client()
    api = client.get(f"/api/v1/instances/{confidential}", headers=basic(role))
    history = client.get(f"/api/v1/instances/{confidential}/history", headers=basic(role))
    login(client, role)
    page = client.get(f"/instances/{confidential}")
    if role in HANDLERS | MASKED:
        assert (page.status_code, api.status_code, history.status_code) == (200, 200, 200)
        visible = role in HANDLERS
        assert shows_caller(page.get_data(as_text=True)) is visible
        assert shows_caller(json.dumps(api.get_json(), ensure_ascii=False)) is visible
        assert shows_caller(json.dumps(history.get_json(), ensure_ascii=False)) is visible
        assert (api.get_json()["data"]["caller_phone"] == PHONE) is visible
    else:
        assert (page.status_code, api.status_code, history.status_code) == (403, 403, 403)


@pytest.mark.parametrize("role", ROLES)
def test_exports(app, confidential, role):
    client = app.test_client()
    xlsx = client.get(f"/api/v1/instances/{confidential}/export.xlsx", headers=basic(role))
    login(client, role)
    printed = client.get(f"/audit/cases/{confidential}/print")
    period = client.get("/audit/export.xlsx?process=hotline")
    if role not in EXPORTERS:
        assert (xlsx.status_code, printed.status_code, period.status_code) == (403, 403, 403)
        return
    assert (xlsx.status_code, printed.status_code, period.status_code) == (200, 200, 200)
    assert not shows_caller(_cells(xlsx.data)) and not shows_caller(printed.get_data(as_text=True))
    assert not shows_caller(_cells(period.data))


def test_reveal_needs_a_reason_is_recorded_and_lasts_the_session(app, confidential):
    client = app.test_client()
    login(client, "audit1")
    assert not shows_caller(client.get(f"/audit/cases/{confidential}").get_data(as_text=True))
    refused = client.post(f"/audit/cases/{confidential}/reveal", data={"reason": " "}, follow_redirects=True)
    assert "请填写查看保密信息的理由" in refused.get_data(as_text=True)
    assert not shows_caller(refused.get_data(as_text=True))
    shown = client.post(f"/audit/cases/{confidential}/reveal", data={"reason": "核查来电人投诉的真实性"},
                        follow_redirects=True)
    assert shows_caller(shown.get_data(as_text=True))
    assert shows_caller(client.get(f"/instances/{confidential}").get_data(as_text=True))
    assert shows_caller(_cells(client.get(f"/audit/cases/{confidential}/export.xlsx").data))
    other = app.test_client()
    login(other, "audit1")                    # another session has not revealed anything
    assert not shows_caller(other.get(f"/instances/{confidential}").get_data(as_text=True))
    units = app.test_client()
    login(units, "dept1")
    assert units.post(f"/audit/cases/{confidential}/reveal", data={"reason": "想联系来电人"}).status_code == 403
    entries = app.extensions["audit"].store.access_entries(instance_id=confidential)
    reveal = next(e for e in entries if e.action == "reveal")
    assert (reveal.actor, reveal.detail["reason"]) == ("audit1", "核查来电人投诉的真实性")
    assert [e.action for e in entries if e.actor == "dept1"] == []


def test_auditor_actions_are_recorded_and_shown_to_admins(app, confidential):
    auditor = app.test_client()
    login(auditor, "audit1")
    auditor.get(f"/instances/{confidential}")
    auditor.get(f"/audit/cases/{confidential}/replay.json")
    auditor.get(f"/audit/cases/{confidential}/export.xlsx")
    auditor.get("/audit/export.xlsx?status=running")
    auditor.get(f"/api/v1/instances/{confidential}/history", headers=basic("audit1"))
    assert auditor.get("/audit/log").status_code == 403
    entries = app.extensions["audit"].store.access_entries()
    actions = [(e.actor, e.action) for e in reversed(entries)]
    assert actions == [("audit1", "view"), ("audit1", "replay"), ("audit1", "export"),
                       ("audit1", "search_export"), ("audit1", "history")]
    assert entries[-1].detail == {"personal_shown": False} and entries[-1].case_no.startswith("RX")
    operator = app.test_client()
    login(operator, "op1")
    operator.get(f"/instances/{confidential}")                 # a handler's work is not an audit read
    assert len(app.extensions["audit"].store.access_entries()) == len(entries)
    admin = app.test_client()
    login(admin, "admin")
    log_page = admin.get("/audit/log").get_data(as_text=True)
    assert log_page.count("audit1") >= 5 and "导出案件列表" in log_page and "重放" in log_page


def _cells(data: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return "\n".join(str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value)


def test_api_reads_and_replays_by_auditors_are_recorded_too(app, confidential):
    client = app.test_client()
    client.get(f"/api/v1/instances/{confidential}", headers=basic("audit1"))
    client.post(f"/api/v1/instances/{confidential}/replay", headers=basic("audit1"))
    client.get(f"/api/v1/instances/{confidential}", headers=basic("review1"))      # handling, not auditing
    login(client, "audit1")
    flashed = client.post(f"/instances/{confidential}/replay", follow_redirects=True).get_data(as_text=True)
    assert "重放结果一致" in flashed
    entries = app.extensions["audit"].store.access_entries()
    assert [(e.actor, e.action) for e in reversed(entries)][:3] == [
        ("audit1", "view"), ("audit1", "replay"), ("audit1", "replay")]
    assert {e.actor for e in entries} == {"audit1"}


def test_opening_a_case_on_the_audit_page_is_one_view_and_one_replay(app, confidential):
    """The page checks the re-execution as part of the view; its slider's replay is the one replay recorded
    (a tester saw two replays logged for every page opened)."""
    auditor = app.test_client()
    login(auditor, "audit1")
    assert auditor.get(f"/audit/cases/{confidential}").status_code == 200
    auditor.get(f"/audit/cases/{confidential}/replay.json")
    entries = app.extensions["audit"].store.access_entries()
    assert [(e.actor, e.action) for e in reversed(entries)] == [("audit1", "view"), ("audit1", "replay")]
