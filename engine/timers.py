"""Due timers: a worker claims one due case at a time, fires what is due and saves it in the claim."""
from __future__ import annotations

from .runtime import ProcessError
from .store import Conflict, NotFound


def fire_due(service, limit: int = 100) -> list[tuple[str, list[str]]]:
    """Fire what is due now. A case another worker holds is skipped (PostgreSQL: SKIP LOCKED); one it
    fired first is a conflict here and skipped too, so no timer fires twice."""
    fired, seen = [], set()
    for _ in range(limit):
        try:
            with service.store.claim_due_instance(service.now(), skip=seen) as rec:
                if rec is None:
                    break
                seen.add(rec.id)
                names = _fire(service, rec)
        except (Conflict, NotFound):
            continue
        if names:
            fired.append((rec.id, names))
    service.deliver_messages()
    return fired


def _fire(service, rec) -> list[str]:
    """Fire the case's due timers; a diagram error has put the case in `error` (recorded), so go on."""
    if rec.next_timer_at is None or rec.next_timer_at >= service.now():
        return []
    try:
        return service._run_timers(rec, "timers_fired", "system")
    except ProcessError:
        return []
