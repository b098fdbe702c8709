"""Task actions as offices do them; each one is an event in the case's hash chain."""
from __future__ import annotations

from ..access import PERSONAL_PREFIX, NotAllowed, can_see_instance, can_work_on, is_personal, personal_group
from ..directory.forms import with_directory
from ..directory.model import HANDLING_TYPES
from ..runtime import Runner, TaskNotReady
from ..clock import CHINA
from ..store import NotFound
from .cases import CaseWork
from .inbox import Worklist
from .notify import Notices, notice


class TaskTaken(Exception):
    """Someone else holds (has claimed or been handed) the task."""

    def __init__(self, task_id: str, holder: str):
        super().__init__(f"task {task_id} is held by {holder}")
        self.holder = holder


class StaffWork(CaseWork, Notices, Worklist):
    """Mixed into engine.service.Service."""

    def form_of(self, form):
        return with_directory(form, self.directory)

    def today(self) -> str:
        return self.now().astimezone(CHINA).date().isoformat()

    def _keep_holders(self, instance_id, rows, before) -> set[str]:
        """A task still ready after a step keeps its holder and groups (claims and hand-overs outlive steps) and
        the time it became ready. Returns the ids of the tasks ready before the step."""
        if before is not None and not any(r.task_id in before for r in rows):
            return before
        previous = {r.task_id: r for r in self.store.instance_tasks(instance_id, ready_only=True)}
        for row in rows:
            if row.task_id in previous:
                kept = previous[row.task_id]
                row.assignee, row.groups, row.created_at = kept.assignee, kept.groups, kept.created_at
        return set(previous) if before is None else before

    def _ready_row(self, task_id):
        row, rec = self.store.get_task_with_instance(task_id)
        if row is None:
            raise NotFound(f"task {task_id}")
        return row, rec

    def _may_take_back(self, actor, row) -> bool:
        return actor.is_admin or self.directory.is_head(actor.name, row.groups)

    def _task_event(self, rec, row, rows, type_, actor, data, notices=()):
        from ..service import Step, TaskClosed
        if row.status != "ready":
            raise TaskClosed(row.task_id)
        ready, at = {"ready": sorted(r.bpmn_id for r in rows)}, self.now()
        written = [notice(who, kind, rec, about, at) for who, kind, about in notices if who]
        self._append(rec, Step(rows, ready, [], written), type_, actor.name, task=row.bpmn_id, task_id=row.task_id,
                     data=data)
        return next((r for r in rows if r.task_id == row.task_id), row)

    def _with(self, rec, row, **changes):
        rows = self.store.instance_tasks(rec.id, ready_only=True)
        for r in rows:
            if r.task_id == row.task_id:
                for k, v in changes.items():
                    setattr(r, k, v)
        return rows

    def claim(self, task_id, actor):
        row, rec = self._ready_row(task_id)
        if not can_work_on(actor, row.groups, self.excluded(row, rec)):
            raise NotAllowed(task_id)
        if row.assignee == actor.name:
            return row
        if row.assignee:
            raise TaskTaken(task_id, row.assignee)
        return self._task_event(rec, row, self._with(rec, row, assignee=actor.name), "claimed", actor, {})

    def release(self, task_id, actor):
        """Give a claimed task back to its group: the holder, or an admin or the unit's head (take back)."""
        from ..service import TaskClosed
        row, rec = self._ready_row(task_id)
        if row.assignee != actor.name and not self._may_take_back(actor, row):
            raise NotAllowed(task_id)
        if not row.assignee:
            raise TaskClosed(task_id)
        data = {"holder": row.assignee}
        return self._task_event(rec, row, self._with(rec, row, assignee=None), "released", actor, data,
                                [(row.assignee, "taken_back", row)] if row.assignee != actor.name else [])

    def _check_may_pass_on(self, actor, row):
        from ..service import TaskClosed
        if not (can_work_on(actor, row.groups) or self._may_take_back(actor, row)):
            raise NotAllowed(row.task_id)        # before anything about the task (is it open, who holds it) is said
        if row.status != "ready":
            raise TaskClosed(row.task_id)
        if row.assignee and row.assignee != actor.name and not self._may_take_back(actor, row):
            raise TaskTaken(row.task_id, row.assignee)

    def handover(self, task_id, actor, reason: str, to_user: str | None = None, to_unit: str | None = None):
        """转派: to a member of the task's unit, or to another unit (or a member of it) where the step allows."""
        from ..service import InvalidData
        row, rec = self._ready_row(task_id)
        self._check_may_pass_on(actor, row)
        reason = (reason or "").strip()
        if not reason:
            raise InvalidData({"reason": "请说明转派理由"})
        groups, assignee, target = self._handover_target(rec, row, to_user, to_unit)
        data = {"reason": reason, "to_user": assignee, "to_unit": to_unit, "groups": groups}
        notices = [(assignee, "handover", row)] if assignee else [(g, "handover", row) for g in groups]
        return self._task_event(rec, row, self._with(rec, row, assignee=assignee, groups=groups), "handed_over",
                                actor, data, notices)

    def _handover_target(self, rec, row, to_user, to_unit):
        from ..service import InvalidData
        if to_user:
            user = self.store.get_user(to_user)
            if user is None or not user.active:
                raise InvalidData({"to_user": "没有这个在岗用户"})
            if is_personal(row.groups):          # a task given to one person goes to a colleague of his, by name
                named = [self.store.get_user(g[len(PERSONAL_PREFIX):]) for g in row.groups]
                if not any(n and set(n.groups) & set(user.groups) for n in named):
                    raise InvalidData({"to_user": "该用户与原办理人不在同一单位或岗位"})
                return [personal_group(user.name)], user.name, user.name
            if set(user.groups) & set(row.groups):
                return row.groups, user.name, user.name
            units = [self.directory.unit_of_group(g) for g in user.groups]
            unit = next((u for u in units if u and u.type in self._handover_types(rec, row)), None)
            if unit is None:
                raise InvalidData({"to_user": "该用户不在本单位，本环节也不能转派到其所在单位"})
            return [unit.group], user.name, unit.name
        unit = self.directory.unit(to_unit or "")
        if unit is None:
            raise InvalidData({"to_unit": "没有这个单位"})
        if unit.type not in self._handover_types(rec, row) or unit.group in row.groups:
            raise InvalidData({"to_unit": "本环节不能转派到该单位"})
        if unit not in self.directory.choosable([unit.type]):
            raise InvalidData({"to_unit": "该单位没有在岗人员"})
        return [unit.group], None, unit.name

    def _handover_types(self, rec, row) -> tuple:
        """Unit types a step may be handed over to: its `handoverTypes` property, else handling units when the
        step is a handling unit's, else none."""
        specs = self.compiled(rec.bundle_hash).spec.task_specs
        spec = specs[row.bpmn_id]
        spec = specs.get(getattr(spec, "task_spec", None) or "", spec)      # a multi-instance step: its instances
        props = getattr(spec, "extensions", {}).get("properties", {})
        if "handoverTypes" in props:
            return tuple(t.strip() for t in props["handoverTypes"].split(",") if t.strip())
        return HANDLING_TYPES if all(g.startswith("dept:") for g in row.groups) else ()

    def reassign(self, task_id, actor, reason: str, to_unit: str | None = None, to_user: str | None = None):
        """An admin moves an open task nobody can do to a staffed unit (or a user), whatever its step."""
        from ..service import InvalidData
        if not actor.is_admin:
            raise NotAllowed(task_id)
        row, rec = self._ready_row(task_id)
        user = self.store.get_user(to_user) if to_user else None
        unit = self.directory.unit(to_unit or "")
        if to_user and (user is None or not user.active):
            raise InvalidData({"to_user": "没有这个在岗用户"})
        if not to_user and (unit is None or unit.group not in self.directory.staffed_groups()):
            raise InvalidData({"to_unit": "该单位没有在岗人员"})
        groups = [unit.group] if unit else [personal_group(to_user)] if is_personal(row.groups) else row.groups
        data = {"reason": (reason or "").strip() or "无人办理，管理员改派", "to_user": to_user, "to_unit": to_unit,
                "groups": groups}
        notices = [(to_user, "handover", row)] if to_user else [(g, "handover", row) for g in groups]
        return self._task_event(rec, row, self._with(rec, row, assignee=to_user, groups=groups), "handed_over",
                                actor, data, notices)

    def return_step(self, task_id, actor, reason: str):
        """退回: send the case back to the step before this one, where the diagram has exactly one."""
        from ..service import InvalidData, TaskClosed
        row, rec = self._ready_row(task_id)
        self._check_may_pass_on(actor, row)
        if not (reason or "").strip():
            raise InvalidData({"reason": "请说明退回理由"})
        compiled = self.compiled(rec.bundle_hash)
        runner = Runner.load(rec.state, compiled, self.script_engine)
        try:
            target = self.return_target(runner, row, task_id)
        except TaskNotReady as exc:
            raise TaskClosed(task_id) from exc
        extra = {"returned_reason": reason.strip(), "returned_from": row.title}
        try:
            runner.return_to(task_id, target, extra)
        except TaskNotReady as exc:
            raise TaskClosed(task_id) from exc
        step = self._snapshot(rec, runner, compiled)
        data = {"to_task": target, **extra}
        self._append(rec, step, "returned", actor.name, task=row.bpmn_id, task_id=task_id, data=data)
        self.notify([(r.groups[0] if len(r.groups) == 1 else None, "returned", r) for r in step.rows
                     if r.bpmn_id == target], rec)
        return rec

    def return_target(self, runner, row, task_id):
        from ..service import TaskClosed
        if len(runner.ready_tasks()) != 1:
            raise TaskClosed(f"{task_id}: the case has parallel work; it cannot be sent back from here")
        target = runner.previous_step(task_id)
        if target is None:
            raise TaskClosed(f"{task_id}: the diagram allows no return from this step")
        return target

    def can_return(self, detail) -> bool:
        try:
            runner = Runner.load(detail.instance.state, self.compiled(detail.instance.bundle_hash),
                                 self.script_engine)
            return len(runner.ready_tasks()) == 1 and runner.previous_step(detail.row.task_id) is not None
        except TaskNotReady:
            return False

    def may_see(self, instance_id, actor):
        rec = self.store.get_instance(instance_id)
        if not can_see_instance(actor, self.store.instance_groups(instance_id)):
            raise NotAllowed(instance_id)
        return rec
