"""The service layer the web app and CLI call: processes, cases, tasks, timers; checks access."""
from __future__ import annotations

import copy
import datetime as dt
import uuid
from dataclasses import dataclass, field, replace

from . import history
from .audit.search import update_index_fields
from .access import Actor, NotAllowed, can_work_on, start_groups_of, start_property
from .calendar_service import CalendarService
from .case_data import DEFAULT_MAX_BYTES, DataProblem, check_data, start_fields, start_value_problem
from .case_views import CaseViews
from .catalog import ProcessCatalog
from .repair import CaseRepair, NotRepairable
from .clock import SystemClock
from .directory import Directory
from .forms.validation import validate
from .forms import Form, blanks, coerce
from .library import InvalidProcess
from .links import deliver_pending
from .runtime import ClockDatetime, ProcessError, Runner, TaskNotReady
from .clock import CHINA
from .sandbox.scripting import make_script_engine
from .stats.bulletins import check_bulletin_fields, with_bulletin_choices
from .stats.figures import Figures
from .store import Conflict, InstanceRecord, InstanceStore, Message, NotFound, TaskRow
from .tasks import excluded_users, fields_masked_for, form_values, mask, task_rows
from .timers import fire_due
from .work import StaffWork, TaskTaken
from .work.files import check_entries
from .work.notify import new_task_notices
from .workflow_cache import WorkflowCache

STATE_FACTOR = 20          # the stored workflow state keeps a copy of the data per task

__all__ = ["Service", "Actor", "NotRepairable", "CaseTooLarge", "NotAllowed", "NotFound", "Conflict", "InvalidData",
           "TaskClosed", "InvalidProcess", "ProcessError", "TaskTaken"]


class InvalidData(Exception):
    def __init__(self, fields: dict[str, str]):
        super().__init__("invalid data: " + ", ".join(fields))
        self.fields = fields


class CaseTooLarge(ProcessError):
    """A step would leave more case data than the cap allows; nothing is stored."""


class TaskClosed(Exception):
    """The task exists but is no longer ready (done, cancelled, or taken by someone else)."""


@dataclass
class Step:
    """What one engine step produced, to be written in one transaction."""
    rows: list[TaskRow]
    result: dict
    messages: list[Message]
    notices: list[dict] = field(default_factory=list)      # in-app notifications, written with the step
    before: set[str] | None = None                          # ids of the tasks ready before the step


@dataclass
class TaskDetail:
    row: TaskRow
    form: Form
    data: dict
    masked: list[str]
    instance: InstanceRecord
    forms: list[Form]
    values: dict = field(default_factory=dict)        # what the form starts with (engine.tasks.form_values)
    carried: list[str] = field(default_factory=list)  # fields holding the previous run's answer (x-carryOver)
    repeated: bool = False                            # this task's element ran before in this case


class Service(CaseViews, StaffWork, ProcessCatalog, CaseRepair):
    """Cases and tasks on top of the catalog of deployed processes; every public call checks access."""

    def __init__(self, store: InstanceStore, clock=None, max_case_bytes: int = DEFAULT_MAX_BYTES):
        self.store = store
        self.max_case_bytes = max_case_bytes
        self.clock = clock or SystemClock()
        ClockDatetime.source = self.clock
        self.calendar = CalendarService(store)
        self.directory = Directory(store)
        self.script_engine = make_script_engine(lambda: self.clock.now(), self.calendar.current)
        self._compiled, self._newest, self._latest = {}, {}, None
        self.workflows = WorkflowCache()       # recently stepped workflows, by case and stored version
        self.figures = Figures(store, self.calendar.current, self.clock)

    def now(self) -> dt.datetime:
        ClockDatetime.source = self.clock
        return self.clock.now()

    # cases -------------------------------------------------------------------------------------
    def start(self, key: str, data: dict | None, actor: Actor, internal: dict | None = None) -> InstanceRecord:
        """Start a case with the start form's fields; `internal` (in-process callers only) may set others."""
        return self._checked_start(key, data, actor, internal)[0]

    def start_view(self, key: str, data: dict | None, actor: Actor) -> tuple[InstanceRecord, list[TaskRow], dict]:
        """start(), then the new case as `case_view` shows it to `actor`, from the rows just written."""
        return self._step_view(*self._checked_start(key, data, actor), actor)

    def _checked_start(self, key, data, actor, internal=None) -> tuple[InstanceRecord, "Step"]:
        dep, compiled = self.current(key)
        if not actor.groups & start_groups_of(compiled, self.script_engine) and not actor.is_admin:
            raise NotAllowed(f"{actor.name} may not start {key}")
        allowed = start_fields(compiled, self.script_engine.environment.globals)
        data = _clean_start_data(data, allowed)
        self._check_input(data)           # plain JSON within the size cap, before any schema looks at it
        bad = {k: why for k, v in data.items() if (why := start_value_problem(v, allowed[k]))}
        if bad:
            raise InvalidData(bad)
        if internal:
            data = {**data, **internal}
            self._check_input(data)
        rec, step = self._start(dep, compiled, data, actor.name)
        if step.messages:
            self.deliver_messages()
        return rec, step

    def _start(self, dep, compiled, data, actor_name, parent_id=None, consumed=None) -> tuple[InstanceRecord, Step]:
        now = self.now()
        instance_id = str(uuid.uuid4())
        data = {**data, "case_no": data.get("case_no") or _case_no(compiled, now, instance_id)}
        runner = Runner.start(compiled, self.script_engine, data)
        rec = InstanceRecord(instance_id, dep.process_key, dep.version, dep.bundle_hash, "running", "",
                             {}, parent_id=parent_id, created_at=now)
        step = self._snapshot(rec, runner, compiled, before=set())
        event = history.new_event(rec.id, 0, "", now, "started", actor_name, data=data, result=step.result)
        rec.last_seq, rec.last_hash = event.seq, event.hash
        self.store.add_instance(rec, step.rows, [event], messages=step.messages, consumed=consumed,
                                notices=step.notices)
        self.workflows.keep(rec, runner)
        return rec, step

    def _check_input(self, data: dict) -> None:
        try:
            check_data(data, self.max_case_bytes)
        except DataProblem as exc:
            raise InvalidData({exc.field: exc.message}) from exc

    def _check_result(self, data: dict, state: str) -> None:
        """The case as it would be stored: within the size cap (its state holds a few copies of the data)."""
        try:
            check_data(data, self.max_case_bytes)
        except DataProblem as exc:
            raise CaseTooLarge(str(exc)) from exc
        if len(state) > STATE_FACTOR * self.max_case_bytes:
            raise CaseTooLarge(f"case state is {len(state):,} bytes; the limit is "
                               f"{STATE_FACTOR * self.max_case_bytes:,} bytes")

    def _snapshot(self, rec: InstanceRecord, runner: Runner, compiled, task_index=None, before=None) -> "Step":
        """Copy the workflow's state into the record; return its task rows, result and outgoing messages.
        `before`: ids of the tasks ready before this step, when known (saves a read when none survives)."""
        now = self.now()
        thrown = runner.take_messages()          # before dump(): a message is sent once, not stored
        state, data = runner.dump(), runner.data()
        self._check_result(data, state)
        rec.state, rec.data, rec.updated_at = state, data, now
        rec.status = "completed" if runner.is_completed() else "running"
        rec.title = _title(rec.data)
        timers = runner.timers()
        rec.timers = [{"task": t["task"], "due_at": t["due_at"].isoformat()} for t in timers]
        rec.next_timer_at = timers[0]["due_at"] if timers else None
        rows = task_rows(runner, compiled, rec.id, rec.process_key, rec.title, now, self.directory.resolve_groups)
        update_index_fields(rec, rows, now)
        before = self._keep_holders(rec.id, rows, before)
        result = {"status": rec.status, "ready": sorted(r.bpmn_id for r in rows), "data": rec.data}
        if task_index is not None:
            result["task_index"] = task_index
        messages = [Message(str(uuid.uuid4()), rec.id, name, payload, now) for name, payload in thrown]
        if messages:
            result["sent"] = [m.name for m in messages]
        return Step(rows, result, messages, new_task_notices(rec, rows, before, now), before)

    def _runner(self, rec: InstanceRecord, compiled) -> Runner:
        """The case's workflow: this process's copy when it is of exactly the stored version, else loaded.
        The caller owns it; it goes back to the cache (`workflows.keep`) only once its step is stored. A kept
        runner still knows its ready tasks (the workflow has not moved since)."""
        return self.workflows.take(rec) or Runner.load(rec.state, compiled, self.script_engine)

    def _append(self, rec, step: "Step", type_, actor_name, consumed=None, closed=None, **fields):
        event = history.new_event(rec.id, rec.last_seq, rec.last_hash, self.now(), type_, actor_name,
                                  result=step.result, **fields)
        rec.last_seq, rec.last_hash = event.seq, event.hash
        self.store.save_instance(rec, step.rows, [event], messages=step.messages, consumed=consumed,
                                 notices=step.notices, closed=closed)
        return rec

    # tasks -------------------------------------------------------------------------------------
    def inbox(self, actor: Actor) -> list[TaskRow]:
        return self.store.ready_tasks(actor.groups)

    def task(self, task_id: str, actor: Actor) -> TaskDetail:
        row = self.store.get_task(task_id)
        if row is None:
            raise NotFound(f"task {task_id}")
        if not (can_work_on(actor, row.groups) or actor.is_overseer):
            raise NotAllowed(task_id)
        rec = self.store.get_instance(row.instance_id)
        compiled = self.compiled(rec.bundle_hash)
        info = compiled.user_tasks[row.bpmn_id]
        runner = self._runner(rec, compiled)
        ready = next((t for t in runner.ready_tasks() if t.id == task_id), None)
        data = copy.deepcopy(ready.data) if ready else rec.data
        masked = fields_masked_for(self.script_engine, compiled, row.bpmn_id, data)
        form = with_bulletin_choices(self.store, self.form_of(info.form), rec.data.get("case_no", ""))
        previous = runner.previous_run(task_id) if ready else None
        values, carried = form_values(form, data, masked, previous)    # values taken from the copy `data`
        self.workflows.keep(rec, runner)        # only read: still the stored version
        return TaskDetail(row, form, mask(data, masked), masked, rec, compiled.forms, values, carried,
                          previous is not None)

    def complete(self, task_id: str, raw: dict, actor: Actor, form_post: bool = False,
                 lang: str = "zh") -> InstanceRecord:
        """Validate and complete a task; raises NotFound, NotAllowed, TaskClosed, InvalidData, Conflict."""
        return self._complete(task_id, raw, actor, form_post, lang)[0]

    def complete_view(self, task_id: str, raw: dict, actor: Actor) -> tuple[InstanceRecord, list[TaskRow], dict]:
        """complete(), then the case as `case_view` shows it to `actor`, from the rows the step wrote."""
        return self._step_view(*self._complete(task_id, raw, actor), actor)

    def _complete(self, task_id, raw, actor, form_post=False, lang="zh") -> tuple[InstanceRecord, "Step"]:
        row, rec = self.store.get_task_with_instance(task_id)
        if row is None:
            raise NotFound(f"task {task_id}")
        if not can_work_on(actor, row.groups, self.excluded(row, rec)):
            raise NotAllowed(task_id)
        if row.status != "ready":
            raise TaskClosed(task_id)
        if row.assignee and row.assignee != actor.name:
            raise TaskTaken(task_id, row.assignee)
        compiled = self.compiled(rec.bundle_hash)
        form = self.form_of(compiled.user_tasks[row.bpmn_id].form)
        data = coerce(form, raw) if form_post else dict(raw or {})
        self._check_input(data)
        errors = (validate(form, data, lang, today=self.today())
                  or check_bulletin_fields(self.store, form, data, rec.data.get("case_no", ""), lang)
                  or check_entries(self.store, form, data, rec.id, lang))
        if errors:
            raise InvalidData(errors)
        runner = self._runner(rec, compiled)
        ready_before = runner.ready_tasks()
        index = next((t.index for t in ready_before if t.id == task_id), None)
        try:
            runner.complete(task_id, data, blanks(form))
        except TaskNotReady as exc:
            raise TaskClosed(task_id) from exc
        step = self._snapshot(rec, runner, compiled, task_index=index, before={t.id for t in ready_before})
        still = {r.task_id for r in step.rows}
        closed = [replace(row, status="closed")] if [t.id for t in ready_before if t.id not in still] == [task_id] \
            else None                               # only this task closed: written with the step's rows
        self._append(rec, step, "task_completed", actor.name, closed=closed, task=row.bpmn_id, task_id=task_id,
                     data=data)
        self.workflows.keep(rec, runner)
        if step.messages:
            self.deliver_messages()
        return rec, step

    # timers and messages -----------------------------------------------------------------------
    def excluded(self, row, rec) -> set[str]:
        """Users the task refuses although they are in its groups (property `excludedUsers`)."""
        return excluded_users(self.script_engine, self.compiled(rec.bundle_hash), row.bpmn_id, rec.data)

    def fire_due_timers(self, limit: int = 100) -> list[tuple[str, list[str]]]:
        """Fire what is due now; a case another worker holds or fired first is skipped, never fired twice."""
        return fire_due(self, limit)

    def deliver_messages(self, limit: int = 50) -> int:
        return deliver_pending(self, limit)


def _clean_start_data(data, allowed: dict[str, list[dict]]) -> dict:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InvalidData({"": "data must be an object"})
    bad = {str(k): "not a field of this process's start form" for k in data if k not in allowed}
    if bad:
        raise InvalidData(bad)
    return data


def _case_no(compiled, now: dt.datetime, instance_id: str) -> str:
    prefix = start_property(compiled, "casePrefix") or compiled.bundle.key[:2].upper()
    return f"{prefix}{now.astimezone(CHINA):%Y%m%d}-{instance_id[:6].upper()}"


def _title(data: dict) -> str:
    summary = next((data[k] for k in ("content_summary", "summary", "issue_summary", "description")
                    if isinstance(data.get(k), str) and data[k]), "")
    short = summary[:40] + ("…" if len(summary) > 40 else "")          # cut: say so
    return f"{data.get('case_no', '')} {short}".strip()
