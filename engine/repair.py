"""An administrator's tool for a case that cannot move on: retry it (recorded). Cancelling is in work/cases."""
from __future__ import annotations

from .access import Actor, NotAllowed
from .store import InstanceRecord
from .timers import run_timers

class NotRepairable(Exception):
    """The case is not in a state this repair applies to (e.g. retrying a case without an error)."""


class CaseRepair:
    """Mixed into Service: needs `store`, `_snapshot`, `_append`, `ready_tasks` (see timers.run_timers)."""

    def retry(self, instance_id: str, actor: Actor) -> InstanceRecord:
        """Run a case in `error` again from its last good state (its timers fire if due).

        Raises ProcessError (recorded as another `error` event) when the diagram fails again."""
        rec = self._repairable(instance_id, actor, ("error",))
        rec.status = "running"
        run_timers(self, rec, "retried", actor.name)
        return rec

    def _repairable(self, instance_id: str, actor: Actor, states) -> InstanceRecord:
        if not actor.is_admin:
            raise NotAllowed("administrators only")
        rec = self.store.get_instance(instance_id)
        if rec.status not in states:
            raise NotRepairable(f"case is {rec.status}, not {' or '.join(states)}")
        return rec
