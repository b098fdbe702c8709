"""An administrator's tools for a case that cannot move on: retry it, or move it to a fixed version of its
process and run it again there (each recorded). Cancelling is in work/cases."""
from __future__ import annotations

from .access import Actor, NotAllowed
from .design.migration import move, why_not
from .store import InstanceRecord
from .timers import run_timers


class NotRepairable(Exception):
    """The case is not in a state this repair applies to (e.g. retrying a case without an error)."""


class NotMovable(NotRepairable):
    """The chosen version cannot take the case; `zh` and `en` say why."""

    def __init__(self, zh: str, en: str):
        super().__init__(en)
        self.zh, self.en = zh, en


class CaseRepair:
    """Mixed into Service: needs `store`, `_snapshot`, `_append`, `ready_tasks` (see timers.run_timers)."""

    def retry(self, instance_id: str, actor: Actor) -> InstanceRecord:
        """Run a case in `error` again from its last good state (its timers fire if due).

        Raises ProcessError (recorded as another `error` event) when the diagram fails again."""
        rec = self._repairable(instance_id, actor, ("error",))
        rec.status = "running"
        run_timers(self, rec, "retried", actor.name)
        return rec

    def fixed_versions(self, rec: InstanceRecord) -> list:
        """The deployed versions of the case's process newer than the one it runs on (newest first)."""
        return sorted((d for d in self.store.deployments(rec.process_key) if d.version > rec.version),
                      key=lambda d: -d.version)

    def move_to_version(self, instance_id: str, actor: Actor, version: int, reason: str) -> InstanceRecord:
        """Move a case in `error` onto a newer deployed version of its process (a `migrated` event) and run
        it again there (`retried`). Refused (NotMovable) when the version does not exist, is not newer, or
        lacks an element the case's state stands on; ProcessError when it fails again (recorded)."""
        rec = self._repairable(instance_id, actor, ("error",))
        if not (reason or "").strip():
            raise NotMovable("请说明迁移理由。", "Give a reason for the move.")
        dep = next((d for d in self.fixed_versions(rec) if d.version == version), None)
        if dep is None:
            raise NotMovable(f"流程 {rec.process_key} 没有比第 {rec.version} 版更新的第 {version} 版。",
                             f"Process {rec.process_key} has no version {version} newer than {rec.version}.")
        compiled = self.compiled(dep.bundle_hash)
        refused = why_not(self, rec, compiled, states=("error",))
        if refused:
            raise NotMovable(*refused)
        move(self, rec, dep, compiled, actor, reason.strip())
        run_timers(self, rec, "retried", actor.name)
        return rec

    def _repairable(self, instance_id: str, actor: Actor, states) -> InstanceRecord:
        if not actor.is_admin:
            raise NotAllowed("administrators only")
        rec = self.store.get_instance(instance_id)
        if rec.status not in states:
            raise NotRepairable(f"case is {rec.status}, not {' or '.join(states)}")
        return rec
