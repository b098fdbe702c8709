"""Who sees a confidential caller: the rule (README, "Privacy") written once.

A case is confidential when some task of its diagram masks fields (`maskFields`) on its data, e.g. a
hotline ticket whose caller asked for confidentiality (来电人要求保密). Those personal fields are shown
only to users who handle the case: a group with a task on this case whose own mask leaves them visible
(for a hotline ticket: the operators who registered it and the hotline centre that relays the result).
Everyone else who may open the case, auditors, supervisors and administrators included, sees them masked;
an overseer may reveal them by giving a reason, which goes into the access log."""
from __future__ import annotations

from ..tasks import fields_masked_for


def personal_fields(script_engine, compiled, data: dict) -> set[str]:
    """Every field some task of the diagram would mask on this data (empty: not a confidential case)."""
    found = set()
    for bpmn_id in compiled.user_tasks:
        found |= set(fields_masked_for(script_engine, compiled, bpmn_id, data))
    return found


def hidden_for(actor, task_rows, script_engine, compiled, data: dict) -> set[str]:
    """The fields this actor may not see on this case (before any reveal)."""
    personal = personal_fields(script_engine, compiled, data)
    if not personal:
        return set()
    masks = [set(fields_masked_for(script_engine, compiled, row.bpmn_id, data))
             for row in task_rows if actor.groups & set(row.groups)]
    if not masks:                 # not a handler: overseers and anyone else who may read the case
        return personal
    return set.intersection(*masks)


def may_reveal(actor) -> bool:
    return actor.is_overseer
