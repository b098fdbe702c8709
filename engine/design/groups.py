"""The groups a task may be given to, their labels, and which lane names stand for which group."""
from __future__ import annotations

import re

KNOWN_GROUPS = {  # name -> (Chinese label, English label)
    "operators": ("话务员", "Hotline operators"), "reviewers": ("热线中心", "Hotline centre reviewers"),
    "leaders": ("领导", "Leaders"), "petition_bureau": ("信访局", "Petition bureau"),
    "supervisors": ("督查", "Supervisors"), "review_organ": ("复查机关", "Review organ"),
    "rereview_organ": ("复核机关", "Re-review organ"), "efficiency_office": ("效能办", "Efficiency office"),
    "designers": ("流程设计", "Process designers"),
    "auditors": ("审计", "Auditors"), "admins": ("管理员", "Administrators"),
}
DEPT_PREFIX = "dept:"
# prefixes a candidate-group expression may join with a field: a handling unit, one named person (user:<name>),
# the head (负责人) of a directory unit (head:<unit>, resolved when the task is created)
GROUP_PREFIXES = (DEPT_PREFIX, "user:", "head:")
# Lane names used in our diagrams that are not a group label themselves.
LANE_ALIASES = {"接访领导": "leaders", "督查专员": "supervisors", "承办单位": DEPT_PREFIX, "被督查单位": DEPT_PREFIX,
                "话务员": "operators", "热线中心": "reviewers"}


def is_known_group(name: str) -> bool:
    return name in KNOWN_GROUPS or any(name.startswith(p) and len(name) > len(p) for p in GROUP_PREFIXES)


def lane_group(lane: str | None) -> str | None:
    """The group a lane stands for ("dept:" for any handling unit); None when it names no known group."""
    if not lane:
        return None
    name = re.sub(r"[（(].*[)）]\s*$", "", lane).strip()
    if name in KNOWN_GROUPS or name.startswith(DEPT_PREFIX):
        return name
    if name in LANE_ALIASES:
        return LANE_ALIASES[name]
    by_label = {zh: g for g, (zh, _en) in KNOWN_GROUPS.items()} | {en.lower(): g for g, (_zh, en) in KNOWN_GROUPS.items()}
    return by_label.get(name) or by_label.get(name.lower())


def group_choices(existing: set[str] | None = None, lang: str = "zh") -> list[dict]:
    """Known groups for a picker, then the handling units that exist (dept:<单位>)."""
    column = 1 if lang.startswith("en") else 0
    found = [{"name": g, "label": labels[column]} for g, labels in KNOWN_GROUPS.items()]
    units = sorted(g for g in (existing or set()) if g.startswith(DEPT_PREFIX) and len(g) > len(DEPT_PREFIX))
    return found + [{"name": g, "label": g.removeprefix(DEPT_PREFIX)} for g in units]
