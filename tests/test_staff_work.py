"""Staff work through the service: claim, release, hand over, return, comments, attachments, cancel, start
from the first form, the paged worklist and notifications; on every store."""
from __future__ import annotations

import hashlib

import pytest

from engine.access import Actor
from engine.service import InvalidData, NotAllowed, TaskClosed, TaskTaken
from tests.conftest import make_service
from tests.test_hotline import DISPATCH, OP, REGISTER
from tests.walk import do, ready

DEPT1 = Actor.of("dept1", ["dept:住建局"])
ZJ2 = Actor.of("zj2", ["dept:住建局"])
HEAD = Actor.of("head1", ["dept:住建局"])
DEPT2 = Actor.of("dept2", ["dept:人社局"])
ADMIN = Actor.of("admin", ["admins"])


@pytest.fixture
def svc(store, clock):
    return make_service(store, clock)


def at_accept(service) -> tuple[str, str]:
    rec = service.start("hotline", {}, OP)
    do(service, rec.id, "register", OP, REGISTER)
    do(service, rec.id, "dispatch", OP, DISPATCH)
    return rec.id, ready(service, rec.id)["accept"].task_id


def event_types(service, iid) -> list[str]:
    return [e.type for e in service.store.events(iid)]


def test_claim_holds_the_task_and_others_cannot_submit_over_it(svc):
    iid, task = at_accept(svc)
    assert svc.claim(task, DEPT1).assignee == "dept1"
    with pytest.raises(TaskTaken):
        svc.claim(task, ZJ2)
    with pytest.raises(TaskTaken):
        svc.complete(task, {"decision": "accept"}, ZJ2)
    with pytest.raises(NotAllowed):
        svc.release(task, ZJ2)
    svc.release(task, HEAD)                      # the unit head takes it back
    assert svc.store.get_task(task).assignee is None
    svc.claim(task, ZJ2)
    svc.complete(task, {"decision": "accept"}, ZJ2)
    assert event_types(svc, iid)[-4:] == ["claimed", "released", "claimed", "task_completed"]
    assert svc.store.events(iid)[-2].prev_hash == svc.store.events(iid)[-3].hash


def test_claim_outlives_other_steps_of_the_case(svc):
    """Another unit's parallel step completing does not drop a claim (supervision of two units)."""
    from tests.test_petition_supervision import PLAN, REGISTER as SUP_REGISTER, SELF_CHECK
    sup, rs = Actor.of("sup1", ["supervisors"]), Actor.of("dept2", ["dept:人社局"])
    rec = svc.start("petition_supervision", {}, sup)
    do(svc, rec.id, "register", sup, {**SUP_REGISTER, "target_units": ["住建局", "人社局"]})
    do(svc, rec.id, "plan", Actor.of("petition1", ["petition_bureau"]), {**PLAN, "modes": ["phone"]})
    checks = {r.groups[0]: r.task_id for r in svc.ready_tasks(rec.id) if r.bpmn_id == "self_check"}
    svc.claim(checks["dept:住建局"], DEPT1)
    svc.complete(checks["dept:人社局"], SELF_CHECK, rs)
    assert svc.store.get_task(checks["dept:住建局"]).assignee == "dept1"


def test_hand_over_to_a_colleague_and_to_another_unit(svc):
    iid, task = at_accept(svc)
    with pytest.raises(InvalidData) as exc:
        svc.handover(task, DEPT1, "", to_user="head1")
    assert "reason" in exc.value.fields
    svc.handover(task, DEPT1, "我出差", to_user="head1")
    assert svc.store.get_task(task).assignee == "head1"
    with pytest.raises(TaskTaken):
        svc.complete(task, {"decision": "accept"}, DEPT1)
    svc.handover(task, HEAD, "属人社局职责", to_unit="人社局")
    row = svc.store.get_task(task)
    assert (row.groups, row.assignee) == (["dept:人社局"], None)
    assert task in {t.task_id for t in svc.inbox(DEPT2)} and task not in {t.task_id for t in svc.inbox(DEPT1)}
    handed = [e for e in svc.store.events(iid) if e.type == "handed_over"]
    assert [e.data["reason"] for e in handed] == ["我出差", "属人社局职责"]
    assert [n["kind"] for n in svc.notifications(DEPT2)][:1] == ["handover"]


def test_hand_over_to_a_unit_without_members_is_refused(svc):
    from engine.directory import Unit
    svc.store.put_unit(Unit("无人局", "department"))
    iid, task = at_accept(svc)
    with pytest.raises(InvalidData) as exc:
        svc.handover(task, DEPT1, "试试", to_unit="无人局")
    assert "to_unit" in exc.value.fields


def test_return_to_the_previous_step_with_a_reason(svc):
    iid, task = at_accept(svc)
    with pytest.raises(InvalidData):
        svc.return_step(task, DEPT1, " ")
    svc.return_step(task, DEPT1, "不属于本单位职责")
    rows = ready(svc, iid)
    assert set(rows) == {"dispatch"} and rows["dispatch"].groups == ["operators"]
    detail = svc.task(rows["dispatch"].task_id, OP)
    assert detail.data["returned_reason"] == "不属于本单位职责" and detail.data["lead_unit"] == "住建局"
    assert event_types(svc, iid)[-1] == "returned"
    assert svc.store.get_instance(iid).timers == []             # the sign-off's 催办 timers went with it
    assert svc.replay(iid, Actor.of("a", ["auditors"])) == (True, None)
    assert any(n["kind"] == "returned" for n in svc.notifications(OP))


def test_return_is_refused_where_the_diagram_has_no_previous_step(svc):
    rec = svc.start("hotline", {}, OP)
    with pytest.raises(TaskClosed):
        svc.return_step(ready(svc, rec.id)["register"].task_id, OP, "x")


def test_comments_and_attachments_follow_who_may_see_the_case(svc):
    iid, task = at_accept(svc)
    svc.add_comment(iid, DEPT1, "已联系来电人")
    assert [c["text"] for c in svc.comments(iid, OP)] == ["已联系来电人"]
    with pytest.raises(NotAllowed):
        svc.comments(iid, DEPT2)
    auditor = Actor.of("audit1", ["auditors"])
    assert len(svc.comments(iid, auditor)) == 1                    # auditors read everything, add nothing
    with pytest.raises(NotAllowed):
        svc.add_comment(iid, auditor, "x")
    meta = svc.add_attachment(iid, DEPT1, "现场照片.png", b"\x89PNG fake")
    got, content = svc.attachment(iid, meta["id"], OP)
    assert content == b"\x89PNG fake" and got["sha256"] == hashlib.sha256(content).hexdigest()
    assert svc.store.events(iid)[-1].data["sha256"] == got["sha256"]
    with pytest.raises(NotAllowed):
        svc.attachment(iid, meta["id"], DEPT2)
    with pytest.raises(InvalidData):
        svc.add_attachment(iid, DEPT1, "run.exe", b"MZ")
    with pytest.raises(InvalidData):
        svc.add_attachment(iid, DEPT1, "big.pdf", b"x" * (5 * 1024 * 1024 + 1))


def test_files_of_confidential_cases_are_masked_like_the_caller(svc):
    rec = svc.start("hotline", {}, OP)
    do(svc, rec.id, "register", OP, {**REGISTER, "confidential_requested": True})
    do(svc, rec.id, "dispatch", OP, DISPATCH)
    meta = svc.add_attachment(rec.id, OP, "来电录音.mp3", b"ID3 audio")
    assert svc.attachments(rec.id, DEPT1)[0]["hidden"] is True
    with pytest.raises(NotAllowed):
        svc.attachment(rec.id, meta["id"], DEPT1)
    assert svc.attachment(rec.id, meta["id"], OP)[1] == b"ID3 audio"


def test_cancel_by_admin_or_by_the_starter_before_the_first_step(svc):
    rec = svc.start("hotline", {}, OP)
    with pytest.raises(NotAllowed):
        svc.cancel(rec.id, DEPT1, "x")
    with pytest.raises(InvalidData):
        svc.cancel(rec.id, OP, "")
    assert svc.cancel(rec.id, OP, "误建").status == "cancelled"
    assert svc.ready_tasks(rec.id) == [] and svc.store.get_instance(rec.id).status == "cancelled"
    with pytest.raises(TaskClosed):
        svc.cancel(rec.id, ADMIN, "again")
    iid, _ = at_accept(svc)
    with pytest.raises(NotAllowed):
        svc.cancel(iid, OP, "已登记，不能由发起人撤销")
    svc.cancel(iid, ADMIN, "重复工单")
    assert event_types(svc, iid)[-1] == "cancelled" and svc.ready_tasks(iid) == []


def test_start_with_the_first_form_stores_nothing_when_invalid(svc):
    title, form, values = svc.start_form("hotline", OP)
    assert "content_summary" in form.properties
    before = len(svc.instances(ADMIN))
    with pytest.raises(InvalidData):
        svc.start_with_form("hotline", {"caller_name": "王"}, OP)
    assert len(svc.instances(ADMIN)) == before
    rec = svc.start_with_form("hotline", REGISTER, OP)
    assert event_types(svc, rec.id) == ["started", "task_completed"] and "dispatch" in ready(svc, rec.id)
    assert svc.replay(rec.id, Actor.of("a", ["auditors"])) == (True, None)


def test_worklist_pages_filters_and_counts(svc):
    ids = [at_accept(svc)[1] for _ in range(5)]
    svc.claim(ids[0], DEPT1)
    query = svc.task_query(DEPT1, limit=2)
    first, cursor = svc.inbox_page(query)
    second, cursor2 = svc.inbox_page(svc.task_query(DEPT1, limit=2, cursor=cursor))
    third, cursor3 = svc.inbox_page(svc.task_query(DEPT1, limit=2, cursor=cursor2))
    assert [len(first), len(second), len(third), cursor3] == [2, 2, 1, None]
    assert {r.task_id for r in first + second + third} == set(ids)
    assert [r.task_id for r in svc.inbox_page(svc.task_query(DEPT1, "claimed"))[0]] == [ids[0]]
    assert len(svc.inbox_page(svc.task_query(ZJ2, "mine"))[0]) == 4
    counts = svc.inbox_counts(svc.task_query(DEPT1))
    assert (counts["all"], counts["claimed"], counts["overdue"]) == (5, 1, 0)
    case_no = svc.store.get_task(ids[3]).case_title.split()[0]
    assert [r.task_id for r in svc.inbox_page(svc.task_query(DEPT1, q=case_no))[0]] == [ids[3]]
    assert svc.unread_count(DEPT1) == 5
    svc.mark_read(DEPT1)
    assert svc.unread_count(DEPT1) == 0


def test_reminders_and_overdue_work_are_notified(svc, clock):
    import datetime as dt
    from tests.test_workers import ticket_in_handling
    iid = ticket_in_handling(svc)
    svc.mark_read(DEPT1)
    clock.set(dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    svc.fire_due_timers()
    kinds = {n["kind"] for n in svc.notifications(DEPT1) if n["instance_id"] == iid}
    assert "overdue" in kinds and svc.unread_count(DEPT1) >= 1
