"""Accountability: who viewed personal data, exported, replayed or revealed what, and when."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

ACTIONS = ("view", "history", "replay", "export", "reveal", "search_export", "letter")


@dataclass
class AccessEntry:
    at: dt.datetime
    actor: str
    action: str                      # one of ACTIONS
    instance_id: str | None = None
    case_no: str | None = None
    detail: dict = field(default_factory=dict)
    id: int | None = None


def is_accountable(actor) -> bool:
    """Auditors' reads are recorded; admins' too, since they can read every case the same way."""
    return bool(actor.groups & {"auditors", "admins"})
