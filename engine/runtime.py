"""SpiffWorkflow adapter: create and advance one workflow, checking task state itself (its stored state: workflow_state.py)."""
from __future__ import annotations

import copy
import datetime as dt
import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass

import SpiffWorkflow.bpmn.specs.event_definitions.timer as timer_module
from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.unstructured_join import UnstructuredJoin
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask as UserTaskMixin
from SpiffWorkflow.exceptions import TaskNotFoundException, WorkflowException
from SpiffWorkflow.util.task import TaskState

from .sandbox.scripting import evaluate
from .workflow_state import encode_state, load_workflow

TIMER_TYPES = ("TimeDateEventDefinition", "DurationTimerEventDefinition", "CycleTimerEventDefinition")


class ClockDatetime(dt.datetime):
    """Spiff's timer module asks datetime.now(); this answers from the service's clock, or from a
    clock set for this thread only (an audit replay runs in the past while others run now)."""
    source = None
    local = threading.local()

    @classmethod
    def now(cls, tz=None):
        clock = getattr(cls.local, "source", None) or cls.source
        return clock.now() if clock else dt.datetime.now(tz)


timer_module.datetime = ClockDatetime
class ProcessError(Exception):
    """A diagram failed while running (script error, missing variable...)."""

    def __init__(self, message, task=None):
        super().__init__(message)
        self.task = task


class TaskNotReady(Exception):
    pass


@contextmanager
def diagram_errors(bpmn_id=None):
    """Whatever a diagram's step raises is the diagram's error (a 422 and a case in `error`), never a 500:
    Spiff reports script errors as WorkflowException but lets others through, e.g. a timer expression
    that yields no date raises ValueError or AttributeError."""
    try:
        yield
    except WorkflowException as exc:
        task = getattr(getattr(exc, "task", None), "task_spec", None)
        message, cause = str(exc), exc.__cause__ or exc.__context__
        if cause is not None and str(cause) not in message:
            message = f"{message} ({cause})"
        raise ProcessError(message, getattr(task, "bpmn_id", None) or bpmn_id) from exc
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, ArithmeticError, RecursionError,
            MemoryError) as exc:
        raise ProcessError(f"{type(exc).__name__}: {exc}", bpmn_id) from exc


@dataclass
class ReadyTask:
    id: str
    bpmn_id: str
    name: str
    lane: str | None
    data: dict
    index: int          # position among ready tasks of the same bpmn_id (multi-instance)


class Runner:
    """Wraps one BpmnWorkflow with the sandboxed script engine attached."""

    def __init__(self, workflow: BpmnWorkflow, script_engine):
        self.wf = workflow
        self.engine = script_engine
        self.wf.script_engine = script_engine
        self._ready: list[ReadyTask] | None = None     # the ready user tasks, until the workflow moves
        self._joins: list = []                           # found with them: the joins that wait
        self._finished: dict = {}                        # finished tasks as earlier dumps converted them

    @classmethod
    def start(cls, compiled, script_engine, data: dict) -> "Runner":
        wf = BpmnWorkflow(compiled.spec, compiled.subprocess_specs, script_engine=script_engine)
        runner = cls(wf, script_engine)
        wf.get_next_task(spec_name="Start").set_data(**data)
        runner._advance()
        return runner

    @classmethod
    def load(cls, state: str, compiled, script_engine) -> "Runner":
        """Restore a workflow; its specs come from the pinned bundle, not from the stored state."""
        return cls(load_workflow(state, compiled), script_engine)

    def repredict(self) -> None:
        """After loading a case on another version's diagram: predict the path ahead from the new diagram
        (the predicted tasks stored with the case follow the old one)."""
        predicted = TaskState.FUTURE | TaskState.LIKELY | TaskState.MAYBE     # tasks that never ran
        self._ready = None
        for task in self.wf.get_tasks(state=TaskState.READY | TaskState.WAITING):
            for child in [c for c in task.children if c.has_state(predicted)]:
                task.workflow._remove_task(child.id)
            task.task_spec._predict(task, mask=TaskState.NOT_FINISHED_MASK)

    def dump(self) -> str:
        return encode_state(self.wf, self._finished)

    def _advance(self):
        self._ready = None
        with diagram_errors():
            self.wf.do_engine_steps()

    def ready_tasks(self) -> list[ReadyTask]:
        if self._ready is None:
            self._ready = self._find_ready()
        return list(self._ready)

    def _find_ready(self) -> list[ReadyTask]:
        """The ready user tasks; the same walk over the tasks notes the joins that wait (for `data`)."""
        found, seen, self._joins = [], {}, []
        for t in self.wf.get_tasks(state=TaskState.READY | TaskState.WAITING):
            spec = t.task_spec
            if t.state == TaskState.WAITING:
                if isinstance(spec, UnstructuredJoin):
                    self._joins.append(t)
                continue
            if not isinstance(spec, UserTaskMixin):
                continue
            seen[spec.bpmn_id] = seen.get(spec.bpmn_id, -1) + 1
            found.append(ReadyTask(str(t.id), spec.bpmn_id, spec.bpmn_name or spec.bpmn_id,
                                   spec.lane, t.data, seen[spec.bpmn_id]))
        return found

    def previous_run(self, task_id: str) -> dict | None:
        """The data the latest earlier run of this ready task's diagram element left (its answers then), or None
        when the element has not run before in this case (a redo, a second review, the next visitor, ...).
        Another unit's instance of the same multi-instance step is not an earlier run. Read only."""
        try:
            task = self._ready_task(task_id)
        except TaskNotReady:
            return None
        earlier = [t for t in self.wf.get_tasks(state=TaskState.COMPLETED, spec_name=task.task_spec.name)
                   if t.parent is not task.parent]
        return max(earlier, key=lambda t: t.last_state_change).data if earlier else None

    def complete(self, task_id: str, data: dict, blanks=None) -> None:
        """Run a ready user task with submitted data; form fields not submitted take their blank value."""
        try:
            task = self.wf.get_task_from_id(uuid.UUID(task_id))
        except (ValueError, KeyError, TypeError) as exc:
            raise TaskNotReady(task_id) from exc
        if task is None or task.state != TaskState.READY or not isinstance(task.task_spec, UserTaskMixin):
            raise TaskNotReady(task_id)
        self._ready = None
        task.data.update({k: copy.deepcopy(v) for k, v in (blanks or {}).items() if k not in data})
        task.data.update(copy.deepcopy(data))   # replace, not Spiff's deep merge; nothing shared with the caller
        with diagram_errors(task.task_spec.bpmn_id):
            task.run()
        self._advance()

    def complete_by_spec(self, bpmn_id: str, index: int, data: dict, blanks=None) -> None:
        """For replay: complete the index-th ready task of a given diagram element."""
        matches = [t for t in self.ready_tasks() if t.bpmn_id == bpmn_id]
        if index >= len(matches):
            raise TaskNotReady(f"{bpmn_id}[{index}]")
        self.complete(matches[index].id, data, blanks)

    def previous_step(self, task_id: str) -> str | None:
        """The user task this ready task came from along the path the case took (gateways, scripts and
        events in between); None when a parallel gateway lies between them or no user task ran before."""
        task = self._ready_task(task_id).parent
        while task is not None and not isinstance(task.task_spec, UserTaskMixin):
            if type(task.task_spec).__name__ in ("ParallelGateway", "InclusiveGateway", "EventBasedGateway"):
                return None
            task = task.parent
        return task.task_spec.bpmn_id if task is not None and task.state == TaskState.COMPLETED else None

    def return_to(self, task_id: str, bpmn_id: str, extra: dict) -> None:
        """Send the case back from a ready task to the latest run of `bpmn_id`, with its submitted data."""
        target = self._ready_task(task_id).parent
        while target is not None and not isinstance(target.task_spec, UserTaskMixin):
            target = target.parent
        if target is None or target.task_spec.bpmn_id != bpmn_id:
            raise TaskNotReady(bpmn_id)
        self._ready = None
        removed = self.wf.reset_from_task_id(target.id, data={**target.data, **extra})
        for task in removed:          # Spiff leaves the removed tasks' timers waiting (e.g. a sign-off's 催办)
            self.wf.event_manager.remove_task(task)
        self._advance()

    def _ready_task(self, task_id: str):
        try:
            task = self.wf.get_task_from_id(uuid.UUID(task_id))
        except (ValueError, KeyError, TypeError, TaskNotFoundException) as exc:
            raise TaskNotReady(task_id) from exc
        if task is None or task.state != TaskState.READY or not isinstance(task.task_spec, UserTaskMixin):
            raise TaskNotReady(task_id)
        return task

    def fire_timers(self) -> list[str]:
        """Fire every timer that is due by the clock; return the names of those that fired."""
        before = {(e.name, e.value) for e in self._timer_events()}
        self._ready = None
        with diagram_errors():
            self.wf.refresh_timers()
        self._advance()
        after = {(e.name, e.value) for e in self._timer_events()}
        return sorted(name or "timer" for name, value in before - after)

    def _timer_events(self):
        return [e for e in self.wf.waiting_events() if e.event_type in TIMER_TYPES and isinstance(e.value, str)]

    def timers(self) -> list[dict]:
        return sorted(({"task": e.name, "due_at": TimerEventDefinition.get_datetime(e.value)}
                       for e in self._timer_events()), key=lambda t: t["due_at"])

    def take_messages(self) -> list[tuple[str, dict]]:
        """Messages thrown that nothing in this workflow caught: (name, payload), for the host to route."""
        return [(e.event_definition.name, e.payload if isinstance(e.payload, dict) else {"value": e.payload})
                for e in self.wf.get_events() if isinstance(e.event_definition, MessageEventDefinition)]

    def waits_for(self, message_name: str):
        """The event definition of a catch event waiting for this message, or None."""
        for task in self.wf.get_tasks(state=TaskState.WAITING):
            definition = getattr(task.task_spec, "event_definition", None)
            if isinstance(definition, MessageEventDefinition) and definition.name == message_name:
                return definition
        return None

    def deliver(self, message_name: str, payload: dict) -> bool:
        definition = self.waits_for(message_name)
        if definition is None:
            return False
        self._ready = None
        with diagram_errors():
            self.wf.send_event(BpmnEvent(definition, payload=payload))
        self._advance()
        return True

    def is_completed(self) -> bool:
        return self.wf.is_completed()

    def data(self) -> dict:
        """The case data now: the workflow's data when done, else the ready tasks' data merged over the data of
        branches that wait at a parallel join (e.g. a lead unit's reply waiting for a co-unit's opinion); a copy,
        sharing nothing with the workflow (which may stay cached for the next step)."""
        if self.wf.is_completed():
            return copy.deepcopy(self.wf.data)
        merged, ready = {}, self.ready_tasks()
        for task in self._joins:
            merged.update(task.parent.data if task.parent else {})
        for task in ready or [self.wf.last_task]:
            merged.update(task.data if task else {})
        return copy.deepcopy(merged)

    def evaluate(self, expression: str, data: dict):
        return evaluate(self.engine, expression, data)
