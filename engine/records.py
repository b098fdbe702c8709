"""The records the stores keep and hand out (a case, its task rows, events, messages, deployments, users,
tokens), the two errors of the store contract, and the order tasks are listed in."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


class Conflict(Exception):
    """A write based on a stale version: someone else changed the instance first."""


class NotFound(Exception):
    pass


@dataclass
class InstanceRecord:
    id: str
    process_key: str
    version: int                      # deployed process version the instance is pinned to
    bundle_hash: str
    status: str                       # running | completed | cancelled | error
    state: str                        # serialized workflow (JSON)
    data: dict
    title: str = ""
    parent_id: str | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    next_timer_at: dt.datetime | None = None
    timers: list = field(default_factory=list)   # [{"task": name, "due_at": iso}]
    lock_version: int = 0
    last_seq: int = 0
    last_hash: str = ""
    error: str | None = None
    # search columns (engine/audit/search.py keeps them up to date with each step)
    case_no: str = ""
    unit: str = ""
    due_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    late: bool = False


@dataclass
class TaskRow:
    task_id: str
    instance_id: str
    process_key: str
    bpmn_id: str
    title: str
    lane: str | None
    groups: list[str]
    case_title: str = ""
    due_at: dt.datetime | None = None
    status: str = "ready"             # ready | closed
    created_at: dt.datetime | None = None
    assignee: str | None = None
    due_rule: str | None = None       # how the due date was counted: "CD:60", "WD:5" or a text (dueRule)


@dataclass
class Event:
    instance_id: str
    seq: int
    at: dt.datetime
    type: str                         # started | task_completed | timers_fired | error | ...
    actor: str
    task: str | None
    task_id: str | None
    data: dict
    result: dict
    prev_hash: str
    hash: str = ""


@dataclass
class Message:
    """A BPMN message thrown by one case for another: kept until delivered, delivered once."""
    id: str
    sender_id: str
    name: str
    payload: dict
    created_at: dt.datetime
    delivered_at: dt.datetime | None = None


@dataclass
class Deployment:
    process_key: str
    version: int
    bundle_hash: str
    name: str
    deployed_at: dt.datetime
    deployed_by: str
    comment: str = ""                 # the designer's change comment (the deployment log)


@dataclass
class User:
    name: str
    password_hash: str
    groups: list[str]
    display_name: str = ""
    active: bool = True
    failed_logins: int = 0            # wrong passwords in a row; reset by a good one
    locked_at: dt.datetime | None = None
    session_gen: int = 0              # bumped at logout and password change: older sessions stop working


@dataclass
class Token:
    """An API token (only its hash is stored), shown to users by its short id."""
    token_id: str
    user_name: str
    created_at: dt.datetime | None
    expires_at: dt.datetime | None


def task_order(row: TaskRow):
    far = dt.datetime.max.replace(tzinfo=dt.timezone.utc)
    return (row.due_at or far, row.created_at or far)
