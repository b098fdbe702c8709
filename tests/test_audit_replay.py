"""Replay step by step: at every step of one main path per process, the state rebuilt by re-executing the
pinned bundle on the recorded inputs is what the live run showed; an altered input is reported in words."""
from __future__ import annotations

import copy
import json

import pytest

from engine.access import Actor
from engine.audit.service import AuditService
from engine.clock import FixedClock
from engine.library import bundle_from_directory
from engine.service import Service
from engine.store import MemoryStore
from tests import test_hotline, test_petition_case, test_petition_supervision, test_reception
from tests.walk import ROOT, china

AUDITOR = Actor.of("audit1", ["auditors"])


class RecordingStore(MemoryStore):
    """Notes, as each step is written, what the case looked like live: ready tasks, data, status."""

    def __init__(self):
        super().__init__()
        self.live = {}

    def _write(self, rec, tasks, events, messages=()):
        super()._write(rec, tasks, events, messages)
        ready = sorted({t.bpmn_id for t in self._tasks.values() if t.instance_id == rec.id and t.status == "ready"})
        data = json.loads(json.dumps(rec.data, default=str))
        self.live.setdefault(rec.id, {})[rec.last_seq] = (ready, copy.deepcopy(data), rec.status)


def recording_service(*keys) -> Service:
    from engine.directory.seed import seed_directory
    from tests.walk import demo_hash
    service = Service(RecordingStore(), FixedClock(china(11, 23)))
    service.calendar.seed_from_package()
    seed_directory(service.store, demo_hash())          # the units the forms offer
    for key in keys:
        service.deploy(bundle_from_directory(key, ROOT / "processes", ROOT / "forms"))
    return service


MAIN_PATHS = {
    "hotline": (("hotline", "petition_supervision"),
                lambda s: test_hotline.test_main_path_with_co_unit(s.store, s.clock)),
    "reception_day": (("reception_day", "reception_case"), test_reception.test_reception_day_main_path),
    "reception_case": (("reception_day", "reception_case"),
                       test_reception.test_assigned_case_is_handled_answered_and_closed),
    "petition_case": (("petition_case",),
                      test_petition_case.test_letter_endorsed_handled_and_closed_when_no_review_is_requested),
    "petition_supervision": (("petition_supervision",),
                             test_petition_supervision.test_hand_started_case_with_two_units_resolved_in_first_round),
}


@pytest.mark.parametrize("process", sorted(MAIN_PATHS))
def test_replay_state_at_each_step_is_what_the_walk_saw(process, monkeypatch):
    keys, walk = MAIN_PATHS[process]
    service = recording_service(*keys)
    if process == "hotline":      # the hotline walk builds its own service from a store and a clock
        monkeypatch.setattr(test_hotline, "make_service", lambda store, clock: _deployed(service))
    walk(service)
    audit = AuditService(service)
    cases = [r for r in service.store._instances.values() if r.process_key == process]
    assert cases, f"the walk made no {process} case"
    for rec in cases:
        live = service.store.live[rec.id]
        _, states = audit.replay(rec.id, AUDITOR)
        assert [s.seq for s in states] == sorted(live)
        for state in states:
            ready, data, status = live[state.seq]
            assert state.matches, (process, state.seq, state.differs)
            assert sorted(set(state.elements["ready"])) == ready, (process, state.seq)
            assert (state.data, state.status) == (data, status), (process, state.seq)
        last = states[-1].elements
        assert set(last["completed"]) >= {e.task for e in service.store.events(rec.id) if e.task}
        assert last["flows"], "the branches taken are known"


def _deployed(service):
    return service


def test_diagram_state_at_a_step_moves_along_the_path():
    service = recording_service("hotline")
    iid = test_hotline.at_callback(service)
    audit = AuditService(service)
    at = [audit.diagram_state(iid, AUDITOR, seq)["ready"] for seq in range(1, 6)]
    assert at == [["register"], ["dispatch"], ["accept"], ["handle"], ["review_reply"]]
    third = audit.diagram_state(iid, AUDITOR, 3)
    assert {"register", "dispatch", "gw_scope"} <= set(third["completed"]) and "handle" not in third["completed"]
    assert "flow_co_yes" not in third["flows"]           # no co-unit: that branch was not taken


def test_altered_input_is_reported_at_its_step_in_words(app):
    from tests.conftest import login
    service = app.extensions["service"]
    iid = test_hotline.at_callback(service)
    log = service.store.events(iid)
    assert AuditService(service).recheck(iid, AUDITOR) == (len(log), None)
    with service.store.engine.begin() as conn:            # behind the application's back
        from sqlalchemy import text
        conn.execute(text("DROP TRIGGER events_append_only_UPDATE"))
        conn.execute(text("UPDATE events SET data = :d WHERE instance_id = :i AND seq = 3"),
                     {"d": json.dumps({**log[2].data, "lead_unit": "人社局"}, ensure_ascii=False), "i": iid})
    steps, diverged = AuditService(service).recheck(iid, AUDITOR)
    assert diverged.seq == 3 and ("ready" in diverged.differs or "fields" in diverged.differs)
    client = app.test_client()
    login(client, "audit1")
    page = client.get(f"/audit/cases/{iid}").get_data(as_text=True)
    assert "第 3 步（完成：填写交办单）重新执行结果与记录不一致" in page
    assert "记录链校验失败：第 3 条记录起" in page
