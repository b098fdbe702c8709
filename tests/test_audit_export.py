"""Exports open in openpyxl with the rows expected: the case's events with actors, times, submitted data
in words, each deadline on time or late, and the chain head hash; a period's cases with the filters."""
from __future__ import annotations

import io

import openpyxl

from tests.conftest import login
from tests.test_api import basic
from tests.test_hotline import DEPT1, REPLY, REVIEWER, SATISFIED, at_handle
from tests.walk import do


def book(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def rows(sheet) -> list[tuple]:
    return [tuple(c.value for c in r) for r in sheet.iter_rows()]


def closed_late(service, clock):
    iid = at_handle(service)
    clock.advance(days=9)                      # the 5-working-day deadline (11-30) has passed
    do(service, iid, "handle", DEPT1, REPLY)
    do(service, iid, "review_reply", REVIEWER, {"review_decision": "accept"})
    do(service, iid, "callback", REVIEWER, SATISFIED)
    do(service, iid, "archive", REVIEWER, {"archive_no": "RX-2026-001", "archive_category": "投诉"})
    return iid


def test_case_export_has_every_event_deadline_and_the_chain_head(app, clock):
    service = app.extensions["service"]
    iid = closed_late(service, clock)
    response = app.test_client().get(f"/api/v1/instances/{iid}/export.xlsx", headers=basic("audit1"))
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in response.headers["Content-Disposition"]
    workbook = book(response.data)
    assert workbook.sheetnames == ["案件", "办理记录", "期限"]
    summary = dict(rows(workbook["案件"])[1:])
    events = service.store.events(iid)
    assert summary["链头哈希"] == events[-1].hash and summary["链头序号"] == len(events) == 8
    assert summary["记录链"] == "校验通过" and summary["状态"] == "已办结" and summary["办理结果"] == "办结（来电人满意）"
    assert summary["导出人"] == "audit1"
    log = rows(workbook["办理记录"])
    assert log[0] == ("序号", "时间", "环节", "办理人", "单位", "提交内容", "哈希", "前一条哈希")
    assert [r[2] for r in log[1:]] == ["发起", "来电登记", "填写交办单", "签收交办事项", "办理并答复",
                                      "审核办理结果", "回访", "归档"]
    assert [r[3] for r in log[1:]] == ["op1", "op1", "op1", "dept1", "dept1", "rev1", "rev1", "rev1"]
    register = log[2]
    assert "来电人姓名：王女士" in register[5] and "受理渠道：12345电话" in register[5]
    assert log[4][4] == "住建局" and log[3][5].startswith("承办（牵头）单位：住建局")
    assert [(r[6], r[7]) for r in log[1:]] == [(e.hash, e.prev_hash or None) for e in events]
    deadlines = rows(workbook["期限"])
    verdicts = {r[0]: r[4] for r in deadlines[1:]}
    assert verdicts["签收交办事项"] == "按期" and verdicts["办理并答复"] == "超期"


def test_period_export_applies_the_filters(app, clock):
    service = app.extensions["service"]
    late = closed_late(service, clock)
    running = at_handle(service)
    client = app.test_client()
    login(client, "audit1")
    workbook = book(client.get("/audit/export.xlsx?process=hotline&status=completed").data)
    listed = rows(workbook["案件"])
    assert listed[0][:4] == ("案件编号", "标题", "流程", "状态") and listed[0][-1] == "链头哈希"
    assert [r[0] for r in listed[1:]] == [service.store.get_instance(late).data["case_no"]]
    assert listed[1][8] == "是" and listed[1][-1] == service.store.events(late)[-1].hash
    conditions = dict(rows(workbook["导出条件"])[1:])
    assert conditions["process"] == "hotline" and conditions["status"] == "completed" and conditions["案件数"] == 1
    everything = rows(book(client.get("/audit/export.xlsx").data)["案件"])
    assert {r[0] for r in everything[1:]} == {service.store.get_instance(i).data["case_no"] for i in (late, running)}


def test_printable_page_carries_the_head_hash_and_print_css(app, clock):
    service = app.extensions["service"]
    iid = closed_late(service, clock)
    client = app.test_client()
    login(client, "audit1")
    page = client.get(f"/audit/cases/{iid}/print").get_data(as_text=True)
    assert service.store.events(iid)[-1].hash in page and "dist/print.css" in page and "dist/base.css" in page
    assert "办理并答复" in page and "超期" in page and "按期" in page
