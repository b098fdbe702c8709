"""A case's data as the procedure's documents: each step's submission with its form's labels and the
titles of its choices, internal working variables left out; and the earlier entries a task needs first."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..tasks import HIDDEN

OUTCOMES = {
    "forwarded_or_informed": "已转送或告知", "not_accepted_duplicate": "不重复受理", "answered_immediately": "当即答复",
    "closed_satisfied": "办结（来电人满意）", "deemed_completed": "视为办结", "closed_no_callback": "办结（未能回访）",
    "resolved_on_spot": "当场解决", "answered_explained": "答复解释", "redirected_legal": "引导依法解决",
    "handled_and_closed": "办结销号", "escalated_to_party_committee_government": "呈报党委政府",
    "forwarded": "转交有权机关", "not_accepted": "不予受理", "final_no_review": "答复后未申请复查",
    "final_after_review": "复查后终结", "final_after_rereview": "复核终结", "resolved": "已解决",
    "suggestion_replied": "建议意见已答复",
    "resolved_after_repeat": "再次督查后解决", "accountability_recommended": "建议追究责任",
    "circulated_criticism": "通报批评", "closed_other": "其他方式结案", "day_closed": "接访日结束"}


@dataclass
class Entry:
    key: str
    label: str
    value: str
    masked: bool = False


@dataclass
class Document:
    seq: int
    step: str                       # bpmn id of the task
    title: str                      # the task's name: 登记, 交办, 办理, 审核, 回访…
    actor: str
    at: object
    unit: str = ""                  # the department a submission came from, when the task was a unit's
    entries: list[Entry] = field(default_factory=list)


def documents(compiled, events, hidden=(), units=None) -> list[Document]:
    """One document per completed task, oldest first; only the fields its form asks for."""
    units = units or {}
    found = []
    for e in events:
        info = compiled.user_tasks.get(e.task or "") if e.type == "task_completed" else None
        if info is None:
            continue
        form = info.form
        labels = form.labels()
        entries = [Entry(k, labels[k], HIDDEN if k in hidden else form.choice_label(k, e.data[k]), k in hidden)
                   for k in form.field_order() if k in e.data and e.data[k] not in (None, "", [])]
        found.append(Document(e.seq, e.task, info.name, e.actor, e.at, units.get(e.task_id, ""), entries))
    return found


def context_for(compiled, bpmn_id: str, docs: list[Document]) -> list[tuple[Document, Entry]]:
    """What a task's form names under "ui:context": the latest entry of each named field, and every
    co-unit's entry (a multi-instance step leaves one document per unit)."""
    info = compiled.user_tasks.get(bpmn_id)
    wanted = (info.form.ui.get("ui:context") or []) if info else []
    found = []
    for key in wanted:
        latest = {}                  # per step and unit: a redone step shows its latest entry
        for d, en in ((d, en) for d in docs for en in d.entries if en.key == key):
            latest[(d.step, d.unit or d.actor)] = (d, en)
        found += sorted(latest.values(), key=lambda pair: pair[0].seq)
    return found


def summary(data: dict) -> list[tuple[str, str]]:
    """The case header: number, outcome in words, deadline."""
    rows = [("案件编号", data.get("case_no") or "")]
    if data.get("outcome"):
        rows.append(("办理结果", OUTCOMES.get(data["outcome"], str(data["outcome"]))))
    if data.get("due_date"):
        rows.append(("办理期限", str(data["due_date"])))
    return [r for r in rows if r[1]]
