"""Previews for the studio: when a timer expression fires, on sample data, with the real holiday table."""
from __future__ import annotations

from .expressions import check_code
from .timers import TimerProblem, _literal_kind, check_expression, describe, due_time, literal_expression


class PreviewError(Exception):
    def __init__(self, zh: str, en: str):
        super().__init__(en)
        self.zh, self.en = zh, en


def timer_preview(script_engine, now, expression: str, data: dict, kind: str | None = None, lang: str = "zh") -> dict:
    """{"value": ISO date-time, "text": readable} or PreviewError saying why no date comes out."""
    if not isinstance(expression, str) or not expression.strip():
        raise PreviewError("请填写计时器表达式。", "Enter a timer expression.")
    if not isinstance(data, dict):
        raise PreviewError("示例数据须是 JSON 对象。", "The sample data must be a JSON object.")
    kind = kind or {"duration": "timeDuration", "cycle": "timeCycle"}.get(_literal_kind(expression.strip()), "timeDate")
    try:
        check_expression(expression, kind)
        literal = literal_expression(expression, kind)
    except TimerProblem as exc:
        raise PreviewError(exc.zh, exc.en) from None
    source = literal or expression
    found = [] if literal else check_code(expression, "eval", {}, None, ("计时器表达式", "The timer expression"))
    if found:
        raise PreviewError(found[0]["message"], found[0]["message_en"])
    try:
        value = script_engine.environment.evaluate(source, dict(data))
    except Exception as exc:  # any failure of the designer's expression on the sample data
        raise PreviewError(f"用示例数据计算失败：{type(exc).__name__}: {exc}",
                           f"Evaluating with the sample data failed: {type(exc).__name__}: {exc}") from None
    try:
        moment = due_time(value, now)
    except ValueError:
        raise PreviewError(f"表达式的结果“{value}”不是日期或时长。", f"The result '{value}' is no date or duration.") from None
    text = describe(moment, lang)
    if isinstance(value, str) and len(value.strip()) == 10:
        text += " — 只有日期，按当天 00:00 计；可用 end_of_day() 或 at_time()" if not lang.startswith("en") else \
            " — a date only counts from 00:00; use end_of_day() or at_time()"
    return {"value": moment.isoformat(), "text": f"{expression.strip()} → {text}", "result": value}
