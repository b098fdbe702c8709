"""The letters (engine/letters.py) over the web and the API, tried as a hostile and a careless user: who sees
which letter (own unit, other unit, a confidential or hidden caller), markup in every text a letter or the
confirmation's link shows, odd ids and kinds, very long values, letters after a redo, dates entered in UTC."""
from __future__ import annotations

import re

from markupsafe import escape

from engine.accounts.users import actor_of, new_token
from engine.letters import letters
from tests import test_hotline as H, test_petition_case as P, test_reception as R
from tests.conftest import login
from tests.test_openapi import matches
from tests.walk import china, do, ready

USERS = ["op1", "review1", "dept1", "dept2", "dept3", "leader1", "petition1", "sup1", "organ1", "organ2", "audit1",
         "admin", "eff1"]
NAME, PHONE, ADDRESS = "保密来电人甲", "13912345678", "机密路88号"
CALLER = {"caller_name": NAME, "caller_phone": PHONE, "caller_unit_or_address": ADDRESS}
EVIL = '"><script>alert(1)</script><a href="javascript:x">&amp;\''
EVIL_SHORT = '<a href="x">"q"</a>'            # fits a 50-character field
KINDS = ["notice", "reply", "review", "rereview", "dispatch", "efficiency", "supervision_letter", "assignment"]


def _service(app):
    return app.extensions["service"]


def _api_get(app, token, path):
    return app.test_client().get(path, headers={"Authorization": f"Bearer {token}"})


def _clean(response, where):
    assert response.status_code < 500, (where, response.status_code, response.get_data(as_text=True)[:300])


def _api_clean(response, where):
    _clean(response, where)
    assert response.is_json, (where, response.status_code, response.get_data(as_text=True)[:200])
    body = response.get_json()
    if response.status_code == 200:
        matches(body, "Letter") if "kind" in body else [matches(x, "Letter") for x in body["letters"]]
        assert set(body) == {"letters"}, body
    else:
        assert "error" in body, body
    return body


def _web_clients(app, names=USERS):
    out = {}
    for name in names:
        client = app.test_client()
        assert login(client, name).status_code in (302, 303), name
        out[name] = client
    return out


def _flash_links(text):
    return re.findall(r'<div class="flash info"[^>]*>(.*?)</div>', text, re.S)


def _form(values):
    return {k: ("true" if v is True else "false" if v is False else v) for k, v in values.items()}


def _task(service, iid, bpmn_id):
    return next(t for t in service.ready_tasks(iid) if t.bpmn_id == bpmn_id)


# 1 -- who sees a confidential / hidden caller through the letters, the case page, the API, the flash ------------
def test_a_callers_name_and_phone_reach_no_one_who_may_not_see_them(app):
    """Three tickets (caller asked for confidentiality, dispatcher hid the contact, neither), dispatched by op1
    in the browser to 住建局 with 人社局 as co-unit, accepted, co-unit's opinion given, then overdue and the
    效能监察建议书 issued by eff1 in the browser. At every stage, for every demo user: whoever has the caller's
    fields hidden (service.hidden_fields) finds neither name, phone nor address in the API's letters, any letter
    page, the case page or the flash."""
    service = _service(app)
    tokens = {u: new_token(service.store, u) for u in USERS}
    web = _web_clients(app)
    stages_seen = masked_readers = 0
    for label, register, dispatch in [("confidential", {"confidential_requested": True}, {}),
                                      ("hidden", {}, {"hide_caller_contact": True}),
                                      ("plain", {}, {})]:
        service.clock.set(china(11, 23))
        iid = H.register(service, **CALLER, **register)
        done = web["op1"].post(f"/tasks/{_task(service, iid, 'dispatch').task_id}", follow_redirects=True,
                               data=_form({**H.DISPATCH, "co_units": ["人社局"], **dispatch}))
        text = done.get_data(as_text=True)
        assert done.status_code == 200 and "12345热线交办单" in "".join(_flash_links(text)), (label, text[-800:])
        do(service, iid, "accept", H.DEPT1, {"decision": "accept"})
        do(service, iid, "co_opinion", H.DEPT2, {"co_opinion": "无"})
        stages = ["accepted"]
        service.clock.set(china(12, 1))
        service.fire_due_timers()
        eff = web["eff1"].post(f"/tasks/{_task(service, iid, 'efficiency_notice').task_id}", follow_redirects=True,
                               data=_form({**H.NOTICE, "notice_units": ["住建局"]}))
        eff_text = eff.get_data(as_text=True)
        assert eff.status_code == 200 and "效能监察建议书" in "".join(_flash_links(eff_text)), eff_text[-800:]
        rec = service.store.get_instance(iid)
        if "caller_name" in service.hidden_fields(rec, actor_of(service.store.get_user("eff1"))):
            assert not any(s in eff_text for s in (NAME, PHONE, ADDRESS)), label
        stages.append("efficiency")
        for stage in stages:
            rec = service.store.get_instance(iid)
            for user in USERS:
                hidden = service.hidden_fields(rec, actor_of(service.store.get_user(user)))
                got = _api_get(app, tokens[user], f"/api/v1/instances/{iid}/letters")
                body = _api_clean(got, (label, user))
                seen = [str(body)]
                case = web[user].get(f"/instances/{iid}")
                _clean(case, (label, user, "case"))
                seen.append(case.get_data(as_text=True) if case.status_code == 200 else "")
                for kind in ("dispatch", "efficiency"):
                    page = web[user].get(f"/instances/{iid}/letters/{kind}")
                    _clean(page, (label, user, kind))
                    seen.append(page.get_data(as_text=True))
                if hidden & {"caller_name", "caller_phone"}:
                    masked_readers += got.status_code == 200 and bool(body["letters"])
                    everything = "".join(seen)
                    for secret in (NAME, PHONE, ADDRESS):
                        assert secret not in everything, (label, stage, user, secret)
                stages_seen += 1
    assert stages_seen == 3 * 2 * len(USERS) and masked_readers >= 8   # units and overseers did read letters


def test_the_unit_gets_the_dispatch_sheet_addressed_to_it_when_the_dispatcher_hid_the_caller(app):
    """hotline_dispatch's box "对承办单位隐藏来电人信息" (hide_caller_contact) masks the caller's name, phone and
    address from the units (maskFields in hotline.bpmn), but _hotline_dispatch still prints the caller's name on
    the sheet (only the phone is dropped), so the sheet counts as personal and is withheld from the very unit it
    is addressed to: the API lists no letter for dept1, /letters/dispatch answers 403, the case page lists none.
    Expected: like a confidential caller's sheet, a sheet that names no one, which 住建局 can print."""
    service = _service(app)
    iid = H.dispatched(service, CALLER, hide_caller_contact=True)
    do(service, iid, "accept", H.DEPT1, {"decision": "accept"})
    token = new_token(service.store, "dept1")
    body = _api_clean(_api_get(app, token, f"/api/v1/instances/{iid}/letters"), "dept1")
    client = _web_clients(app, ["dept1"])["dept1"]
    page = client.get(f"/instances/{iid}/letters/dispatch")
    problems = {"api_kinds": [x["kind"] for x in body["letters"]], "page_status": page.status_code}
    text = page.get_data(as_text=True)
    assert problems == {"api_kinds": ["dispatch"], "page_status": 200}, problems
    assert NAME not in text and PHONE not in text and "住建局：" in text


# 2 -- markup in every text a letter shows, and in the flash link ----------------------------------------------
def test_markup_in_letter_texts_is_escaped_in_pages_flash_and_api(app):
    service = _service(app)
    web = _web_clients(app, ["petition1", "op1", "dept1"])
    token = new_token(service.store, "petition1")
    # petition case: register through the service, the notice step in the browser (flash + link)
    iid = service.start(P.KEY, {}, P.BUREAU).id
    do(service, iid, "register", P.BUREAU, {**P.REGISTER, "petitioner_name": EVIL[:50], "summary": EVIL})
    done = web["petition1"].post(f"/tasks/{_task(service, iid, 'accept_decision').task_id}", follow_redirects=True,
                                 data=_form({**P.ACCEPT, "notice_no": EVIL_SHORT, "notice_content": EVIL,
                                             "within_competence": False, "competent_organ": EVIL}))
    text = done.get_data(as_text=True)
    _clean(done, "accept_decision")
    (flash,) = _flash_links(text)
    assert flash.count("<a ") == 1 and f'href="/instances/{iid}/letters/notice"' in flash, flash
    pages = [text, web["petition1"].get(f"/instances/{iid}").get_data(as_text=True),
             web["petition1"].get(f"/instances/{iid}/letters/notice").get_data(as_text=True)]
    for page in pages:
        assert "<script>alert(1)</script>" not in page and 'href="javascript:x"' not in page
        assert '<a href="x">' not in page
    assert str(escape(EVIL_SHORT)) in pages[2]
    body = _api_clean(_api_get(app, token, f"/api/v1/instances/{iid}/letters"), "petition api")
    (notice,) = body["letters"]
    assert notice["number"] == EVIL_SHORT and EVIL in "".join(notice["paragraphs"])   # JSON: the text as entered

    # hotline: caller, summary, requirements with markup; the dispatch step in the browser
    service.clock.set(china(11, 23))
    hid = H.register(service, caller_name=EVIL[:50], content_summary=EVIL)
    done = web["op1"].post(f"/tasks/{_task(service, hid, 'dispatch').task_id}", follow_redirects=True,
                           data=_form({**H.DISPATCH, "requirements": EVIL}))
    _clean(done, "dispatch")
    do(service, hid, "accept", H.DEPT1, {"decision": "accept"})
    for page in (done.get_data(as_text=True), web["dept1"].get(f"/instances/{hid}").get_data(as_text=True),
                 web["dept1"].get(f"/instances/{hid}/letters/dispatch").get_data(as_text=True)):
        assert "<script>alert(1)</script>" not in page and 'href="javascript:x"' not in page

    # a unit name with markup, sent through the API, refused or escaped (never a 500)
    hid2 = H.register(service)
    op_token = new_token(service.store, "op1")
    sent = app.test_client().post(f"/api/v1/tasks/{_task(service, hid2, 'dispatch').task_id}/complete",
                                  json={"data": {**H.DISPATCH, "lead_unit": EVIL_SHORT}},
                                  headers={"Authorization": f"Bearer {op_token}"})
    _clean(sent, "evil lead unit")
    if sent.status_code < 300:
        for page in (web["op1"].get(f"/instances/{hid2}").get_data(as_text=True),
                     web["op1"].get(f"/instances/{hid2}/letters/dispatch").get_data(as_text=True)):
            assert '<a href="x">' not in page

    # reception: the liaison, the notice number with markup, the notice step in the browser
    rid = R.received(service)
    do(service, rid, "leader_reception", R.LEADER, R.ASSIGN)
    data = service.store.get_instance(rid).data
    done = web["petition1"].post(
        f"/tasks/{_task(service, rid, 'assignment_notice').task_id}", follow_redirects=True,
        data=_form({"notice_no": EVIL_SHORT, "liaison": EVIL[:50], "leader_instruction": EVIL,
                    "assigned_units": data["assigned_units"], "lead_unit": data["lead_unit"],
                    "deadline": data["deadline"]}))
    text = done.get_data(as_text=True)
    _clean(done, "assignment_notice")
    (flash,) = _flash_links(text)
    assert "领导接访交办通知单" in flash and flash.count("<a ") == 1, flash
    for page in (text, web["petition1"].get(f"/instances/{rid}/letters/assignment").get_data(as_text=True)):
        assert "<script>alert(1)</script>" not in page and '<a href="x">' not in page


# 3 -- odd ids and kinds, without and with auth ---------------------------------------------------------------
def test_odd_ids_and_kinds_answer_cleanly(app):
    service = _service(app)
    iid = P.at_handle(service)
    token = new_token(service.store, "petition1")
    client = _web_clients(app, ["petition1"])["petition1"]
    odd_ids = ["nope", "0", "00000000-0000-0000-0000-000000000000", iid.upper(), iid + " ", "%00", "%2e%2e",
               "..%2F..%2Fadmin", "x" * 5000, "%E4%B8%AD%E6%96%87", "'%20OR%201=1--", "%F0%9F%98%80", "%ff%fe"]
    for odd in odd_ids:
        got = _api_get(app, token, f"/api/v1/instances/{odd}/letters")
        body = _api_clean(got, odd)
        assert got.status_code in (400, 404), (odd, got.status_code, body)
        page = client.get(f"/instances/{odd}/letters/notice")
        _clean(page, odd)
        assert page.status_code in (400, 404), (odd, page.status_code)
    for kind in ["", "NOTICE", "notice ", "reply", "review", "%00", "__class__", "x" * 5000, "%E6%96%87", "keys",
                 "notice%2F..", "dispatch", "assignment"]:
        page = client.get(f"/instances/{iid}/letters/{kind}")
        _clean(page, kind)
        if kind.lower() != "notice":
            assert page.status_code in (302, 308, 400, 404), (kind, page.status_code)
    ok = client.get(f"/instances/{iid}/letters/notice")
    assert ok.status_code == 200
    # no auth, a bad token, a wrong method: JSON errors
    for headers in ({}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Bearer " + "a" * 10000},
                    {"Authorization": "Basic !!!"}):
        got = app.test_client().get(f"/api/v1/instances/{iid}/letters", headers=headers)
        _api_clean(got, headers)
        assert got.status_code == 401
    for method in ("post", "put", "delete"):
        got = getattr(app.test_client(), method)(f"/api/v1/instances/{iid}/letters", json={},
                                                  headers={"Authorization": f"Bearer {token}"})
        _api_clean(got, method)
        assert got.status_code == 405
    # a user of another unit: the API refuses as JSON, the page refuses
    other = new_token(service.store, "dept3")
    assert _api_get(app, other, f"/api/v1/instances/{iid}/letters").status_code in (403, 404)
    dept3 = _web_clients(app, ["dept3"])["dept3"]
    for kind in KINDS:
        assert dept3.get(f"/instances/{iid}/letters/{kind}").status_code in (403, 404)


# 4 -- very long values ---------------------------------------------------------------------------------------
def test_the_longest_allowed_values_print_and_longer_ones_are_refused(app):
    service = _service(app)
    token = new_token(service.store, "petition1")
    iid = service.start(P.KEY, {}, P.BUREAU).id
    do(service, iid, "register", P.BUREAU, {**P.REGISTER, "petitioner_name": "名" * 50, "summary": "事" * 2000})
    task = _task(service, iid, "accept_decision")
    too_long = app.test_client().post(f"/api/v1/tasks/{task.task_id}/complete",
                                      json={"data": {**P.ACCEPT, "notice_no": "号" * 51}},
                                      headers={"Authorization": f"Bearer {token}"})
    assert _api_clean(too_long, "51") and too_long.status_code == 422
    do(service, iid, "accept_decision", P.BUREAU, {**P.ACCEPT, "notice_no": "号" * 50, "notice_content": "告" * 2000})
    body = _api_clean(_api_get(app, token, f"/api/v1/instances/{iid}/letters"), "long")
    (notice,) = body["letters"]
    assert notice["number"] == "号" * 50 and "事" * 2000 in notice["paragraphs"][0]
    client = _web_clients(app, ["petition1"])["petition1"]
    page = client.get(f"/instances/{iid}/letters/notice")
    assert page.status_code == 200 and "告" * 2000 in page.get_data(as_text=True)
    assert client.get(f"/instances/{iid}").status_code == 200


# 5 -- letters after a redo -----------------------------------------------------------------------------------
def test_a_review_letter_ordering_a_redo_never_cites_a_later_reply(service):
    """复查 orders the unit to redo (review_outcome redo_ordered, served 2026-12-20), the unit replies anew under
    a new number. The 复查意见书 dated 2026-12-20 said the petitioner objected to 住建答〔2027〕9号, a reply served
    two months after the review (it read the current reply_doc_no): it now names no reply number at all."""
    iid = P.at_review_wait(service)
    do(service, iid, "record_review_request", P.BUREAU, P.REVIEW_REQUEST)
    do(service, iid, "review", P.REVIEWER, {**P.REVIEW, "review_outcome": "redo_ordered", "review_opinion": "事实不清"})
    rec = service.store.get_instance(iid)
    before = {x.kind: x for x in letters(rec.process_key, rec.data, service.directory)}
    assert "住建答" not in before["review"].paragraphs[0]
    service.clock.set(china(2, 10, year=2027))
    do(service, iid, "handle", P.DEPT, {**P.REPLY, "reply_doc_no": "住建答〔2027〕9号", "reply_outcome": "予以支持",
                                        "served_at": "2027-02-10T10:00:00+08:00"})
    rec = service.store.get_instance(iid)
    after = {x.kind: x for x in letters(rec.process_key, rec.data, service.directory)}
    assert after["reply"].number == "住建答〔2027〕9号"                    # the new reply, issued anew: fine
    assert after["review"].date == "2026-12-20"
    assert after["review"].paragraphs == before["review"].paragraphs and "住建答" not in after["review"].paragraphs[0]


def test_a_redispatch_to_another_unit_links_the_new_dispatch_sheet(app):
    """住建局 returns the ticket, op1 dispatches it to 人社局 in the browser: a new 交办单 to a new unit is issued
    (the API now lists it addressed to 人社局), but the confirmation does not link it because _issued_by_step
    compares (kind, number) only and the sheet's number is the ticket's case number."""
    service = _service(app)
    iid = H.dispatched(service)
    do(service, iid, "accept", H.DEPT1, {"decision": "return", "return_reason": "不属本局职责"})
    op1 = _web_clients(app, ["op1"])["op1"]
    done = op1.post(f"/tasks/{_task(service, iid, 'dispatch').task_id}", follow_redirects=True,
                    data=_form({**H.DISPATCH, "lead_unit": "人社局"}))
    assert done.status_code == 200
    body = _api_clean(_api_get(app, new_token(service.store, "op1"), f"/api/v1/instances/{iid}/letters"), "op1")
    assert [x["addressee"] for x in body["letters"]] == ["人社局"]
    assert "12345热线交办单" in "".join(_flash_links(done.get_data(as_text=True)))


# 6 -- dates entered with another UTC offset (the API accepts any RFC 3339 date-time) ------------------------------
def test_letters_give_china_dates_and_times_for_values_entered_in_utc(app):
    """The forms accept any RFC 3339 date-time over the API; the letters cut the text ([:10], [11:16]) instead of
    converting to China time: a reply served 2026-12-01T16:30Z (2026-12-02 00:30 in China) is dated 2026-12-01,
    a call received 01:30Z (09:30 in China) is printed as 01:30."""
    service = _service(app)
    iid = P.at_handle(service)
    dept = new_token(service.store, "dept1")
    done = app.test_client().post(f"/api/v1/tasks/{_task(service, iid, 'handle').task_id}/complete",
                                  json={"data": {**P.REPLY, "served_at": "2026-12-01T16:30:00Z"}},
                                  headers={"Authorization": f"Bearer {dept}"})
    assert done.status_code == 200, done.get_data(as_text=True)
    token = new_token(service.store, "petition1")
    body = _api_clean(_api_get(app, token, f"/api/v1/instances/{iid}/letters"), "utc")
    reply = next(x for x in body["letters"] if x["kind"] == "reply")
    hid = H.register(service, received_at="2026-11-23T01:30:00Z")
    do(service, hid, "dispatch", H.OP, H.DISPATCH)
    sheet = letters("hotline", service.store.get_instance(hid).data, service.directory)[0]
    assert (reply["date"], sheet.paragraphs[0]) == ("2026-12-02", "来电时间：2026年11月23日 09:30")


# 7 -- reception: the visitor's name, every role, API and web -----------------------------------------------------
def test_reception_assignment_notice_for_every_role(app):
    service = _service(app)
    rid = R.noticed(service)
    rec = service.store.get_instance(rid)
    web, readers = _web_clients(app), 0
    for user in USERS:
        hidden = service.hidden_fields(rec, actor_of(service.store.get_user(user)))
        got = _api_get(app, new_token(service.store, user), f"/api/v1/instances/{rid}/letters")
        body = _api_clean(got, user)
        page = web[user].get(f"/instances/{rid}/letters/assignment")
        _clean(page, user)
        text = page.get_data(as_text=True) if page.status_code == 200 else ""
        if "visitor_name" in hidden:
            assert "李四" not in str(body) + text, user
        if got.status_code == 200 and "visitor_name" not in hidden:
            assert [x["kind"] for x in body["letters"]] == ["assignment"], (user, body)
            assert page.status_code == 200 and "李四" in text, user
        assert (got.status_code == 200) == (page.status_code == 200), (user, got.status_code, page.status_code)
        readers += got.status_code == 200
    assert readers >= 3          # the bureau, the units, the overseers


def test_a_confidential_callers_dispatch_sheet_does_not_ask_the_unit_to_answer_the_caller(service):
    """The sheet says 来电人：要求保密（由热线中心转告办理结果） and the diagram routes the result through
    relay_result, yet its last paragraph still tells the unit 请于…前办结，答复来电人 — a caller it cannot know."""
    iid = H.at_handle(service, **CALLER, confidential_requested=True)
    (sheet,) = letters("hotline", service.store.get_instance(iid).data, service.directory)
    assert "来电人：要求保密（由热线中心转告办理结果）" in sheet.paragraphs
    assert "答复来电人" not in sheet.paragraphs[-1], sheet.paragraphs[-1]
