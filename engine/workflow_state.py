"""A workflow's stored state: SpiffWorkflow's serialization without the specs (stored once, in the bundle), in
Spiff's own JSON for the raw baseline of `make bench` (`dump_state`, `parse_state`) and in orjson for the app
(`encode_state`, `load_workflow`), where a runner reuses the conversions of finished tasks between dumps."""
from __future__ import annotations

import json
import threading
import uuid

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import WorkflowConverter
from SpiffWorkflow.spiff.serializer import DEFAULT_CONFIG
from SpiffWorkflow.util.task import TaskState

from . import jsoncodec

FINISHED = TaskState.FINISHED_MASK
_serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(DEFAULT_CONFIG))
_encoder_lock = threading.Lock()
_workflow_converter = _serializer.registry.convert_from_dict["BpmnWorkflow"].args[0].__self__


def parse_state(state: str) -> dict:
    """Spiff's own decoding of a stored state (a program using SpiffWorkflow alone: tests/bench_raw.py)."""
    return json.loads(state, cls=_serializer.json_decoder_cls)


def restore_state(dct: dict, spec, subprocess_specs) -> BpmnWorkflow:
    """Spiff's BpmnWorkflowConverter.from_dict, with the (shared, read-only) specs passed in."""
    conv = _workflow_converter
    workflow = conv.target_class(spec, subprocess_specs, deserializing=True)
    workflow.tasks = conv.mapping_from_dict(dct["tasks"], uuid.UUID, workflow=workflow)
    workflow.task_tree = workflow.tasks.get(uuid.UUID(dct["root"]))
    conv.set_default_attributes(workflow, dct)
    conv.subprocesses_from_dict(dct["subprocesses"], workflow)
    workflow.bpmn_events = conv.registry.restore(dct.pop("bpmn_events", []))
    return workflow


def dump_state(wf: BpmnWorkflow) -> str:
    """Spiff's own encoding of `state_dict` (a program using SpiffWorkflow alone: tests/bench_raw.py)."""
    return json.dumps(state_dict(wf), cls=_serializer._encoder_cls)


def encode_state(wf: BpmnWorkflow, kept: dict | None = None) -> str:
    """The app's encoding of `state_dict`: the same JSON, written by orjson (engine/jsoncodec.py)."""
    return jsoncodec.dumps(state_dict(wf, kept), cls=_serializer._encoder_cls)


def state_dict(wf: BpmnWorkflow, kept: dict | None = None) -> dict:
    """The workflow's state without its specs (they are stored once, in the bundle): Spiff's
    BpmnWorkflowConverter.to_dict minus the spec conversion, which would cost more than the rest. `kept`: the
    finished tasks converted by earlier calls for this workflow (see `_tasks_dict`)."""
    registry, conv = _serializer.registry, _workflow_converter
    with _encoder_lock:            # the registry's encoder flag is shared by every thread
        registry._encoder_mode = True
        try:
            if kept is None:
                dct = WorkflowConverter.to_dict(conv, wf)
            else:
                dct = {"data": registry.convert(registry.clean(wf.data)), "correlations": wf.correlations,
                       "last_task": str(wf.last_task.id) if wf.last_task is not None else None,
                       "success": wf.success, "completed": wf.completed, "tasks": _tasks_dict(registry, wf, kept),
                       "root": str(wf.task_tree.id)}      # WorkflowConverter.to_dict, tasks from `kept`
            dct["subprocesses"] = conv.mapping_to_dict(wf.subprocesses)
            dct["bpmn_events"] = registry.convert(wf.bpmn_events)
            dct["typename"] = registry.typenames[wf.__class__]
        finally:
            registry._encoder_mode = False
    dct[_serializer.VERSION_KEY] = _serializer.VERSION
    return dct


def _tasks_dict(registry, wf: BpmnWorkflow, kept: dict) -> dict:
    """Spiff's conversion of each task (most of a dump's time: each task's data is diffed with its parent's),
    reusing the conversion of a finished task whose parent is finished too while neither has changed state since:
    such a task's row is fixed (a step back to it, `return_to`, changes its state and removes its children)."""
    out = {}
    for task_id, task in wf.tasks.items():
        parent = task.parent
        if not task.state & FINISHED or (parent is not None and not parent.state & FINISHED):
            out[str(task_id)] = registry.convert(task)
            continue
        key = (task.state, task.last_state_change, tuple(task._children), task.triggered,
               parent and (parent.state, parent.last_state_change))
        known = kept.get(task_id)
        if known is None or known[0] != key:
            known = kept[task_id] = (key, registry.convert(task))
        out[str(task_id)] = known[1]
    if len(kept) > 2 * len(wf.tasks):             # tasks a reset removed
        for task_id in [t for t in kept if t not in wf.tasks]:
            del kept[task_id]
    return out


def load_workflow(state: str, compiled) -> BpmnWorkflow:
    """The workflow of a stored state, on the pinned bundle's specs (`compiled`)."""
    dct = jsoncodec.loads(state)
    if "spec" in dct:            # a full Spiff serialization: let Spiff restore it as it is
        _serializer.migrate(dct)
        return _serializer.from_dict(dct)
    return restore_state(dct, compiled.spec, compiled.subprocess_specs)
