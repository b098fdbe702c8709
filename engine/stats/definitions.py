"""What each figure counts (one place: the page, the README, the API and both stores use it)."""
from __future__ import annotations

from dataclasses import dataclass

DIMENSIONS = ("channel", "matter_type", "unit", "township", "started_month", "started_week", "outcome")
SUMS = ("cases", "closed", "dispatched", "to_accept", "accepted", "returned", "handled", "has_deadline", "on_time",
        "late", "redone", "extended", "callback", "satisfied", "deemed_closed", "supervised", "criticised", "reply_slip",
        "held", "open_overdue", "accept_minutes", "return_count", "redo_count", "extension_count",
        "supervision_count", "visitor_count", "case_count")


@dataclass(frozen=True)
class Figure:
    name: str
    label: str            # Simplified Chinese, translated by the web app
    definition: str
    column: str | None    # the fact column whose cases it counts (drill-down); None: not a case count


FIGURES = [
    Figure("cases", "受理量", "统计期内登记（发起）的案件数；以下各项均只统计这些案件。", "cases"),
    Figure("closed", "办结量", "已办结（流程结束：办结归档、视为办结、当即答复、转送告知、不予受理等）的案件数。", "closed"),
    Figure("dispatched", "交办量", "交办给承办单位（交办单、电话交办、交办函；信访事项交办；接访交办通知单）的案件数。",
           "dispatched"),
    Figure("accepted", "签收量", "承办单位已签收的交办件数；签收率 = 签收量 ÷ 须签收的交办量（设有签收环节的流程，如12345热线）；"
           "签收用时为交办到首次签收的平均小时数。", "accepted"),
    Figure("returned", "退回量", "承办单位至少退回过一次的交办件数；退回率 = 退回量 ÷ 须签收的交办量。", "returned"),
    Figure("on_time", "按时办结量", "已办结、有办理期限、且承办单位最后一次答复（重办后以重办答复为准）不晚于当时有效的办理期限"
           "（含已批准的延期）的案件数；按时办结率 = 按时办结量 ÷ 有期限的办结量。期限按工作日历（含节假日、调休）计算。",
           "on_time"),
    Figure("overdue", "超期件数", "有办理期限，且答复晚于期限，或至今未答复而期限已过的案件数；超期天数为超过期限的工作日数之和。",
           "overdue"),
    Figure("extended", "延期件数", "办理期限经批准延长过的案件数（延期申请被驳回的不计）。", "extended"),
    Figure("redone", "重办件数", "被责令重办（审核退回重办，或回访不满意、结果不实重办）的案件数；重办率 = 重办件数 ÷ 已答复件数。",
           "redone"),
    Figure("callback", "回访成功量", "回访时联系上当事人并取得评价的案件数；回访率 = 回访成功量 ÷ 已答复件数。", "callback"),
    Figure("satisfied", "满意量", "最后一次成功回访评价为满意（信访事项含基本满意）的案件数；满意率 = 满意量 ÷ 回访成功量。",
           "satisfied"),
    Figure("deemed_closed", "视为办结", "回访不满意但承办单位已履职、诉求过高而视为办结的案件数。", "deemed_closed"),
    Figure("supervised", "超期督办", "热线中心对超期未办结工单督办过的件数。", "supervised"),
]
RATES = {  # name -> (numerator, denominator, label)
    "acceptance_rate": ("accepted", "to_accept", "签收率"),
    "return_rate": ("returned", "to_accept", "退回率"),
    "on_time_rate": ("on_time", "closed_with_deadline", "按时办结率"),
    "redo_rate": ("redone", "handled", "重办率"),
    "callback_rate": ("callback", "handled", "回访率"),
    "satisfaction_rate": ("satisfied", "callback", "满意率"),
    "closure_rate": ("closed", "cases", "办结率"),
}
DRILLS = {f.name for f in FIGURES} | {"held", "reply_slip", "criticised", "open_overdue", "late", "handled", "open"}
LABELS = {  # codes in the case data -> how bulletins and the page name them
    "consultation": "咨询", "opinion_suggestion": "意见建议", "complaint_criticism": "投诉批评",
    "emergency_incident": "突发事件", "other_admin_act": "其他行政行为", "livelihood_support": "生活保障",
    "relief": "救助", "pension_compensation": "抚恤", "other": "其他",
    "closed_satisfied": "办结（满意）", "deemed_completed": "视为办结", "closed_no_callback": "办结（未能回访）",
    "answered_immediately": "当即答复", "forwarded_or_informed": "转送或告知", "not_accepted_duplicate": "不重复受理",
    "resolved": "已解决", "resolved_after_repeat": "再次督办后解决", "accountability_recommended": "已建议追责",
    "circulated_criticism": "通报批评", "closed_other": "其他结案", "handled_and_closed": "办结销号",
    "resolved_on_spot": "当场解决", "answered_explained": "答复解释", "redirected_legal": "引导依法解决",
    "forwarded": "已转送", "not_accepted": "不予受理", "final_no_review": "未申请复查终结",
    "final_after_review": "复查后终结", "final_after_rereview": "复核终结", "day_closed": "接访日结束",
    "suggestion_replied": "建议意见已答复",
}


def label(code) -> str:
    if code is None or code == "":
        return "未填"
    return LABELS.get(code, str(code))
