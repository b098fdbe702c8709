"""What the audit pages and API call: search, a case as auditors see it, replay states, reveal, exports,
the access log. Every read of a case by an auditor or admin is written to the access log."""
from __future__ import annotations

from dataclasses import dataclass

from ..access import NotAllowed
from ..runtime import Runner
from ..store import NotFound
from ..tasks import mask
from . import export
from .access_log import AccessEntry, is_accountable
from .chain import ChainCheck, check_chain
from .documents import Document, documents
from .privacy import may_reveal, personal_fields
from .replay_states import StepState, first_divergence, replay_states
from .search import CaseQuery, page
from .trace import element_state, message_throwers

MIN_REASON = 4


class ReasonRequired(ValueError):
    """A reveal without a reason worth the name."""


@dataclass
class CaseView:
    rec: object
    events: list
    chain: ChainCheck
    hidden: set
    personal: set
    docs: list[Document]
    units: dict


def audit_store_for(store):
    if hasattr(store, "engine"):
        from ..sql.audit import SqlAuditStore
        return SqlAuditStore(store.engine)
    from .memory import MemoryAuditStore
    return MemoryAuditStore(store)


class AuditService:
    def __init__(self, service):
        self.service = service
        self.store = audit_store_for(service.store)

    # finding cases --------------------------------------------------------------------------------
    def search(self, actor, query: CaseQuery):
        query.visible_to = None if actor.is_overseer else actor.groups
        query.now = query.now or self.service.now()
        return page(self.store.search(query), query)

    # one case -------------------------------------------------------------------------------------
    def case(self, instance_id, actor, revealed=False, action="view") -> CaseView:
        rec = self.service.instance(instance_id, actor)          # NotFound / NotAllowed
        compiled = self.service.compiled(rec.bundle_hash)
        events = self.service.store.events(instance_id)
        chain = check_chain(events, rec)
        rows = self.service.store.instance_tasks(instance_id)
        personal = personal_fields(self.service.script_engine, compiled, rec.data)
        hidden = set() if revealed and may_reveal(actor) else self.service.hidden_fields(rec, actor)
        units = {r.task_id: _unit(r.groups) for r in rows}
        docs = documents(compiled, events, hidden, units)
        for e in events:
            e.data = mask(e.data, hidden)
            e.result = {**e.result, "data": mask(e.result.get("data", {}), hidden)}
        if action:
            self.record(actor, action, rec, personal_shown=not (personal & hidden))
        return CaseView(rec, events, chain, hidden, personal, docs, units)

    def record(self, actor, action, rec=None, **detail):
        if is_accountable(actor) or action == "reveal":
            self.store.log_access(AccessEntry(self.service.now(), actor.name, action, rec.id if rec else None,
                                              (rec.case_no or rec.data.get("case_no")) if rec else None, detail))

    def reveal(self, instance_id, actor, reason: str):
        if not may_reveal(actor):
            raise NotAllowed("only overseers may reveal a confidential caller")
        rec = self.service.instance(instance_id, actor)            # no such case: NotFound, whatever the reason
        if len((reason or "").strip()) < MIN_REASON:
            raise ReasonRequired(reason)
        self.record(actor, "reveal", rec, reason=reason.strip())

    def diagram(self, instance_id, actor, rec=None) -> dict:
        """The case now: elements done/ready/waiting, who holds each ready task and by when, linked cases."""
        rec = rec or self.service.instance(instance_id, actor)
        compiled = self.service.compiled(rec.bundle_hash)
        xml = compiled.bundle.files[f"{compiled.bundle.key}.bpmn"]
        state = element_state(Runner.load(rec.state, compiled, self.service.script_engine), xml)
        holders = [{"element": t.bpmn_id, "task_id": t.task_id, "title": t.title, "groups": t.groups,
                    "assignee": t.assignee, "due_at": t.due_at.isoformat() if t.due_at else None}
                   for t in self.service.ready_tasks(rec.id)]
        throwers = message_throwers(xml)
        links = self.service.links(rec)
        children = [{"id": c.id, "title": c.title, "process_key": c.process_key, "status": c.status,
                     "elements": [e for e in throwers.get(c.process_key, []) if e in state["completed"]]}
                    for c in links["children"]]
        return {**state, "tasks": holders, "children": children,
                "parent": {"id": links["parent"].id, "title": links["parent"].title} if links["parent"] else None}

    def replay(self, instance_id, actor, revealed=False, upto=None, record=True) -> tuple[CaseView, list[StepState]]:
        view = self.case(instance_id, actor, revealed, action=None)
        if not actor.groups & {"auditors", "admins"}:
            raise NotAllowed("auditors only")
        compiled = self.service.compiled(view.rec.bundle_hash)
        raw = self.service.store.events(instance_id)
        states = replay_states(compiled, self.service.calendar.current, raw, upto)
        for s in states:
            s.data = mask(s.data, view.hidden)
        if record:
            self.record(actor, "replay", view.rec, upto=upto)
        return view, states

    def diagram_state(self, instance_id, actor, at: int) -> dict:
        view, states = self.replay(instance_id, actor, upto=at)
        if not states or states[-1].seq != at:
            raise NotFound(f"step {at}")
        return {"seq": at, **states[-1].elements}

    def recheck(self, instance_id, actor, record=True):
        """The re-execution check in numbers: (steps, first diverging StepState or None); `record` False where
        it is part of viewing the case, recorded as that view."""
        view, states = self.replay(instance_id, actor, record=record)
        return len(view.events), first_divergence(states) or _missing(states, view.events)

    # exports --------------------------------------------------------------------------------------
    def export_case(self, instance_id, actor, revealed=False) -> tuple[CaseView, bytes]:
        view = self.case(instance_id, actor, revealed, action="export")
        now = self.service.now()
        compiled = self.service.compiled(view.rec.bundle_hash)
        deadlines = export.deadline_rows(self.service.store.instance_tasks(instance_id), view.events, now)
        data = export.case_workbook(view.rec, compiled, view.events, view.docs, view.chain, deadlines,
                                    actor.name, now, view.hidden)
        return view, data

    def deadlines(self, view: CaseView):
        return export.deadline_rows(self.service.store.instance_tasks(view.rec.id), view.events, self.service.now())

    def export_period(self, actor, query: CaseQuery, filters: dict) -> bytes:
        query.limit, rows, cursor = 500, [], None
        while True:
            found, cursor = self.search(actor, query)
            rows += found
            if not cursor or len(rows) >= 20000:
                break
            query.after = (getattr(found[-1], query.column), found[-1].id)
        self.record(actor, "search_export", None, filters=filters, count=len(rows))
        return export.period_workbook(rows, filters, actor.name, self.service.now())

    def access_log(self, actor, limit=100, before_id=None, instance_id=None):
        if not actor.is_admin:
            raise NotAllowed("admins only")
        return self.store.access_entries(limit, before_id, instance_id)


def _unit(groups) -> str:
    return next((g.removeprefix("dept:") for g in groups if g.startswith("dept:")), "")


def _missing(states, events):
    """Replay stopped early without a mismatch: the step it could not reach."""
    if len(states) < len(events):
        return StepState(events[len(states)].seq, False, error="not re-executed")
    return None

