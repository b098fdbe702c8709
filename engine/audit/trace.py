"""Where a workflow stands, as diagram element ids: done, ready, waiting, fired timers, flows taken.

A SpiffWorkflow adapter (like runtime): it reads the task tree, which records the path really taken."""
from __future__ import annotations

from functools import lru_cache

from lxml import etree
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.util.task import TaskState

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
LIVE = TaskState.COMPLETED | TaskState.READY | TaskState.WAITING | TaskState.STARTED


def element_state(runner, bpmn_xml: str) -> dict:
    completed, ready, waiting, timers, edges = [], [], [], [], set()
    for task in runner.wf.get_tasks(state=LIVE):
        bpmn_id = getattr(task.task_spec, "bpmn_id", None)
        if not bpmn_id:
            continue
        if task.state == TaskState.COMPLETED:
            completed.append(bpmn_id)
            if _is_timer(task.task_spec):
                timers.append(bpmn_id)
        elif task.state == TaskState.WAITING or isinstance(task.task_spec, SubWorkflowTask):
            waiting.append(bpmn_id)           # a running subprocess waits for the tasks inside it
        else:
            ready.append(bpmn_id)
        source = _bpmn_parent(task)
        if source:
            edges.add((source, bpmn_id))
    flows = _flows(bpmn_xml)
    taken = sorted({flows[e] for e in edges if e in flows})
    return {"completed": _unique(completed), "ready": _unique(ready), "waiting": _unique(waiting),
            "timers_fired": _unique(timers), "flows": taken}


def _is_timer(spec) -> bool:
    return isinstance(getattr(spec, "event_definition", None), TimerEventDefinition)


def _bpmn_parent(task):
    parent = task.parent
    while parent is not None and not getattr(parent.task_spec, "bpmn_id", None):
        parent = parent.parent
    if parent is None or parent.state != TaskState.COMPLETED:
        return None
    return parent.task_spec.bpmn_id


def _unique(ids):
    return list(dict.fromkeys(ids))


@lru_cache(maxsize=64)
def _flows(bpmn_xml: str) -> dict:
    """{(sourceRef, targetRef): sequence flow id} of a diagram."""
    root = etree.fromstring(bpmn_xml.encode())
    return {(f.get("sourceRef"), f.get("targetRef")): f.get("id") for f in root.iter(f"{BPMN}sequenceFlow")}


@lru_cache(maxsize=64)
def message_throwers(bpmn_xml: str) -> dict:
    """{message name: [ids of the elements that throw it]}: where a linked case is started from."""
    root = etree.fromstring(bpmn_xml.encode())
    names = {m.get("id"): m.get("name") for m in root.iter(f"{BPMN}message")}
    found = {}
    for tag in ("intermediateThrowEvent", "endEvent", "sendTask"):
        for element in root.iter(f"{BPMN}{tag}"):
            for definition in element.iter(f"{BPMN}messageEventDefinition"):
                name = names.get(definition.get("messageRef"))
                if name:
                    found.setdefault(name, []).append(element.get("id"))
    return found
