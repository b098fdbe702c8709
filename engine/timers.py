"""Due timers: a worker claims one due case at a time, fires what is due and saves it in the claim."""
from __future__ import annotations

from .runtime import ProcessError, Runner
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
    from .service import Step
    if rec.next_timer_at is None or rec.next_timer_at >= service.now():
        return []
    compiled = service.compiled(rec.bundle_hash)
    runner = Runner.load(rec.state, compiled, service.script_engine)
    try:
        names = runner.fire_timers()
    except ProcessError as exc:
        rec.status, rec.error, rec.next_timer_at = "error", str(exc), None
        service._append(rec, Step(service.ready_tasks(rec.id), {}, []), "error", "system", task=exc.task,
                        data={"message": str(exc)})
        return []
    if not names:
        return []
    service._append(rec, service._snapshot(rec, runner, compiled), "timers_fired", "system", data={"fired": names})
    return names
