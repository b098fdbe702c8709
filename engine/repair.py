"""An administrator's tools for a case that cannot move on: retry it, or cancel it; both are recorded."""
from __future__ import annotations

from dataclasses import dataclass, field

from .access import Actor, NotAllowed
from .store import InstanceRecord

CLOSABLE = ("running", "error")


class NotRepairable(Exception):
    """The case is not in a state this repair applies to (e.g. retrying a case without an error)."""


@dataclass
class _Closing:
    """The step of a cancellation: no ready task, no message."""
    result: dict
    rows: list = field(default_factory=list)
    messages: list = field(default_factory=list)


class CaseRepair:
    """Mixed into Service: needs `store`, `_run_timers`, `_append`, `ready_tasks`."""

    def retry(self, instance_id: str, actor: Actor) -> InstanceRecord:
        """Run a case in `error` again from its last good state (its timers fire if due).

        Raises ProcessError (recorded as another `error` event) when the diagram fails again."""
        rec = self._repairable(instance_id, actor, ("error",))
        rec.status = "running"
        self._run_timers(rec, "retried", actor.name)
        return rec

    def cancel(self, instance_id: str, actor: Actor, reason: str = "") -> InstanceRecord:
        """Close a running or failed case: no task stays open, no timer fires."""
        rec = self._repairable(instance_id, actor, CLOSABLE)
        rec.status, rec.next_timer_at, rec.timers = "cancelled", None, []
        result = {"status": "cancelled", "ready": [], "data": rec.data}
        self._append(rec, _Closing(result), "cancelled", actor.name, data={"reason": reason[:500]})
        return rec

    def _repairable(self, instance_id: str, actor: Actor, states) -> InstanceRecord:
        if not actor.is_admin:
            raise NotAllowed("administrators only")
        rec = self.store.get_instance(instance_id)
        if rec.status not in states:
            raise NotRepairable(f"case is {rec.status}, not {' or '.join(states)}")
        return rec
