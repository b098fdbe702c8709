"""A bulletin as an XLSX workbook: its content as issued, one sheet per table (openpyxl)."""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font

HEADERS = {
    "name": "名称", "cases": "件数", "closed": "办结", "on_time": "按时办结", "overdue": "超期", "unit": "单位",
    "on_time_rate": "按时办结率(%)", "satisfaction_rate": "满意率(%)", "closure_rate": "办结率(%)",
    "callback_rate": "回访率(%)", "acceptance_rate": "签收率(%)", "overdue_days": "超期工作日",
    "deemed_closed": "视为办结", "redone": "重办", "extended": "延期", "case_no": "案件编号", "date": "日期",
    "held": "已举行", "visitors": "来访人次", "started_on": "登记日期", "due_date": "办理期限", "status": "状态",
    "reply_slip": "已收回复单", "outcome": "办理结果",
}
SHEETS = {"by_channel": "渠道", "hot_topics": "热点问题", "townships": "镇乡街道", "units": "单位",
          "criticisms": "通报批评", "days": "接访日", "cases": "本月接访事项", "older_open": "往月未办结事项"}
PROCEDURES = {"hotline": "12345热线", "petition_case": "信访事项", "reception_case": "接访事项"}


def bulletin_workbook(bulletin) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "概况"
    content = bulletin.content
    sheet.append([f"《{bulletin.title}》{content.get('issue_label', '')}"])
    sheet["A1"].font = Font(bold=True, size=14)
    for key, text in (("no", "编号"), ("issued_at", "印发时间")):
        sheet.append([text, content.get(key, "")])
    sheet.append(["统计期", "至".join(content.get("period", []))])
    for key, value in (content.get("totals") or {}).items():
        sheet.append([HEADERS.get(key, key), value])
    _tables(book, content, "")
    for key, part in (content.get("procedures") or {}).items():
        _tables(book, part, PROCEDURES.get(key, key))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _tables(book, content: dict, prefix: str) -> None:
    for key, rows in content.items():
        if key not in SHEETS or not isinstance(rows, list):
            continue
        sheet = book.create_sheet((prefix + SHEETS[key])[:31])
        columns = list(rows[0]) if rows else ["name"]
        sheet.append([HEADERS.get(c, c) for c in columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([_cell(row.get(c)) for c in columns])


def _cell(value):
    if isinstance(value, bool):
        return "是" if value else "否"
    return "" if value is None else value
