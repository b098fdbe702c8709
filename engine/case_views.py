"""Reading cases as a user may see them: access checks, the masking of a confidential caller, the history with its
chain check, linked cases, a replay. Mixed into Service (engine/service.py)."""
from __future__ import annotations

from . import history
from .access import Actor, NotAllowed, can_see_instance
from .audit.privacy import hidden_for, personal_fields
from .links import linked_outcomes
from .records import InstanceRecord, TaskRow
from .replay import replay_events
from .tasks import mask


class CaseViews:
    """Needs `self.store`, `self.script_engine`, `self.compiled(bundle_hash)` and `self.calendar`."""

    def instance(self, instance_id: str, actor: Actor) -> InstanceRecord:
        rec = self.store.get_instance(instance_id)
        if not can_see_instance(actor, self.store.instance_groups(instance_id)):
            raise NotAllowed(instance_id)
        return rec

    def instances(self, actor: Actor, process_key=None, status=None, limit=200) -> list[InstanceRecord]:
        visible = None if actor.is_overseer else actor.groups
        return self.store.list_instances(process_key, status, visible_to=visible, limit=limit)

    def ready_tasks(self, instance_id: str) -> list[TaskRow]:
        return self.store.instance_tasks(instance_id, ready_only=True)

    def history(self, instance_id: str, actor: Actor):
        rec = self.instance(instance_id, actor)
        events = self.store.events(instance_id)
        ok = history.verify_chain(events)[0]
        hidden = self.hidden_fields(rec, actor)
        if hidden:
            for e in events:
                e.data = mask(e.data, hidden)
                e.result = {**e.result, "data": mask(e.result.get("data", {}), hidden)}
        return events, ok

    def links(self, rec: InstanceRecord) -> dict:
        """The case that started this one, the cases it started, and what they reported back."""
        parent = self.store.get_instance(rec.parent_id) if rec.parent_id else None
        children = self.store.list_instances(parent_id=rec.id)
        return {"parent": parent, "children": children, "outcomes": linked_outcomes(self.store.events(rec.id))}

    def hidden_fields(self, rec: InstanceRecord, actor: Actor) -> set[str]:
        """Fields this actor may not see: a confidential caller is shown only to those handling the case
        (engine/audit/privacy.py); overseers included, until they reveal it with a reason."""
        return hidden_for(actor, self.store.instance_tasks(rec.id), self.script_engine,
                          self.compiled(rec.bundle_hash), rec.data)

    def case_data(self, rec: InstanceRecord, actor: Actor) -> dict:
        return mask(rec.data, self.hidden_fields(rec, actor))

    def case_view(self, rec: InstanceRecord, actor: Actor, ready: list[TaskRow] | None = None
                  ) -> tuple[list[TaskRow], dict]:
        """The case's ready tasks and its data as `actor` may see it, from one read of its tasks; `ready`: its
        ready rows as a step just wrote them, enough unless the case is confidential (engine/audit/privacy.py)."""
        if ready is not None and not personal_fields(self.script_engine, self.compiled(rec.bundle_hash), rec.data):
            return sorted(ready, key=lambda r: r.created_at), rec.data
        rows = self.store.instance_tasks(rec.id)
        hidden = hidden_for(actor, rows, self.script_engine, self.compiled(rec.bundle_hash), rec.data)
        return [r for r in rows if r.status == "ready"], mask(rec.data, hidden)

    def replay(self, instance_id: str, actor: Actor) -> tuple[bool, int | None]:
        if not actor.groups & {"auditors", "admins"}:
            raise NotAllowed("auditors only")
        rec = self.store.get_instance(instance_id)
        events = self.store.events(instance_id)
        return replay_events(self.compiled(rec.bundle_hash), self.calendar.current, events, self.compiled)

    def _step_view(self, rec: InstanceRecord, step, actor: Actor) -> tuple[InstanceRecord, list[TaskRow], dict]:
        """The case just stepped, as `case_view` shows it, from the rows the step wrote (read again when the step
        sent messages: their delivery may have moved the case on)."""
        return (rec, *self.case_view(rec, actor, None if step.messages else step.rows))
