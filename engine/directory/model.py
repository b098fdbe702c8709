"""The organisation as data: units (with type, parent, group) and their members' roles."""
from __future__ import annotations

from dataclasses import dataclass

UNIT_TYPES = ("department", "township", "vertical", "county", "centre", "bureau", "efficiency_office",
              "review_organ", "leadership", "other")
HANDLING_TYPES = ("department", "township", "vertical", "county")
ROLES = ("handler", "head", "liaison")
# groups that are roles, not units; together with the units' groups they are every group a task may name
FIXED_GROUPS = ("operators", "reviewers", "leaders", "petition_bureau", "supervisors", "review_organ",
                "rereview_organ", "efficiency_office", "designers", "auditors", "admins")


class DirectoryError(ValueError):
    """A directory change that is not allowed; `fields` says which input is wrong."""

    def __init__(self, message: str, fields: dict | None = None):
        super().__init__(message)
        self.fields = fields or {"": message}


class LastMember(DirectoryError):
    """Removing the last active member of a unit that still has open tasks."""

    def __init__(self, unit: str, tasks: list):
        super().__init__(f"{unit}: last active member, {len(tasks)} open task(s)")
        self.unit, self.tasks = unit, tasks


@dataclass
class Unit:
    name: str                      # the unit's name as the forms and diagrams use it, e.g. 住建局
    type: str = "department"
    parent: str | None = None
    group: str = ""                # the task group its members work in; handling units: "dept:<name>"
    active: bool = True

    def __post_init__(self):
        self.group = self.group or default_group(self.name, self.type)


@dataclass
class Member:
    unit: str
    user: str
    role: str = "handler"


def default_group(name: str, type_: str) -> str:
    return f"dept:{name}" if type_ in HANDLING_TYPES or type_ == "other" else f"unit:{name}"
