"""Messages between cases: start the case a message names, or report back to the parent case."""
from __future__ import annotations

import logging

from .runtime import ProcessError, Runner
from .store import Conflict, Message, NotFound

log = logging.getLogger(__name__)


def deliver_pending(service, limit: int) -> int:
    """Route waiting messages. Each is claimed (another worker skips it) and marked delivered in the
    same transaction as its effect; one that another worker delivered first is a conflict: skipped."""
    delivered = 0
    for _ in range(limit):
        try:
            with service.store.claim_message() as message:
                if message is None:
                    break
                _deliver(service, message)
            delivered += 1
        except Conflict:
            continue                      # delivered by another worker, or its case moved: try again
    return delivered


def _deliver(service, message: Message) -> None:
    try:
        _route(service, message)
    except (ProcessError, NotFound) as exc:
        log.error("message %s (%s) could not be delivered: %s", message.id, message.name, exc)
        _record(service, service.store.get_instance(message.sender_id), message, "message_failed",
                {"error": str(exc)})


def _route(service, message: Message) -> None:
    sender = service.store.get_instance(message.sender_id)
    target = service.latest().get(message.name)
    if target is not None:
        compiled = service.compiled(target.bundle_hash)
        data = {**message.payload, "parent_case_no": sender.data.get("case_no", ""),
                "parent_process": sender.process_key}
        service._start(target, compiled, _clean(data), "system", parent_id=sender.id, consumed=message.id)
        return
    if not sender.parent_id:
        _record(service, sender, message, "message_unrouted", {})
        return
    parent = service.store.get_instance(sender.parent_id)
    compiled = service.compiled(parent.bundle_hash)
    runner = Runner.load(parent.state, compiled, service.script_engine)
    about = {"message": message.name, "payload": message.payload, "from_instance": sender.id,
             "from_case_no": sender.data.get("case_no", ""), "from_process": sender.process_key}
    if parent.status == "running" and runner.deliver(message.name, message.payload):
        service._append(parent, service._snapshot(parent, runner, compiled), "message_received", "system",
                        consumed=message.id, data=about)
    else:
        _record(service, parent, message, "linked_outcome", about)


def _record(service, rec, message: Message, type_: str, data: dict) -> None:
    """An event on a case that changes nothing else (its ready tasks stay as they are)."""
    from .service import Step
    step = Step(service.store.instance_tasks(rec.id, ready_only=True), {}, [])
    service._append(rec, step, type_, "system", consumed=message.id, data={"message": message.name, **data})


def _clean(data: dict) -> dict:
    return {k: v for k, v in data.items() if str(k).isidentifier() and not str(k).startswith("_")}


def linked_outcomes(events) -> list[dict]:
    """What linked cases reported back, newest last (for the case page and the API)."""
    return [{"at": e.at.isoformat(), **e.data} for e in events if e.type in ("linked_outcome", "message_received")]
