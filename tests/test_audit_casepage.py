"""Every case page: the pinned diagram with where the case stands (done, current task with its holder and
deadline, branches taken, timers fired, the linked case started from its element) and the documents."""
from __future__ import annotations

import pytest

from tests.conftest import login
from tests.test_links import overdue_ticket


@pytest.fixture
def client(app):
    return app.test_client()


def test_overdue_ticket_diagram_marks_the_fired_timer_and_links_the_supervision(app, client):
    ticket_id = overdue_ticket(app, client)
    login(client, "op1")
    page = client.get(f"/instances/{ticket_id}").get_data(as_text=True)
    assert f'data-xml-url="/instances/{ticket_id}/diagram.xml"' in page and "dist/case.js" in page
    assert "<script>" not in page and "onclick" not in page          # the page works under script-src 'self'
    xml = client.get(f"/instances/{ticket_id}/diagram.xml")
    assert xml.mimetype == "application/xml" and b'id="hotline"' in xml.data
    state = client.get(f"/instances/{ticket_id}/diagram.json").get_json()
    assert {"register", "dispatch", "accept"} <= set(state["completed"])
    assert "overdue" in state["timers_fired"] and "remind" in state["timers_fired"]
    assert "notify_supervision" in state["completed"]
    [child] = state["children"]
    assert child["elements"] == ["notify_supervision"] and child["url"] == f"/instances/{child['id']}"
    [handle] = [t for t in state["tasks"] if t["element"] == "handle"]
    assert handle["holder"] == "住建局" and handle["due"] == "2026-11-30 23:59"
    assert sorted(state["ready"]) == ["handle"] and state["flows"]
    assert {"efficiency_notice", "overdue_supervise"} <= set(state["completed"])
    client.post("/logout")
    login(client, "leader1")
    assert client.get(f"/instances/{ticket_id}/diagram.json").status_code == 403
    assert client.get(f"/instances/{ticket_id}/diagram.xml").status_code == 403


def test_case_page_shows_documents_with_labels_and_choice_titles(app, client):
    ticket_id = overdue_ticket(app, client)
    login(client, "op1")
    page = client.get(f"/instances/{ticket_id}").get_data(as_text=True)
    assert "来电登记" in page and "受理渠道" in page and "12345电话" in page and "phone_12345" not in page
    assert "一般事项（5个工作日）" in page and "general_5wd" not in page
    assert "extension_count" not in page and "co_opinions" not in page and "callback_attempts" not in page


def test_diagram_state_api(app, client):
    from tests.test_api import AUDIT, OP
    ticket_id = overdue_ticket(app, client)
    now = client.get(f"/api/v1/instances/{ticket_id}/diagram-state", headers=OP).get_json()
    assert sorted(now["ready"]) == ["handle"] and "overdue" in now["timers_fired"]
    second = client.get(f"/api/v1/instances/{ticket_id}/diagram-state?at=2", headers=AUDIT).get_json()
    assert second["ready"] == ["dispatch"] and "register" in second["completed"] and second["seq"] == 2
    assert client.get(f"/api/v1/instances/{ticket_id}/diagram-state?at=2", headers=OP).status_code == 403
    assert client.get(f"/api/v1/instances/{ticket_id}/diagram-state?at=99", headers=AUDIT).status_code == 404
    assert client.get(f"/api/v1/instances/{ticket_id}/diagram-state?at=x", headers=AUDIT).status_code == 422
