"""The fair raw SpiffWorkflow baseline of `make bench`: what a program using SpiffWorkflow alone does for a
persisted step, keeping the diagram's spec out of the stored state as the app does.

Per step, in one transaction of the same database kind as the side it is compared with: read the case's
state, restore the workflow onto the already parsed spec, run the task with the sandboxed script engine,
serialize the workflow without its spec (Spiff's own converters and JSON encoder) and write it back.
"""
from __future__ import annotations

import json
import uuid

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import WorkflowConverter
from SpiffWorkflow.spiff.serializer import DEFAULT_CONFIG
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import text

SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(DEFAULT_CONFIG))
CONVERTER = SERIALIZER.registry.convert_from_dict["BpmnWorkflow"].args[0].__self__
TABLE = "raw_spiff_cases"


def dump(wf: BpmnWorkflow) -> str:
    """BpmnWorkflowConverter.to_dict without 'spec' and 'subprocess_specs' (they live with the diagram)."""
    registry = SERIALIZER.registry
    registry._encoder_mode = True            # what serialize_json does: the encoder converts the data
    try:
        dct = WorkflowConverter.to_dict(CONVERTER, wf)
        dct["subprocesses"] = CONVERTER.mapping_to_dict(wf.subprocesses)
        dct["bpmn_events"] = registry.convert(wf.bpmn_events)
        return json.dumps(dct, cls=SERIALIZER._encoder_cls)
    finally:
        registry._encoder_mode = False


def load(state: str, compiled) -> BpmnWorkflow:
    """BpmnWorkflowConverter.from_dict with the parsed spec passed in instead of restored."""
    dct = json.loads(state, cls=SERIALIZER.json_decoder_cls)
    wf = BpmnWorkflow(compiled.spec, compiled.subprocess_specs, deserializing=True)
    wf.tasks = CONVERTER.mapping_from_dict(dct["tasks"], uuid.UUID, workflow=wf)
    wf.task_tree = wf.tasks.get(uuid.UUID(dct["root"]))
    CONVERTER.set_default_attributes(wf, dct)
    CONVERTER.subprocesses_from_dict(dct["subprocesses"], wf)
    wf.bpmn_events = SERIALIZER.registry.restore(dct.pop("bpmn_events", []))
    return wf


class RawCases:
    """One table (id, state) in the given SQLAlchemy engine: the persistence a raw Spiff program needs."""

    def __init__(self, engine, compiled, script_engine):
        self.engine, self.compiled, self.script_engine = engine, compiled, script_engine
        with engine.begin() as conn:
            conn.execute(text(f"CREATE TABLE IF NOT EXISTS {TABLE} (id VARCHAR(36) PRIMARY KEY, state TEXT NOT NULL)"))
        self.select = text(f"SELECT state FROM {TABLE} WHERE id = :id")
        self.update = text(f"UPDATE {TABLE} SET state = :state WHERE id = :id")
        self.insert = text(f"INSERT INTO {TABLE} (id, state) VALUES (:id, :state)")

    def start(self, data: dict) -> str:
        wf = BpmnWorkflow(self.compiled.spec, self.compiled.subprocess_specs, script_engine=self.script_engine)
        wf.get_next_task(spec_name="Start").set_data(**data)
        wf.do_engine_steps()
        case_id = str(uuid.uuid4())
        with self.engine.begin() as conn:
            conn.execute(self.insert, {"id": case_id, "state": dump(wf)})
        return case_id

    def step(self, case_id: str, bpmn_id: str, data: dict) -> None:
        with self.engine.begin() as conn:
            wf = load(conn.execute(self.select, {"id": case_id}).scalar_one(), self.compiled)
            wf.script_engine = self.script_engine
            task = next(t for t in wf.get_tasks(state=TaskState.READY, manual=True)
                        if t.task_spec.bpmn_id == bpmn_id)
            task.set_data(**data)
            task.run()
            wf.do_engine_steps()
            conn.execute(self.update, {"id": case_id, "state": dump(wf)})
