"""Numbered bulletins: generated from the fact table only (so de-identified), stored as issued, never changed."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from ..store import Conflict
from .definitions import label
from .facts import CHINA
from .queries import FactFilter

KINDS = {  # kind -> (number prefix, title, procedures counted)
    "hotline_work": ("GZDT", "市长热线工作动态", ("hotline",)),
    "weekly_demands": ("SQDT", "诉求动态", ("hotline", "petition_case", "reception_case")),
    "reception_monthly": ("JFTB", "领导接访事项办理情况通报", ("reception_case",)),
}
STATUS = {"running": "在办", "completed": "已办结", "cancelled": "已撤销", "error": "异常"}


@dataclass
class Bulletin:
    no: str
    kind: str
    year: int
    seq: int
    title: str
    period_start: dt.date
    period_end: dt.date
    issued_at: dt.datetime
    issued_by: str
    content: dict
    content_hash: str = ""


def default_period(kind: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """The last full week (Monday–Sunday) for the weekly issue, the last full month otherwise."""
    if kind == "weekly_demands":
        monday = today - dt.timedelta(days=today.weekday() + 7)
        return monday, monday + dt.timedelta(days=6)
    first = today.replace(day=1)
    last_month_end = first - dt.timedelta(days=1)
    return last_month_end.replace(day=1), last_month_end


def issue(figures, kind: str, start: dt.date, end: dt.date, actor_name: str) -> Bulletin:
    """Build the content, give it the next number of its kind and year, store it as issued."""
    if kind not in KINDS:
        raise ValueError(f"unknown bulletin kind {kind!r}")
    if end < start:
        raise ValueError("the period ends before it starts")
    prefix, title, _ = KINDS[kind]
    now = figures.clock.now()
    year = now.astimezone(CHINA).year
    content = BUILDERS[kind](figures, start, end)
    for _attempt in range(3):                 # two people issuing at once: the second takes the next number
        seq = figures.store.bulletin_count(kind, year) + 1
        no = f"{prefix}-{year}-{seq:03d}"
        body = {**content, "no": no, "title": title, "issue_label": f"{year}年第{seq}期",
                "period": [start.isoformat(), end.isoformat()], "issued_at": now.isoformat(), "issued_by": actor_name}
        digest = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        bulletin = Bulletin(no, kind, year, seq, title, start, end, now, actor_name, body, digest)
        try:
            figures.store.add_bulletin(bulletin)
            return bulletin
        except Conflict:
            continue
    raise Conflict(f"could not number a {kind} bulletin")


def _scope(process, start, end) -> FactFilter:
    return FactFilter(process, start, end, None)


def _overview(figures, process, start, end) -> dict:
    found = figures.summary(_scope(process, start, end), ("channel", "matter_type", "unit", "township"))
    groups = found.pop("groups")
    keep = ("cases", "closed", "on_time", "overdue", "overdue_days", "deemed_closed", "redone", "extended",
            "on_time_rate", "satisfaction_rate", "closure_rate", "callback_rate", "acceptance_rate")
    return {"totals": {k: found[k] for k in keep},
            "by_channel": _named(groups["channel"]), "hot_topics": _named(groups["matter_type"], label),
            "townships": _named(groups["township"])[:10],
            "units": sorted(({"unit": g["key"], **{k: g[k] for k in ("cases", "closed", "on_time", "overdue",
                                                                      "on_time_rate", "satisfaction_rate")}}
                             for g in groups["unit"] if g["key"]), key=lambda u: u["unit"])}


def _named(groups, name=lambda v: v or "未填") -> list[dict]:
    return [{"name": name(g["key"]), "cases": g["cases"]} for g in sorted(groups, key=lambda g: -g["cases"])]


def hotline_work(figures, start, end) -> dict:
    """Volumes, hot topics, each unit's on-time and satisfaction rates, and the criticisms to publish."""
    pending = [row for process in ("petition_supervision", "hotline")
               for row in figures.store.fact_cases(FactFilter(process), "criticised", figures.today())]
    criticisms = [{"case_no": r["case_no"], "unit": r["unit"] or "未填"} for r in pending if not r["bulletin_no"]]
    return {**_overview(figures, "hotline", start, end), "criticisms": criticisms}


def weekly_demands(figures, start, end) -> dict:
    """The week's demands over every channel: hotline tickets, petitions and reception-day cases."""
    parts = {key: _overview(figures, key, start, end) for key in KINDS["weekly_demands"][2]}
    combined = {}
    for part in parts.values():
        for row in part["by_channel"]:
            combined[row["name"]] = combined.get(row["name"], 0) + row["cases"]
    totals = {k: sum(p["totals"][k] for p in parts.values()) for k in ("cases", "closed", "overdue")}
    return {"totals": totals, "by_channel": [{"name": k, "cases": v} for k, v in
                                             sorted(combined.items(), key=lambda kv: -kv[1])],
            "procedures": {k: {"totals": p["totals"], "hot_topics": p["hot_topics"], "units": p["units"]}
                           for k, p in parts.items()}}


def reception_monthly(figures, start, end) -> dict:
    """Reception days held and the progress of every case they assigned (this month's and older open ones)."""
    today = figures.today()
    days = figures.store.fact_cases(FactFilter("reception_day", start, end), "cases", today)
    cases = figures.store.fact_cases(FactFilter("reception_case", start, end), "cases", today)
    older = figures.store.fact_cases(FactFilter("reception_case", None, start - dt.timedelta(days=1)), "open", today)
    overview = _overview(figures, "reception_case", start, end)
    return {"days": [{"date": d["started_on"].isoformat(), "held": bool(d["held"]), "visitors": d["visitor_count"],
                      "cases": d["case_count"]} for d in sorted(days, key=lambda d: d["started_on"])],
            "totals": overview["totals"], "units": overview["units"],
            "cases": [_progress(r, today) for r in sorted(cases, key=lambda r: r["started_at"])],
            "older_open": [_progress(r, today) for r in sorted(older, key=lambda r: r["started_at"])]}


def _progress(row: dict, today: dt.date) -> dict:
    overdue = bool(row["late"]) or bool(row["due_date"] and not row["replied_on"] and row["status"] == "running"
                                        and row["due_date"] < today)
    return {"case_no": row["case_no"], "unit": row["unit"] or "未交办", "started_on": row["started_on"].isoformat(),
            "due_date": row["due_date"].isoformat() if row["due_date"] else "",
            "status": STATUS.get(row["status"], row["status"]), "overdue": overdue,
            "reply_slip": bool(row["reply_slip"]), "outcome": label(row["outcome"]) if row["outcome"] else ""}


BUILDERS = {"hotline_work": hotline_work, "weekly_demands": weekly_demands, "reception_monthly": reception_monthly}


def criticism_choices(store, case_no: str) -> list[str]:
    """Numbers of the 工作动态 issues that list this case (a supervision case or a hotline ticket) among their
    criticisms."""
    return [b.no for b in store.bulletins("hotline_work")
            if any(c.get("case_no") == case_no for c in b.content.get("criticisms", []))]


MESSAGES = {"missing": ("没有这一期工作动态，请从已印发的工作动态中选择",
                        "No such issue of the work bulletin: choose one that was issued"),
            "not_listed": ("这一期工作动态没有通报本事项", "That issue does not publish this case's criticism")}


def check_bulletin_fields(store, form, data: dict, case_no: str, lang: str = "zh") -> dict[str, str]:
    """Fields marked `x-bulletin` must name a stored 工作动态 issue that published this case's criticism."""
    errors, which = {}, 1 if lang == "en" else 0
    for name, schema in form.properties.items():
        if not schema.get("x-bulletin") or not data.get(name):
            continue
        bulletin = store.get_bulletin(str(data[name]).strip())
        if bulletin is None or bulletin.kind != schema["x-bulletin"]:
            errors[name] = MESSAGES["missing"][which]
        elif str(data[name]).strip() not in criticism_choices(store, case_no):
            errors[name] = MESSAGES["not_listed"][which]
    return errors


def with_bulletin_choices(store, form, case_no: str):
    """The form with a pick list of the issues that published this case's criticism (when there are any)."""
    import copy
    from dataclasses import replace
    marked = [n for n, s in form.properties.items() if s.get("x-bulletin")]
    choices = criticism_choices(store, case_no) if marked else []
    if not choices:
        return form
    schema = copy.deepcopy(form.schema)
    for name in marked:
        schema["properties"][name]["oneOf"] = [{"const": no, "title": _choice_title(store, no)} for no in choices]
    return replace(form, schema=schema)


def _choice_title(store, no: str) -> str:
    bulletin = store.get_bulletin(no)
    return f"{no}（{bulletin.content.get('issue_label', '')}）" if bulletin else no


ISSUERS = {"hotline_work": {"reviewers", "admins"}, "weekly_demands": {"petition_bureau", "reviewers", "admins"},
           "reception_monthly": {"petition_bureau", "admins"}}


def may_issue(actor, kind: str) -> bool:
    return bool(actor.groups & ISSUERS.get(kind, set()))
