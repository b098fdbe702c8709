"""One row of figures per case, folded from the case's events after each step (a pure function)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..clock import CHINA

CHANNELS = {"phone_12345": "12345电话", "mailbox_email": "市长信箱", "letter": "来信", "visit": "来访",
            "reception_day": "来访", "appointment": "来访", "phone": "来电", "online": "网上"}
FLAGS = ("closed", "dispatched", "to_accept", "accepted", "returned", "handled", "has_deadline", "on_time", "late",
         "redone", "extended", "callback", "satisfied", "deemed_closed", "supervised", "criticised",
         "reply_slip", "held")
COUNTS = ("accept_minutes", "return_count", "redo_count", "extension_count", "supervision_count",
          "visitor_count", "case_count")
DATES = ("started_on", "started_week", "due_date", "replied_on", "closed_on")
TEXTS = ("process_key", "case_no", "parent_id", "status", "outcome", "channel", "matter_type", "unit",
         "township", "started_month", "bulletin_no")
TIMES = ("started_at", "dispatched_at", "accepted_at", "closed_at")
COLUMNS = ("instance_id",) + TEXTS + TIMES + DATES + FLAGS + COUNTS


@dataclass(frozen=True)
class Profile:
    """Where a procedure keeps what the figures need (data field names and task ids)."""
    channel: str | None = None
    fixed_channel: str | None = None
    matter: str | None = None
    unit: str | None = None
    township: str | None = None
    due: str | None = None
    dispatch: frozenset = frozenset()
    accept: str | None = None
    reply: tuple = ()                      # (task, field, value) or (task,): the unit's answer
    extension: tuple = ()                  # (task, field, value): an approved extension
    callback: str | None = None
    satisfied_field: str | None = None
    satisfied_values: frozenset = frozenset({"satisfied"})
    supervise: str | None = None
    criticism: tuple = ()                  # (field, value, task): criticism decided in the data, published by task


PROFILES = {
    "hotline": Profile(channel="channel", matter="matter_type", unit="lead_unit", township="locality", due="due_date",
                       dispatch=frozenset({"dispatch", "phone_assignment", "leader_letter"}), accept="accept",
                       reply=("handle", "action", "reply"), extension=("extension_review", "extension_decision",
                                                                       "approve"),
                       callback="callback", satisfied_field="caller_satisfied", supervise="overdue_supervise",
                       criticism=("escalation", "criticism", "criticise")),
    "petition_case": Profile(channel="channel", matter="category", unit="lead_unit", due="handle_due",
                             dispatch=frozenset({"assign"}), reply=("handle", "handle_action", "reply"),
                             extension=("extension_approval", "extension_approved", True), callback="callback",
                             satisfied_field="petitioner_satisfied",
                             satisfied_values=frozenset({"satisfied", "basically"})),
    "reception_case": Profile(fixed_channel="来访", unit="lead_unit", due="deadline",
                              dispatch=frozenset({"assignment_notice"}), reply=("reply_slip",)),
    "petition_supervision": Profile(),
    "reception_day": Profile(),
}


def china_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(CHINA).date()


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _matches(event, spec: tuple) -> bool:
    if not spec or event.type != "task_completed" or event.task != spec[0]:
        return False
    return len(spec) == 1 or event.data.get(spec[1]) == spec[2]


def blank(rec) -> dict:
    """The row of a case that has just started."""
    row = {c: None for c in COLUMNS}
    row.update({f: 0 for f in FLAGS + COUNTS})
    started = rec.created_at
    day = china_date(started)
    row.update(instance_id=rec.id, process_key=rec.process_key, parent_id=rec.parent_id, started_at=started)
    row.update(_period(day))
    return row


def _period(day: dt.date) -> dict:
    return {"started_on": day, "started_week": day - dt.timedelta(days=day.weekday()),
            "started_month": f"{day:%Y-%m}"}


def next_fact(previous: dict | None, rec, events) -> dict:
    """The case's row after a step: `previous` (None at the start) folded with the step's events and the
    case data as it now stands."""
    row = dict(previous) if previous else blank(rec)
    profile = PROFILES.get(rec.process_key, Profile())
    for event in events:
        _fold_event(row, profile, event)
        result = event.result or {}
        if "data" in result:          # the case data right after this event (kept in the event itself)
            _from_data(row, profile, rec.process_key, result["data"], result.get("status") or rec.status, event.at)
    row["status"] = rec.status
    return row


def _fold_event(row: dict, profile: Profile, event) -> None:
    """What one recorded event changes: unit steps, answers, extensions, callbacks, supervision."""
    if event.type != "task_completed":
        return
    at, task, sent = event.at, event.task, event.data or {}
    if task in profile.dispatch:
        row["dispatched"], row["dispatched_at"] = 1, row["dispatched_at"] or at
        row["to_accept"] = int(profile.accept is not None)     # only where units sign for their cases (签收)
    if task == profile.accept and sent.get("decision") == "accept" and not row["accepted"]:
        row["accepted"], row["accepted_at"] = 1, at
        if row["dispatched_at"]:
            row["accept_minutes"] = int((at - row["dispatched_at"]).total_seconds() // 60)
    if task == profile.accept and sent.get("decision") == "return":
        row["returned"], row["return_count"] = 1, row["return_count"] + 1
    if _matches(event, profile.reply):
        row["handled"], row["replied_on"] = 1, china_date(at)
    if _matches(event, profile.extension):
        row["extended"], row["extension_count"] = 1, row["extension_count"] + 1
    if task == profile.callback and sent.get("reached") is not False and profile.satisfied_field in sent:
        row["callback"] = 1
        row["satisfied"] = int(sent.get(profile.satisfied_field) in profile.satisfied_values)
    if task == profile.supervise:
        row["supervised"], row["supervision_count"] = 1, row["supervision_count"] + 1
    if profile.criticism and task == profile.criticism[2]:
        row["criticised"], row["bulletin_no"] = 1, sent.get("bulletin_issue") or row["bulletin_no"]


def _from_data(row: dict, profile: Profile, key: str, data: dict, status: str, at: dt.datetime) -> None:
    """Fields read from the case data as it stands after an event, then the derived flags."""
    row.update(status=status, outcome=data.get("outcome"), case_no=data.get("case_no"))
    raw_channel = data.get(profile.channel) if profile.channel else None
    row["channel"] = profile.fixed_channel or CHANNELS.get(raw_channel, raw_channel)
    row["matter_type"] = data.get(profile.matter) if profile.matter else None
    row["township"] = data.get(profile.township) if profile.township else None
    row["unit"] = _unit(key, profile, data)
    redo = data.get("redo_count")
    if isinstance(redo, int) and redo > row["redo_count"]:
        row["redo_count"], row["redone"], row["replied_on"] = redo, 1, None   # the answer is to be made again
    row["due_date"] = _date(data.get(profile.due)) if profile.due and row["dispatched"] else None
    if profile.criticism and data.get(profile.criticism[0]) == profile.criticism[1]:
        row["criticised"] = 1                 # decided: to be published in the next 工作动态
    _special(row, key, data)
    _derived(row, key, status, at)


def _unit(key: str, profile: Profile, data: dict):
    if key == "petition_supervision":
        units = data.get("target_units") or []
        return data.get("criticism_unit") or (units[0] if units else None)
    value = data.get(profile.unit) if profile.unit else None
    return value or None


def _special(row: dict, key: str, data: dict) -> None:
    if key == "petition_supervision":
        row["criticised"] = int(data.get("route") == "criticism" or data.get("outcome") == "circulated_criticism")
        row["bulletin_no"] = data.get("bulletin_issue") or None
    if key == "reception_day":
        day = _date(data.get("reception_date"))
        if day:
            row.update(_period(day))
        row["visitor_count"] = int(data.get("visitor_count") or 0)
        row["case_count"] = int(data.get("case_count") or 0)


def _derived(row: dict, key: str, status: str, at: dt.datetime) -> None:
    closed = status == "completed"
    if closed and not row["closed"]:
        row["closed_at"], row["closed_on"] = at, china_date(at)
    row["closed"] = int(closed)
    row["has_deadline"] = int(row["due_date"] is not None)
    in_time = bool(row["due_date"] and row["replied_on"] and row["replied_on"] <= row["due_date"])
    row["late"] = int(bool(row["due_date"] and row["replied_on"] and row["replied_on"] > row["due_date"]))
    row["on_time"] = int(closed and in_time)
    row["deemed_closed"] = int(row["outcome"] == "deemed_completed")
    row["held"] = int(key == "reception_day" and row["outcome"] == "day_closed")
    row["reply_slip"] = int(key == "reception_case" and row["handled"] and closed)


def rebuild(rec, events) -> dict:
    """The row from the whole event log (the same fold, all at once): for a backfill."""
    return next_fact(None, rec, events)
