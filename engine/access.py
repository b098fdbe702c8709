"""Who may do what: groups decide which tasks a user works on and which cases a user sees."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

OVERSEERS = frozenset({"auditors", "admins", "supervisors"})   # read every case
DESIGNERS = frozenset({"designers", "admins"})


class NotAllowed(Exception):
    pass


@dataclass(frozen=True)
class Actor:
    name: str
    groups: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, name: str, groups) -> "Actor":
        """A user with the groups given and the user's own personal group (`user:<name>`)."""
        return cls(name, frozenset(groups) | {personal_group(name)})

    @property
    def is_overseer(self) -> bool:
        return bool(self.groups & OVERSEERS)

    @property
    def is_designer(self) -> bool:
        return bool(self.groups & DESIGNERS)

    @property
    def is_admin(self) -> bool:
        return "admins" in self.groups

    @property
    def only_auditor(self) -> bool:
        """An auditor and nothing else (his personal group aside): reads cases, writes nothing on them."""
        return "auditors" in self.groups and all(g == "auditors" or g.startswith(PERSONAL_PREFIX) for g in self.groups)



SYSTEM = Actor("system", frozenset({"admins"}))

# Personal candidates --------------------------------------------------------------------------------
# A task may be given to one named person: its candidate group is `user:<username>` (e.g. the 督查专员 a
# supervision plan names). Every actor is in his own personal group, so the inbox, the access checks and the
# notifications need nothing else. `head:<unit>` names the head (负责人) of a directory unit; the service
# resolves it to the heads' personal groups when it writes the task rows (engine.directory.resolve_groups).
PERSONAL_PREFIX = "user:"
HEAD_PREFIX = "head:"


def personal_group(user_name: str) -> str:
    return PERSONAL_PREFIX + user_name


def is_personal(groups) -> bool:
    """True when a task is given to named people only (its hand-over and reassignment go to a person too)."""
    return bool(groups) and all(g.startswith(PERSONAL_PREFIX) for g in groups)


def as_groups(value) -> set[str]:
    if value is None:
        return set()
    if isinstance(value, str):
        return {value}
    return {str(v) for v in value}


def start_groups_of(compiled, script_engine) -> set[str]:
    """Groups named by the start event's `startGroups` property (an expression)."""
    props = compiled.spec.task_specs[_start_id(compiled.spec)].extensions.get("properties", {})
    expression = props.get("startGroups")
    if not expression:
        return set()
    try:
        return as_groups(script_engine.environment.evaluate(expression, {}))
    except Exception as exc:  # a broken or hostile expression: nobody but admins may start, nothing fails
        log.warning("startGroups %r failed: %s", expression, exc)
        return set()


def start_property(compiled, name: str) -> str | None:
    return compiled.spec.task_specs[_start_id(compiled.spec)].extensions.get("properties", {}).get(name)


def _start_id(spec) -> str:
    start = spec.task_specs["Start"]
    return start.outputs[0].name


def can_work_on(actor: Actor, task_groups, excluded=()) -> bool:
    """In one of the task's groups and not among the users the task excludes (`excludedUsers`)."""
    return bool(actor.groups & set(task_groups)) and actor.name not in set(excluded)


def can_see_instance(actor: Actor, instance_groups: set[str]) -> bool:
    return actor.is_overseer or bool(actor.groups & instance_groups)
