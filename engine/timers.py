"""Due timers: a worker claims one due case at a time, fires what is due and saves it in the claim."""
from __future__ import annotations

from .reception import start_scheduled_days
from .runtime import ProcessError, Runner
from .store import Conflict, NotFound
from .work.notify import timer_notices


def fire_due(service, limit: int = 100) -> list[tuple[str, list[str]]]:
    """Fire what is due now. A case another worker holds is skipped (PostgreSQL: SKIP LOCKED); one it
    fired first is a conflict here and skipped too, so no timer fires twice."""
    start_scheduled_days(service)                 # the reception rota: days whose start day has come
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
        return run_timers(service, rec, "timers_fired", "system")
    except ProcessError:
        return []


def run_timers(service, rec, event_type: str, actor_name: str) -> list[str]:
    """Fire what is due; a diagram error puts the case in `error` (recorded) instead of failing forever."""
    from .service import Step
    compiled = service.compiled(rec.bundle_hash)
    runner = Runner.load(rec.state, compiled, service.script_engine)
    try:
        names = runner.fire_timers()
        step = service._snapshot(rec, runner, compiled) if names or event_type != "timers_fired" else None
    except ProcessError as exc:
        rec.status, rec.error, rec.next_timer_at = "error", str(exc), None
        service._append(rec, Step(service.ready_tasks(rec.id), {}, []), "error", actor_name, task=exc.task,
                        data={"message": str(exc)})
        raise
    if step is not None:
        rec.error = None
        step.notices += timer_notices(rec, step.rows, step.before, service.now())
        service._append(rec, step, event_type, actor_name, data={"fired": names})
    return names
