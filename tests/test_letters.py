"""The letters cases issue (engine/letters.py): a petition case's notices to the petitioner, each once its step
recorded its number, saying what the case decided, printed only by those who may see the petitioner; the
hotline's and supervision's letters to units."""
from __future__ import annotations

import pytest

from engine.access import Actor
from engine.letters import letters
from tests.conftest import login
from tests.test_petition_case import (ACCEPT, ARCHIVE, ASSIGN, CALLBACK, DECIDE, KEY, REGISTER, REPLY, REREVIEW_REQUEST,
                                      REVIEW, REVIEW_REQUEST)
from tests.walk import do

BUREAU = Actor.of("petition1", ["petition_bureau"])
DEPT = Actor.of("dept1", ["dept:住建局"])
REVIEWER, REREVIEWER = Actor.of("organ1", ["review_organ"]), Actor.of("organ2", ["rereview_organ"])


def walked(service, until: str, **accept) -> str:
    """A petition case walked to `until` (notice, reply, review, rereview) by the demo users."""
    iid = service.start(KEY, {}, BUREAU).id
    do(service, iid, "register", BUREAU, REGISTER)
    do(service, iid, "accept_decision", BUREAU, {**ACCEPT, **accept})
    if until == "notice":
        return iid
    do(service, iid, "assign", BUREAU, ASSIGN)
    do(service, iid, "handle", DEPT, REPLY)
    if until == "reply":
        return iid
    do(service, iid, "callback", BUREAU, CALLBACK)
    do(service, iid, "record_review_request", BUREAU, REVIEW_REQUEST)
    do(service, iid, "review", REVIEWER, REVIEW)
    do(service, iid, "record_rereview_request", BUREAU, REREVIEW_REQUEST)
    do(service, iid, "rereview", REREVIEWER, DECIDE)
    do(service, iid, "archive", BUREAU, ARCHIVE)
    return iid


def issued(service, iid):
    rec = service.store.get_instance(iid)
    return letters(rec.process_key, rec.data, service.directory)


def test_each_step_issues_its_letter_in_the_procedures_order(service):
    iid = walked(service, "notice")
    (notice,) = issued(service, iid)
    assert (notice.kind, notice.title, notice.number, notice.addressee, notice.issuer, notice.date_words) == (
        "notice", "信访事项受理告知书", "XF告〔2026〕1号", "张三", "信访局", "2026年11月24日")
    assert "于2026年11月23日提出的信访事项（申请低保一年未获答复）" in notice.paragraphs[0]
    assert "属于本机关职权范围，予以受理" in notice.paragraphs[0] and notice.paragraphs[1] == ACCEPT["notice_content"]
    iid = walked(service, "rereview")
    reply, review, rereview = issued(service, iid)[1:]
    assert (reply.title, reply.number, reply.issuer, reply.date) == (
        "信访事项处理意见书", "住建答〔2026〕1号", "住建局", "2026-12-01")
    assert "处理意见：解释说明。" in reply.paragraphs and "三十日内请求原办理机关、单位的上一级机关、单位复查" in reply.paragraphs[-1]
    assert (review.title, review.issuer, review.paragraphs[1]) == (
        "信访事项复查意见书", "市住房和城乡建设局", "复查结论：维持原处理意见。")
    assert review.paragraphs[0].startswith("你（们）对信访事项处理意见不服提出的复查请求") and "请求复核" in review.paragraphs[-1]
    assert "（复查〔2026〕1号）" in rereview.paragraphs[0]                      # the review it answers
    assert (rereview.title, rereview.issuer, rereview.number) == ("信访事项复核意见书", "市人民政府", "复核〔2027〕1号")
    assert "不再受理" in rereview.paragraphs[-1]


@pytest.mark.parametrize("register, accept, title, words", [
    ({}, {"within_competence": False, "competent_organ": "市人力资源和社会保障局"}, "信访事项转送告知书",
     "已将该事项转送市人力资源和社会保障局办理"),
    ({"in_legal_proceedings": True}, {}, "信访事项不予受理告知书", "法定途径"),
])
def test_a_forward_or_a_refusal_says_so(service, register, accept, title, words):
    iid = service.start(KEY, {}, BUREAU).id
    do(service, iid, "register", BUREAU, {**REGISTER, **register})
    do(service, iid, "accept_decision", BUREAU, {**ACCEPT, **accept})
    (notice,) = issued(service, iid)
    assert notice.title == title and words in notice.paragraphs[0]


def test_other_processes_and_unfinished_steps_issue_nothing(service):
    iid = service.start(KEY, {}, BUREAU).id
    do(service, iid, "register", BUREAU, REGISTER)
    assert issued(service, iid) == []
    assert letters("hotline", {"notice_no": "X", "routing": "accept_here"}, service.directory) == []
    assert letters("unit_assessment", {"notice_no": "X", "routing": "accept_here"}, None) == []  # no reads


def test_the_letter_page_prints_for_the_case_readers_only(app):
    service = app.extensions["service"]
    iid = walked(service, "reply")
    client = app.test_client()
    login(client, "petition1")
    page = client.get(f"/instances/{iid}").get_data(as_text=True)
    assert "<h2>文书</h2>" in page and f"/instances/{iid}/letters/notice" in page and "住建答〔2026〕1号 · 致张三" in page
    letter = client.get(f"/instances/{iid}/letters/reply")
    text = letter.get_data(as_text=True)
    assert letter.status_code == 200 and "信访事项处理意见书" in text and "张三：" in text and "2026年12月1日" in text
    for kind in ("review", "nothing"):                                                  # not issued (yet)
        back = client.get(f"/instances/{iid}/letters/{kind}", follow_redirects=True)
        assert back.request.path == f"/instances/{iid}" and "这个案件还没有这份文书" in back.get_data(as_text=True)
    login(client, "dept3")                                                               # 公安局: not its case
    assert client.get(f"/instances/{iid}/letters/reply").status_code in (403, 404)
    login(client, "audit1")                                                              # recorded for auditors
    assert client.get(f"/instances/{iid}/letters/notice").status_code == 200
    from engine.audit.service import AuditService
    (entry,) = AuditService(service).access_log(Actor.of("admin", ["admins"]), limit=1, instance_id=iid)
    assert (entry.action, entry.actor) == ("letter", "audit1")


def test_units_get_the_hotlines_and_supervisions_letters(service):
    from tests import test_hotline as hotline, test_petition_supervision as supervision
    iid = hotline.at_handle(service)
    (dispatch,) = letters("hotline", service.store.get_instance(iid).data, service.directory)
    assert (dispatch.title, dispatch.addressee, dispatch.issuer, dispatch.date, dispatch.personal) == (
        "12345热线交办单", "住建局", "12345热线中心", "2026-11-23", ("caller_name", "caller_phone"))
    assert dispatch.paragraphs[-1] == "请于2026年11月30日前办结，答复来电人，并将办理结果报送12345热线中心。"
    service.clock.set(hotline.china(12, 1))                                 # overdue, no extension asked
    service.fire_due_timers()
    do(service, iid, "efficiency_notice", hotline.EFF, hotline.NOTICE)
    rec = service.store.get_instance(iid)
    notice = letters("hotline", rec.data, service.directory)[1]
    assert (notice.title, notice.number, notice.addressee, notice.issuer, notice.personal) == (
        "效能监察建议书", "兰效建〔2026〕3号", "住建局", "效能办", ())
    assert rec.data["case_no"] in notice.paragraphs[0] and "已超过办理期限，且未申请延期" in notice.paragraphs[0]
    assert notice.paragraphs[-1] == "请于2026年12月4日前办结，并将办理结果报送效能办。"

    iid = supervision.registered(service)
    supervision.run_round(service, iid, ["written"], supervision.RESOLVED)
    rec = service.store.get_instance(iid)
    (letter,) = letters("petition_supervision", rec.data, service.directory)
    assert (letter.title, letter.number, letter.addressee, letter.issuer, letter.date_words) == (
        "督办函", "安信督〔2026〕7号", "住建局", "督查室", "2026年11月24日")
    assert letter.paragraphs[0] == "现对某小区物业纠纷集中信访进行督办。"


def test_a_reception_case_issues_its_assignment_notice(app):
    from tests import test_reception as reception
    service = app.extensions["service"]
    iid = reception.noticed(service)
    rec = service.store.get_instance(iid)
    (notice,) = letters("reception_case", rec.data, service.directory)
    assert (notice.title, notice.number, notice.addressee, notice.issuer, notice.date, notice.personal) == (
        "领导接访交办通知单", "JBTZ-2026-01", "住建局、人社局", "信访局", "", ("visitor_name",))
    assert rec.data["visitor_name"] in notice.paragraphs[0] and rec.data["issue_summary"] in notice.paragraphs[0]
    assert "牵头单位：住建局；配合单位：人社局。" in notice.paragraphs
    assert "请于2026年12月4日前办结，并将办理结果回复单报送信访局。" in notice.paragraphs
    client = app.test_client()
    login(client, "petition1")
    page = client.get(f"/instances/{iid}/letters/assignment").get_data(as_text=True)
    assert "领导接访交办通知单" in page and "　　年　　月　　日" in page            # a date to fill in by hand


def test_the_api_gives_the_letters_as_the_case_page_lists_them(app):
    from engine.accounts.users import new_token, seed_demo_users
    from tests.test_openapi import matches
    service = app.extensions["service"]
    seed_demo_users(service.store)
    iid = walked(service, "reply")
    token = new_token(service.store, "petition1")
    got = app.test_client().get(f"/api/v1/instances/{iid}/letters", headers={"Authorization": f"Bearer {token}"})
    assert got.status_code == 200
    body = got.get_json()
    assert [(x["kind"], x["number"], x["addressee"]) for x in body["letters"]] == [
        ("notice", "XF告〔2026〕1号", "张三"), ("reply", "住建答〔2026〕1号", "张三")]
    matches(body["letters"][0], "Letter")
    other = new_token(service.store, "dept3")
    assert app.test_client().get(f"/api/v1/instances/{iid}/letters",
                                 headers={"Authorization": f"Bearer {other}"}).status_code in (403, 404)


def test_a_confidential_callers_dispatch_sheet_names_no_one(service):
    from tests import test_hotline as hotline
    iid = hotline.at_handle(service, confidential_requested=True)
    data = service.store.get_instance(iid).data
    (sheet,) = letters("hotline", data, service.directory)
    assert sheet.personal == () and "来电人：要求保密（由热线中心转告办理结果）" in sheet.paragraphs
    assert not any(data["caller_name"] in p or data["caller_phone"] in p for p in sheet.paragraphs)


def test_the_step_that_issues_a_letter_links_it(app):
    """Submitting 受理审查并书面告知 in the browser flashes a link to print the 受理告知书."""
    from tests.test_petition_case import ACCEPT, REGISTER
    service = app.extensions["service"]
    iid = service.start(KEY, {}, BUREAU).id
    do(service, iid, "register", BUREAU, REGISTER)
    task = next(t for t in service.ready_tasks(iid) if t.bpmn_id == "accept_decision")
    client = app.test_client()
    login(client, "petition1")
    form = {k: ("true" if v is True else v) for k, v in ACCEPT.items()}
    done = client.post(f"/tasks/{task.task_id}", data=form, follow_redirects=True)
    text = done.get_data(as_text=True)
    assert done.status_code == 200 and "本步已生成文书：" in text
    assert f'<a href="/instances/{iid}/letters/notice">信访事项受理告知书</a>' in text
    assign = next(t for t in service.ready_tasks(iid) if t.bpmn_id == "assign")
    done = client.post(f"/tasks/{assign.task_id}", data=ASSIGN, follow_redirects=True)
    assert done.status_code == 200 and "本步已生成文书" not in done.get_data(as_text=True)   # nothing new


def test_a_letter_issued_anew_keeps_its_earlier_version_printable(app):
    """After a review orders a redo, the reply is issued anew; the first 处理意见书 still prints as it was, from
    the case data its step wrote into the hash-chained record, and says it was replaced."""
    service = app.extensions["service"]
    iid = walked(service, "reply")
    do(service, iid, "callback", BUREAU, CALLBACK)
    do(service, iid, "record_review_request", BUREAU, REVIEW_REQUEST)
    do(service, iid, "review", REVIEWER, {**REVIEW, "review_outcome": "redo_ordered"})
    do(service, iid, "handle", DEPT, {**REPLY, "reply_doc_no": "住建答〔2027〕9号", "reply_outcome": "予以支持",
                                      "served_at": "2027-01-05T10:00:00+08:00"})
    events = service.store.events(iid)
    first = next(e.seq for e in events if e.task == "handle")
    second = [e.seq for e in events if e.task == "handle"][-1]
    client = app.test_client()
    login(client, "petition1")
    page = client.get(f"/instances/{iid}").get_data(as_text=True)
    assert f"letters/reply?seq={first}" in page and f"letters/reply?seq={second}" in page and "已重新出具" in page
    old = client.get(f"/instances/{iid}/letters/reply?seq={first}").get_data(as_text=True)
    assert "住建答〔2026〕1号" in old and "处理意见：解释说明。" in old and f"此为早前版本，第 {second} 步已重新出具" in old
    new = client.get(f"/instances/{iid}/letters/reply").get_data(as_text=True)
    assert "住建答〔2027〕9号" in new and "此为早前版本" not in new and "2027年1月5日" in new
    nothing = client.get(f"/instances/{iid}/letters/reply?seq=1", follow_redirects=True)
    assert nothing.request.path == f"/instances/{iid}" and "这个案件还没有这份文书" in nothing.get_data(as_text=True)
