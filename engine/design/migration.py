"""Impact of a new version on running cases, and moving chosen cases onto it when every task they stand on exists."""
from __future__ import annotations

import json

from .. import history
from ..access import Actor, NotAllowed
from ..runtime import Runner
from ..store import Conflict, NotFound


def impact(service, key: str) -> list[dict]:
    """Per version with running cases: how many, and at which tasks (from the worklist table)."""
    current, compiled = service.current(key)
    summary = service.store.running_summary(key)
    versions = {d.version: d for d in service.store.deployments(key)}
    result = []
    for version in sorted(summary, reverse=True):
        old = service.compiled(versions[version].bundle_hash) if version in versions else None
        tasks = [{"bpmn_id": t, "name": old.user_tasks[t].name if old and t in old.user_tasks else t, "count": n,
                  "in_current": t in compiled.user_tasks} for t, n in sorted(summary[version]["tasks"].items())]
        result.append({"version": version, "deployment": versions.get(version), "cases": summary[version]["cases"],
                       "tasks": tasks, "is_current": version == current.version})
    return result


def _spec_names(compiled) -> set[str]:
    return {n for s in [compiled.spec, *compiled.subprocess_specs.values()] for n in s.task_specs}


def _state_spec_names(state: str) -> set[str]:
    dct = json.loads(state)
    names = {t["task_spec"] for t in dct.get("tasks", {}).values()}
    for sub in dct.get("subprocesses", {}).values():
        names |= {t["task_spec"] for t in sub.get("tasks", {}).values()}
    return names


def why_not(service, rec, compiled, states=("running",)) -> tuple[str, str] | None:
    """(Chinese, English) reason a case cannot move to `compiled`; None when it can. `states`: the case
    statuses the move applies to (a designer's migration: running; an admin's repair: error)."""
    if rec.status not in states:
        return "案件已不在办理中。", "The case is no longer running."
    missing = sorted(_state_spec_names(rec.state) - _spec_names(compiled))
    ready = [r.bpmn_id for r in service.store.instance_tasks(rec.id, ready_only=True)]
    missing += [t for t in ready if t not in compiled.user_tasks and t not in missing]
    if missing:
        old = service.compiled(rec.bundle_hash)
        names = "、".join(_label(old, n) for n in missing[:8])
        return (f"新版本中没有该案件用到的环节：{names}。只有案件所在的每个环节在新版本中都存在时才能迁移。",
                f"The new version lacks elements this case uses: {names}. A case moves only when every task "
                "of its state exists in the new version.")
    try:
        Runner.load(rec.state, compiled, service.script_engine)
    except Exception as exc:  # any failure to rebuild the case on the new diagram refuses the move
        return f"案件无法在新版本上恢复：{exc}", f"The case cannot be restored on the new version: {exc}"
    return None


def _label(compiled, name: str) -> str:
    for spec in [compiled.spec, *compiled.subprocess_specs.values()]:
        if name in spec.task_specs:
            ts = spec.task_specs[name]
            return f"{getattr(ts, 'bpmn_name', None) or name}（{getattr(ts, 'bpmn_id', None) or name}）"
    return name


def migrate(service, key: str, instance_ids: list[str], actor: Actor, reason: str) -> list[dict]:
    """Move each chosen case to the current version, or say why not; each move is an event (who, why)."""
    if not actor.is_designer:
        raise NotAllowed("designers and admins only")
    if not (reason or "").strip():
        raise ValueError("reason required")
    dep, compiled = service.current(key)
    results = []
    for instance_id in instance_ids:
        try:
            rec = service.store.get_instance(instance_id)
        except NotFound:
            results.append(_result(instance_id, "", "没有这个案件。", "No such case."))
            continue
        refused = ("案件不属于这个流程。", "The case is not of this process.") if rec.process_key != key else \
            ("案件已在当前版本上。", "The case already runs on the current version.") \
            if rec.bundle_hash == dep.bundle_hash else why_not(service, rec, compiled)
        if refused is None:
            try:
                move(service, rec, dep, compiled, actor, reason.strip())
            except Conflict:
                refused = ("案件刚被他人办理，请刷新后重试。", "Someone changed the case meanwhile; reload and retry.")
        results.append(_result(rec.id, rec.title, *(refused or (None, None))))
    return results


def _result(instance_id, title, zh, en) -> dict:
    return {"id": instance_id, "title": title, "ok": zh is None, "reason": zh, "reason_en": en}


def move(service, rec, dep, compiled, actor: Actor, reason: str) -> None:
    """Re-pin `rec` on deployment `dep` (its diagram `compiled`): a `migrated` event says who, why, from and to."""
    runner = Runner.load(rec.state, compiled, service.script_engine)
    runner.repredict()
    moved = {"from_version": rec.version, "to_version": dep.version, "from_bundle": rec.bundle_hash,
             "to_bundle": dep.bundle_hash, "reason": reason}
    rec.version, rec.bundle_hash = dep.version, dep.bundle_hash
    step = service._snapshot(rec, runner, compiled)
    event = history.new_event(rec.id, rec.last_seq, rec.last_hash, service.now(), "migrated", actor.name,
                              data=moved, result=step.result)
    rec.last_seq, rec.last_hash = event.seq, event.hash
    service.store.repin_instance(rec, step.rows, [event])
