"""The fair raw SpiffWorkflow baseline of `make bench`: what a program using SpiffWorkflow alone does for a
persisted step, keeping the diagram's spec out of the stored state as the app does.

Per step, in one transaction of the same database kind as the side it is compared with: read the case's
state, restore the workflow onto the already parsed spec, run the task with the sandboxed script engine,
serialize the workflow without its spec (Spiff's own converters and JSON encoder, through the same two
functions the app uses: `engine.runtime.dump_state` and `restore_state`) and write it back.
"""
from __future__ import annotations

import uuid

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import text

from engine.workflow_state import dump_state, parse_state, restore_state

TABLE = "raw_spiff_cases"


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
            conn.execute(self.insert, {"id": case_id, "state": dump_state(wf)})
        return case_id

    def step(self, case_id: str, bpmn_id: str, data: dict) -> None:
        with self.engine.begin() as conn:
            state = parse_state(conn.execute(self.select, {"id": case_id}).scalar_one())
            wf = restore_state(state, self.compiled.spec, self.compiled.subprocess_specs)
            wf.script_engine = self.script_engine
            task = next(t for t in wf.get_tasks(state=TaskState.READY, manual=True)
                        if t.task_spec.bpmn_id == bpmn_id)
            task.set_data(**data)
            task.run()
            wf.do_engine_steps()
            conn.execute(self.update, {"id": case_id, "state": dump_state(wf)})
