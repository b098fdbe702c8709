"""Staff work in the pages (Flask test client): claim and the kept input of a taken task, the confirmation
of what happens next, start from the first form with a file, comments, files, cancel, inbox filters,
notifications."""
from __future__ import annotations

import io
import re

import pytest

from engine.access import Actor
from tests.conftest import login
from tests.test_hotline import DISPATCH, OP, REGISTER
from tests.walk import do, ready

PETITION = {"channel": "visit", "received_on": "2026-11-23", "petitioner_name": "张三", "summary": "申请低保未获答复",
            "category": "livelihood_support", "persons_count": "1", "petition_class": "claim"}


@pytest.fixture
def service(app):
    return app.extensions["service"]


def at_accept(service) -> tuple[str, str]:
    rec = service.start("hotline", {}, OP)
    do(service, rec.id, "register", OP, REGISTER)
    do(service, rec.id, "dispatch", OP, DISPATCH)
    return rec.id, ready(service, rec.id)["accept"].task_id


def test_claimed_task_shows_its_holder_and_keeps_what_the_other_typed(app, service):
    iid, task = at_accept(service)
    first, second = app.test_client(), app.test_client()
    login(first, "dept1")
    login(second, "head1")
    page = first.get(f"/tasks/{task}").get_data(as_text=True)
    assert 'id="claim"' in page
    first.post(f"/tasks/{task}/claim")
    assert "dept1" in second.get(f"/tasks/{task}").get_data(as_text=True)
    refused = second.post(f"/tasks/{task}", data={"decision": "return", "return_reason": "这是我的意见"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "已由 dept1 认领" in text and "这是我的意见" in text
    assert "已被认领" in second.get("/").get_data(as_text=True) or "dept1" in second.get("/").get_data(as_text=True)


def test_submit_says_what_happens_next_and_opens_my_next_task(app, service):
    rec = service.start("hotline", {}, OP)
    client = app.test_client()
    login(client, "op1")
    register = ready(service, rec.id)["register"].task_id
    data = {k: ("true" if v is True else "false" if v is False else v) for k, v in REGISTER.items()}
    done = client.post(f"/tasks/{register}", data=data)
    assert done.status_code == 302 and "/tasks/" in done.location        # the dispatch is op1's too
    page = client.get(done.location).get_data(as_text=True)
    assert "下一步：填写交办单" in page or "下一步" in page
    dispatch = ready(service, rec.id)["dispatch"].task_id
    done = client.post(f"/tasks/{dispatch}", data={"lead_unit": "住建局", "requirements": "核查",
                                                   "deadline_class": "general_5wd"})
    page = client.get(done.location).get_data(as_text=True)
    assert re.search(r"下一步：[^<]*住建局[^<]*办理期限 2026-11-", page)


def test_start_from_the_first_form_with_a_file(app, service):
    client = app.test_client()
    login(client, "petition1")
    assert 'type="file"' in client.get("/start/petition_case").get_data(as_text=True)
    bad = client.post("/start/petition_case", data={**PETITION, "summary": ""}, content_type="multipart/form-data")
    assert bad.status_code == 422 and service.instances(Actor.of("admin", ["admins"])) == []
    done = client.post("/start/petition_case", content_type="multipart/form-data",
                       data={**PETITION, "materials": (io.BytesIO(b"%PDF-1.4 letter"), "来信.pdf")})
    assert done.status_code == 302
    rec = service.instances(Actor.of("admin", ["admins"]))[0]
    materials = rec.data["materials"]
    assert [m["name"] for m in materials] == ["来信.pdf"] and len(materials[0]["sha256"]) == 64
    got = client.get(f"/instances/{rec.id}/attachments/{materials[0]['id']}")
    assert got.status_code == 200 and got.data == b"%PDF-1.4 letter"
    other = app.test_client()
    login(other, "dept2")
    assert other.get(f"/instances/{rec.id}/attachments/{materials[0]['id']}").status_code == 403


def test_comments_files_and_cancel_on_the_pages(app, service):
    iid, task = at_accept(service)
    client = app.test_client()
    login(client, "dept1")
    client.post(f"/instances/{iid}/comments", data={"text": "已电话联系", "back": f"/tasks/{task}"})
    client.post(f"/instances/{iid}/attachments", content_type="multipart/form-data",
                data={"file": (io.BytesIO(b"img"), "现场.jpg"), "back": f"/tasks/{task}"})
    page = client.get(f"/tasks/{task}").get_data(as_text=True)
    assert "已电话联系" in page and "现场.jpg" in page
    assert client.post(f"/instances/{iid}/cancel", data={"reason": "x"}).status_code == 403
    assert service.store.get_instance(iid).status == "running"                       # dept1 may not cancel
    admin = app.test_client()
    login(admin, "admin")
    admin.post(f"/instances/{iid}/cancel", data={"reason": "重复工单"})
    assert service.store.get_instance(iid).status == "cancelled"


def test_inbox_filters_counts_and_notifications(app, service):
    ids = [at_accept(service)[1] for _ in range(3)]
    service.claim(ids[0], Actor.of("dept1", ["dept:住建局"]))
    client = app.test_client()
    login(client, "dept1")
    page = client.get("/").get_data(as_text=True)
    assert "剩 " in page and "我认领的" in page and 'class="badge badge-unread"' in page
    claimed = client.get("/?filter=claimed").get_data(as_text=True)
    assert ids[0] in claimed and ids[1] not in claimed
    assert client.get("/?filter=bogus").status_code == 400
    notes = client.get("/notifications").get_data(as_text=True)
    assert "新待办" in notes
    assert 'class="badge badge-unread"' not in client.get("/").get_data(as_text=True)
