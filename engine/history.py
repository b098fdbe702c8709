"""The append-only event log: canonical hashing, the hash chain, and its verification."""
from __future__ import annotations

import datetime as dt
import hashlib
import json

from .store import Event

GENESIS = ""


def canonical(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def event_hash(e: Event) -> str:
    body = {"instance_id": e.instance_id, "seq": e.seq, "at": _iso(e.at), "type": e.type,
            "actor": e.actor, "task": e.task, "task_id": e.task_id, "data": e.data,
            "result": e.result, "prev_hash": e.prev_hash}
    return hashlib.sha256(canonical(body).encode()).hexdigest()


def _iso(at: dt.datetime) -> str:
    return at.astimezone(dt.timezone.utc).isoformat(timespec="microseconds")


def new_event(instance_id, last_seq, last_hash, at, type_, actor, task=None, task_id=None,
              data=None, result=None) -> Event:
    plain = json.loads(canonical({"data": data or {}, "result": result or {}}))
    e = Event(instance_id, last_seq + 1, at, type_, actor, task, task_id,
              plain["data"], plain["result"], last_hash)
    e.hash = event_hash(e)
    return e


def verify_chain(events: list[Event]) -> tuple[bool, int | None]:
    """(True, None) when every event hashes to its stored hash and links to the one before."""
    prev = GENESIS
    for expected_seq, e in enumerate(events, start=1):
        if e.seq != expected_seq or e.prev_hash != prev or event_hash(e) != e.hash:
            return False, e.seq
        prev = e.hash
    return True, None
