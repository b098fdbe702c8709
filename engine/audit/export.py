"""Exports: a case's full history, and a period's cases, as XLSX; each carries the chain head hash."""
from __future__ import annotations

import io
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Font

from ..clock import CHINA
from .documents import OUTCOMES

EVENT_WORDS = {"started": "发起", "timers_fired": "计时器触发", "linked_outcome": "关联案件反馈",
               "message_received": "收到关联案件消息", "message_unrouted": "消息未投递",
               "message_failed": "消息投递失败", "error": "流程出错"}
STATUS_WORDS = {"running": "办理中", "completed": "已办结", "cancelled": "已撤销", "error": "出错"}


@dataclass
class DeadlineRow:
    step: str
    groups: list
    due_at: object
    done_at: object
    verdict: str                    # on_time | late | open_overdue | open


def step_words(event, compiled) -> str:
    if event.type == "task_completed":
        info = compiled.user_tasks.get(event.task or "")
        return info.name if info else str(event.task)
    if event.type == "timers_fired":
        return "计时器触发：" + "、".join(event.data.get("fired", []))
    return EVENT_WORDS.get(event.type, event.type)


def deadline_rows(task_rows, events, now) -> list[DeadlineRow]:
    """Every task that had a deadline: done on time, late, or still open (and whether overdue)."""
    done = {e.task_id: e.at for e in events if e.type == "task_completed" and e.task_id}
    rows = []
    for t in task_rows:
        if not t.due_at:
            continue
        at = done.get(t.task_id)
        verdict = ("on_time" if at <= t.due_at else "late") if at else \
            ("open_overdue" if t.status == "ready" and now > t.due_at else "open")
        rows.append(DeadlineRow(t.title, list(t.groups), t.due_at, at, verdict))
    return rows


VERDICTS = {"on_time": "按期", "late": "超期", "open_overdue": "未办结，已超期", "open": "未到期"}


def _local(value):
    return value.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _sheet(book, title, header, rows, first=False):
    sheet = book.active if first else book.create_sheet()
    sheet.title = title
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            if cell.data_type == "f":        # text that starts with "=": shown as text, never run as a formula
                cell.data_type = "s"
    return sheet


def case_workbook(rec, compiled, events, docs, chain, deadlines, exported_by, now, masked) -> bytes:
    book = Workbook()
    by_seq = {d.seq: d for d in docs}
    _sheet(book, "案件", ["项目", "内容"], [
        ("案件编号", rec.case_no or rec.data.get("case_no", "")), ("标题", rec.title), ("流程", rec.process_key),
        ("流程版本", rec.version), ("版本指纹", rec.bundle_hash), ("状态", STATUS_WORDS.get(rec.status, rec.status)),
        ("办理结果", OUTCOMES.get(rec.data.get("outcome"), rec.data.get("outcome") or "")),
        ("发起时间", _local(rec.created_at)), ("记录数", chain.count),
        ("记录链", "校验通过" if chain.ok else f"第 {chain.broken_at} 条记录起校验失败"),
        ("链头序号", chain.head_seq), ("链头哈希", chain.head_hash),
        ("隐藏字段", "、".join(sorted(masked)) or "无"), ("导出人", exported_by), ("导出时间", _local(now))], first=True)
    _sheet(book, "办理记录", ["序号", "时间", "环节", "办理人", "单位", "提交内容", "哈希", "前一条哈希"], [
        (e.seq, _local(e.at), step_words(e, compiled), e.actor, by_seq[e.seq].unit if e.seq in by_seq else "",
         "；".join(f"{en.label}：{en.value}" for en in by_seq[e.seq].entries) if e.seq in by_seq else "",
         e.hash, e.prev_hash) for e in events])
    _sheet(book, "期限", ["环节", "办理岗位", "期限", "完成时间", "是否按期"], [
        (d.step, "、".join(d.groups), _local(d.due_at), _local(d.done_at), VERDICTS[d.verdict]) for d in deadlines])
    return _bytes(book)


def period_workbook(rows, filters: dict, exported_by, now) -> bytes:
    book = Workbook()
    _sheet(book, "案件", ["案件编号", "标题", "流程", "状态", "承办单位", "发起时间", "期限", "办结时间", "是否超期",
                         "记录数", "链头哈希"], [
        (r.case_no, r.title, r.process_key, STATUS_WORDS.get(r.status, r.status), r.unit, _local(r.created_at),
         _local(r.due_at), _local(r.closed_at),
         "是" if r.late or (r.status == "running" and r.due_at and r.due_at < now) else "否", r.last_seq, r.last_hash)
        for r in rows], first=True)
    _sheet(book, "导出条件", ["条件", "值"], [*((k, str(v)) for k, v in filters.items() if v not in (None, "")),
                                        ("导出人", exported_by), ("导出时间", _local(now)), ("案件数", len(rows))])
    return _bytes(book)


def _bytes(book) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
