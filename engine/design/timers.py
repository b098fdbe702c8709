"""Timer texts: ISO 8601 literals typed in standard modelers become quoted strings; the rest must give a date."""
from __future__ import annotations

import ast
import calendar
import datetime as dt
import re

from lxml import etree

from ..clock import CHINA, FIRST_YEAR, LAST_YEAR

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
KINDS = {"timeDate": "date", "timeDuration": "duration", "timeCycle": "cycle"}
DURATION = re.compile(r"^P(?!$)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+W)?(\d+(\.\d+)?D)?"
                      r"(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$")
DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")
CYCLE = re.compile(r"^R\d*/(.+)$")
ISO_LIKE = re.compile(r"^(P\d[\dA-Z.]*|PT\d[\dA-Z.]*|R\d*/.*|\d{4}-\d{2}-.*)$")
DATE_FUNCTIONS = {"end_of_day", "at_time", "now", "today", "working_days_after", "working_days_before",
                  "calendar_days_after", "days_after", "nth_weekday_of_month",
                  "calendar_deadline", "next_workday"}
NOT_DATE_FUNCTIONS = {"is_workday", "len", "int", "float", "bool", "sum", "min", "max", "abs", "round", "list",
                      "dict", "set", "tuple", "sorted", "any", "all", "range"}


class TimerProblem(Exception):
    def __init__(self, zh: str, en: str):
        super().__init__(en)
        self.zh, self.en = zh, en


def _literal_kind(text: str) -> str | None:
    if DURATION.match(text):
        return "duration"
    if DATE_TIME.match(text) and _valid_date(text):
        return "date"
    cycle = CYCLE.match(text)
    if cycle and all(_literal_kind(p) in ("duration", "date") for p in cycle.group(1).split("/")):
        return "cycle"
    return None


def _valid_date(text: str) -> bool:
    try:
        dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _china_time(text: str) -> str:
    """A date or local time without an offset is China time (the server's zone must not matter)."""
    if len(text) == 10:
        return text + "T00:00:00+08:00"
    return text if re.search(r"(Z|[+-]\d{2}:?\d{2})$", text) else text + "+08:00"


def literal_expression(text: str, element: str) -> str | None:
    """The Python expression for an ISO 8601 literal typed as a timer, None if `text` is no literal.
    Raises TimerProblem when the literal does not fit the timer type."""
    text = text.strip()
    kind = _literal_kind(text)
    if kind is None:
        return None
    wanted = KINDS.get(element, "date")
    if kind != wanted:
        raise TimerProblem(
            f"计时器类型与取值不符：{_zh_kind(element)}需要{_zh_value(wanted)}，而“{text}”是{_zh_value(kind)}。"
            "请改选计时器类型或修改取值。",
            f"The timer type does not fit the value: {element} needs {wanted}, but '{text}' is a {kind}. "
            "Change the timer type or the value.")
    return repr(_china_time(text) if kind == "date" else text)


def _zh_kind(element: str) -> str:
    return {"timeDate": "“指定日期”计时器", "timeDuration": "“持续时间”计时器", "timeCycle": "“循环”计时器"}.get(
        element, "计时器")


def _zh_value(kind: str) -> str:
    return {"date": "日期时间（如 2026-12-01T09:00:00+08:00）", "duration": "时长（如 P5D）",
            "cycle": "循环（如 R3/PT1H）"}[kind]


def check_expression(text: str, element: str) -> None:
    """Raise TimerProblem when a timer expression plainly gives no date (a number, a list, a yes/no...)."""
    if literal_expression(text, element) is not None:
        return
    try:
        node = ast.parse(text.strip(), mode="eval").body
        if ISO_LIKE.match(text.strip()):
            raise SyntaxError(text)
    except SyntaxError:
        if ISO_LIKE.match(text.strip()) or re.match(r"^[\dPRT:+\-/.ZWYMDHS]+$", text.strip()):
            raise TimerProblem(f"“{text.strip()}”不是有效的 ISO 8601 日期或时长。例如 P5D、PT2H、2026-12-01T09:00:00+08:00。",
                               f"'{text.strip()}' is not a valid ISO 8601 date or duration, e.g. P5D, PT2H, "
                               "2026-12-01T09:00:00+08:00.") from None
        return   # a syntax error: reported by the expression check
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        if literal_expression(node.value, element) is None:
            raise _not_a_date(text)
        return
    if isinstance(node, (ast.Constant, ast.List, ast.Dict, ast.Set, ast.Tuple, ast.Compare, ast.BoolOp,
                         ast.ListComp, ast.DictComp)) or (isinstance(node, ast.UnaryOp)):
        raise _not_a_date(text)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in NOT_DATE_FUNCTIONS:
        raise _not_a_date(text)


def _not_a_date(text: str) -> TimerProblem:
    return TimerProblem(
        f"计时器表达式“{text.strip()}”得不到日期：须给出 ISO 8601 日期时间或时长，例如 end_of_day(due_date)、"
        "at_time(working_days_after(start, 5), \"09:00\") 或 \"P5D\"。",
        f"The timer expression '{text.strip()}' does not give a date: it must give an ISO 8601 date-time or "
        "duration, e.g. end_of_day(due_date), at_time(working_days_after(start, 5), \"09:00\") or \"P5D\".")


def convert_literals(xml: bytes) -> bytes:
    """The BPMN with ISO literal timers quoted as Python strings (what the engine evaluates)."""
    root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    changed = False
    for element in KINDS:
        for node in root.iter(f"{{{BPMN}}}{element}"):
            try:
                converted = literal_expression(node.text or "", element)
            except TimerProblem:
                continue
            if converted is not None:
                node.text, changed = converted, True
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8") if changed else xml


WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


def _add_duration(start: dt.datetime, text: str) -> dt.datetime:
    parts = re.match(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$", text)
    if not parts:
        raise ValueError(text)
    years, months, weeks, days, hours, minutes, seconds = (int(p or 0) for p in parts.groups())
    month = start.month - 1 + months + 12 * years
    year, month = start.year + month // 12, month % 12 + 1
    moved = start.replace(year=year, month=month, day=min(start.day, calendar.monthrange(year, month)[1]))
    return moved + dt.timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)


def due_time(value, now: dt.datetime) -> dt.datetime:
    """When a timer whose expression gave `value` fires (durations count from `now`); ValueError when `value`
    is no date or duration, or falls outside the years a case can have."""
    try:
        moment = _due_time(value, now)
        moment.astimezone(dt.timezone.utc)
    except OverflowError:
        raise ValueError(f"'{value}' lies outside the years {FIRST_YEAR}-{LAST_YEAR}") from None
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise ValueError(f"'{value}' lies outside the years {FIRST_YEAR}-{LAST_YEAR}")
    return moment


def _due_time(value, now: dt.datetime) -> dt.datetime:
    if not isinstance(value, str):
        raise ValueError(f"a timer needs an ISO 8601 text, not {type(value).__name__}")
    text = value.strip()
    kind = _literal_kind(text)
    if kind == "duration":
        return _add_duration(now.astimezone(CHINA), text)
    if kind == "cycle":
        first = CYCLE.match(text).group(1).split("/")[0]
        return _due_time(first, now) if _literal_kind(first) == "date" else _add_duration(now.astimezone(CHINA), first)
    if kind == "date":
        return dt.datetime.fromisoformat(_china_time(text).replace("Z", "+00:00"))
    raise ValueError(f"'{text}' is not an ISO 8601 date, time or duration")


def describe(moment: dt.datetime, lang: str = "zh") -> str:
    local = moment.astimezone(CHINA)
    if str(lang).startswith("en"):
        return local.strftime("%a %d %b %Y, %H:%M:%S") + " (China time)"
    return f"{local:%Y年%m月%d日} {WEEKDAYS[local.weekday()]} {local:%H:%M:%S}（北京时间）"
