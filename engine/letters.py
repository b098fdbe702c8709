"""The official letters a case issues (文书), made from what its steps recorded: to the petitioner, a petition
case's notices (信访工作条例: 书面告知, 处理意见书, 复查意见, 复核意见); to units, the hotline's 交办单 and
效能监察建议书, supervision's 督办函 and 效能监察建议书, and a reception case's 交办通知单. The number, date and
wording are the officer's, the routing decision and its reason come from the decision table. `letters` reads the
case's current data; `issued` the data each step wrote into the hash-chained record, so a letter issued anew (a
redo, a re-dispatch) keeps its earlier versions. A letter exists once its step is done (its number entered); the
text is Chinese whatever the reader's language, as the letter sent is."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial

from .clock import CHINA

REVIEW_OUTCOMES = {"upheld": "维持原处理意见", "changed": "变更原处理意见", "redo_ordered": "责令原办理机关重新办理"}
REREVIEW_OUTCOMES = {"upheld": "维持复查意见", "changed": "变更复查意见"}


@dataclass
class Letter:
    kind: str
    title: str
    number: str
    addressee: str
    paragraphs: list[str]
    issuer: str                 # the issuing organ (a unit of the directory)
    date: str                   # YYYY-MM-DD
    personal: tuple[str, ...] = ("petitioner_name",)   # the case's personal fields the letter shows

    @property
    def date_words(self) -> str:
        return date_words(self.date)


def date_words(value) -> str:
    """2026年12月7日, as an official letter writes a date ("" when none was entered)."""
    try:
        year, month, day = (int(part) for part in _day(value).split("-"))
    except ValueError:
        return ""
    return f"{year}年{month}月{day}日"


def _local(value) -> str:
    """A date-time as China reads it (a value entered in UTC or another zone converted), ISO text."""
    text = str(value or "")
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00")) if len(text) > 10 else None
    except ValueError:
        return text
    return moment.astimezone(CHINA).isoformat() if moment is not None and moment.tzinfo else text


def _day(value) -> str:
    """The date (YYYY-MM-DD) of a date or of a date-time in China."""
    return _local(value)[:10]


def _text(data: dict, key: str) -> str:
    return str(data.get(key) or "").strip()


def _opening(data: dict) -> str:
    received = date_words(data.get("received_on"))
    summary = _text(data, "summary")
    return (f"你（们）{'于' + received if received else ''}提出的信访事项"
            f"{'（' + summary + '）' if summary else ''}，本机关已收悉。")


def _notice(data: dict, organs: dict) -> Letter | None:
    if not data.get("notice_no") or not data.get("routing"):
        return None
    routing, reason = data["routing"], _text(data, "routing_reason").rstrip("。")
    title = {"accept_here": "信访事项受理告知书", "forward_to_competent_organ": "信访事项转送告知书",
             "not_accepted": "信访事项不予受理告知书"}.get(routing, "信访事项告知书")
    said = f"经审查，{reason}。" if reason else ""
    then = {"accept_here": "本机关将依法按期办理，并出具书面处理意见。",
            "forward_to_competent_organ": (f"本机关已将该事项转送{data['competent_organ']}办理，请向其了解办理情况。"
                                           if data.get("competent_organ") else "")}.get(routing, "")
    paragraphs = [_opening(data) + said + then]
    if _text(data, "notice_content"):
        paragraphs.append(_text(data, "notice_content"))
    paragraphs.append("特此告知。")
    return Letter("notice", title, str(data["notice_no"]), _text(data, "petitioner_name"), paragraphs,
                  organs.get("petition_bureau", ""), _day(data.get("notice_date")))


def _reply(data: dict, organs: dict) -> Letter | None:
    if not data.get("reply_doc_no") or not data.get("reply_outcome"):
        return None
    paragraphs = [_opening(data) + "经调查核实，现将处理意见答复如下：",
                  f"处理意见：{data['reply_outcome']}。"]
    if _text(data, "reasoning"):
        paragraphs.append(f"事实和理由：{_text(data, 'reasoning')}")
    paragraphs.append("如对本处理意见不服，可以自收到本意见书之日起三十日内请求原办理机关、单位的上一级机关、单位复查。")
    return Letter("reply", "信访事项处理意见书", str(data["reply_doc_no"]), _text(data, "petitioner_name"),
                  paragraphs, _text(data, "lead_unit"), _day(data.get("served_at")))


# review (复查) and re-review (复核): the request against the earlier letter, the conclusion, the organ's opinion
APPEALS = {
    "review": ("信访事项复查意见书", "复查", "信访事项处理意见", None, REVIEW_OUTCOMES,     # a redo renumbers the reply
               "如对本复查意见不服，可以自收到本意见书之日起三十日内向复查机关、单位的上一级机关、单位请求复核。"),
    "rereview": ("信访事项复核意见书", "复核", "复查意见", "review_doc_no", REREVIEW_OUTCOMES,
                 "本复核意见为终结意见。信访人对复核意见不服，仍以同一事实和理由提出投诉请求的，不再受理。"),
}


def _appeal(kind: str, data: dict, organs: dict) -> Letter | None:
    title, verb, earlier, earlier_no, outcomes, closing = APPEALS[kind]
    if not data.get(f"{kind}_doc_no") or data.get(f"{kind}_outcome") not in outcomes:
        return None
    cited = f"（{data[earlier_no]}）" if earlier_no and data.get(earlier_no) else ""
    paragraphs = [f"你（们）对{earlier}{cited}不服提出的{verb}请求，本机关已收悉。经{verb}，{verb}意见如下：",
                  f"{verb}结论：{outcomes[data[f'{kind}_outcome']]}。"]
    if _text(data, f"{kind}_opinion"):
        paragraphs.append(_text(data, f"{kind}_opinion"))
    paragraphs.append(closing)
    return Letter(kind, title, str(data[f"{kind}_doc_no"]), _text(data, "petitioner_name"), paragraphs,
                  _text(data, f"{kind}_organ_name") or organs.get(f"{kind}_organ", ""),
                  _day(data.get(f"{kind}_served_at")))


def _units(value) -> str:
    return "、".join(value) if isinstance(value, list) else str(value or "")


DISPATCH_TITLES = {"phone_assignment": "12345热线电话交办单", "leader_approval": "12345热线交办函"}


def _hotline_dispatch(data: dict, organs: dict) -> Letter | None:
    """The 交办单 (交办函 when a leader approved the assignment in writing) the centre sends the lead unit: the
    caller unless they asked for confidentiality or the dispatcher hid them from the units (the centre then answers
    the caller), the matter, the requirements and the deadline."""
    if not data.get("lead_unit") or not data.get("assigned_on"):
        return None
    issuer = organs.get("reviewers", "")
    mode = data.get("handling_mode")
    shown, paragraphs = (), []
    if data.get("received_at"):
        received = _local(data["received_at"])
        paragraphs.append(f"来电时间：{date_words(received)} {received[11:16]}".rstrip())
    if data.get("confidential_requested"):
        paragraphs.append("来电人：要求保密（由热线中心转告办理结果）")
    elif data.get("hide_caller_contact"):
        paragraphs.append("来电人：信息不向承办单位提供（由热线中心转告办理结果）")
    elif _text(data, "caller_name"):
        shown = ("caller_name", "caller_phone")
        phone = _text(data, "caller_phone")
        paragraphs.append(f"来电人：{_text(data, 'caller_name')}" + (f"，联系电话：{phone}" if phone else ""))
    paragraphs.append(f"反映内容：{_text(data, 'content_summary')}")
    if _text(data, "requirements") or _text(data, "instruction"):
        paragraphs.append(f"办理要求：{_text(data, 'requirements') or _text(data, 'instruction')}")
    if data.get("co_units"):
        paragraphs.append(f"配合单位：{_units(data['co_units'])}")
    if data.get("due_date"):
        paragraphs.append(f"请于{date_words(data['due_date'])}前办结，{'答复来电人，' if shown else ''}"
                          f"并将办理结果报送{issuer}。")
    number = _text(data, "letter_no") if mode == "leader_approval" and _text(data, "letter_no") else \
        str(data.get("case_no") or "")
    return Letter("dispatch", DISPATCH_TITLES.get(mode, "12345热线交办单"), number, _units(data["lead_unit"]),
                  paragraphs, issuer, _day(data.get("assigned_on")), personal=shown)


def _hotline_efficiency(data: dict, organs: dict) -> Letter | None:
    if not data.get("doc_no") or not data.get("notice_units"):
        return None
    issuer = organs.get("efficiency_office", "")
    matter = _text(data, "content_summary")
    paragraphs = [f"你单位承办的12345热线工单{data.get('case_no') or ''}{'（' + matter + '）' if matter else ''}"
                  "已超过办理期限，且未申请延期。"]
    if _text(data, "notice_content"):
        paragraphs.append(_text(data, "notice_content"))
    if data.get("required_completion_date"):
        paragraphs.append(f"请于{date_words(data['required_completion_date'])}前办结，并将办理结果报送{issuer}。")
    return Letter("efficiency", "效能监察建议书", str(data["doc_no"]), _units(data["notice_units"]), paragraphs,
                  issuer, _day(data.get("issued_at")), personal=())


def _supervision_letter(data: dict, organs: dict) -> Letter | None:
    if not data.get("letter_no"):
        return None
    issuer = organs.get("supervisors", "")
    matter = _text(data, "description")
    paragraphs = [f"现对{matter}进行督办。" if matter else "现对你单位承办的事项进行督办。"]
    if _text(data, "letter_content"):
        paragraphs.append(_text(data, "letter_content"))
    if data.get("letter_reply_by"):
        paragraphs.append(f"请于{date_words(data['letter_reply_by'])}前将办理情况书面报送{issuer}。")
    return Letter("supervision_letter", "督办函", str(data["letter_no"]), _units(data.get("target_units")),
                  paragraphs, issuer, _day(data.get("letter_issued_at")), personal=())


def _supervision_efficiency(data: dict, organs: dict) -> Letter | None:
    if not data.get("doc_no") or not data.get("unit"):
        return None
    issuer = organs.get("efficiency_office", "")
    matter = _text(data, "description")
    paragraphs = [f"经督查督办，你单位{'对' + matter if matter else '承办的事项'}未按要求办结。"]
    if data.get("required_completion_date"):
        paragraphs.append(f"请于{date_words(data['required_completion_date'])}前办结，并将办理结果报送{issuer}。")
    return Letter("efficiency", "效能监察建议书", str(data["doc_no"]), _units(data["unit"]), paragraphs, issuer,
                  _day(data.get("issued_at")), personal=())


def _reception_assignment(data: dict, organs: dict) -> Letter | None:
    if not data.get("notice_no") or not data.get("assigned_units"):
        return None
    issuer = organs.get("petition_bureau", "")
    when = date_words(data.get("reception_date"))
    count = data.get("persons_count")
    who = _text(data, "visitor_name") + (f"等{count}人" if isinstance(count, int) and count > 1 else "")
    paragraphs = [f"{when}{_text(data, 'leader_name')}领导接访，{who}反映：{_text(data, 'issue_summary')}。"]
    if _text(data, "leader_instruction"):
        paragraphs.append(f"领导批示：{_text(data, 'leader_instruction')}")
    co_units = [u for u in data.get("assigned_units") or [] if u != data.get("lead_unit")]
    if data.get("lead_unit"):
        paragraphs.append(f"牵头单位：{data['lead_unit']}" + (f"；配合单位：{'、'.join(co_units)}" if co_units else "")
                          + "。")
    if data.get("deadline"):
        paragraphs.append(f"请于{date_words(data['deadline'])}前办结，并将办理结果回复单报送{issuer}。")
    if _text(data, "liaison"):
        paragraphs.append(f"联络人：{_text(data, 'liaison')}")
    return Letter("assignment", "领导接访交办通知单", str(data["notice_no"]), _units(data["assigned_units"]),
                  paragraphs, issuer, "", personal=("visitor_name",))


MAKERS = {"petition_case": (_notice, _reply, partial(_appeal, "review"), partial(_appeal, "rereview")), "hotline": (_hotline_dispatch, _hotline_efficiency),
          "petition_supervision": (_supervision_letter, _supervision_efficiency),
          "reception_case": (_reception_assignment,)}


def issued(process_key: str, events, directory) -> list[tuple[int, Letter]]:
    """Every letter as it was issued, with the step (event seq) that issued it, read from the hash-chained
    record of the case data after each step: a letter issued anew (a redo, a re-dispatch) appears once per
    version, so an earlier version can still be printed as it was."""
    found, last = [], {}
    for event in events:
        data = (event.result or {}).get("data")
        if not isinstance(data, dict):
            continue
        for letter in letters(process_key, data, directory):
            version = (letter.number, letter.addressee, letter.date, letter.paragraphs)
            if last.get(letter.kind) != version:
                last[letter.kind] = version
                found.append((event.seq, letter))
    return found


def letters(process_key: str, data: dict, directory) -> list[Letter]:
    """The letters a case of `process_key` has issued so far, in the order of the procedure; the issuing organs
    are the directory's units of the groups their staff work in (petition_bureau, review_organ, supervisors,
    efficiency_office ...), read from its snapshot and only for a process that issues letters."""
    makers = MAKERS.get(process_key, ())
    if not makers:
        return []
    organs = {u.group: u.name for u in directory.snapshot().units() if u.active and u.group}
    made = (make(data, organs) for make in makers)
    return [letter for letter in made if letter is not None]
