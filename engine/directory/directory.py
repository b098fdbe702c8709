"""Directory operations: units, members and roles, who can be chosen, and the refusals that keep work staffed."""
from __future__ import annotations

from ..access import HEAD_PREFIX, personal_group
from .snapshot import DirectorySnapshot
from .model import FIXED_GROUPS, HANDLING_TYPES, ROLES, UNIT_TYPES, DirectoryError, LastMember, Member, Unit

HEAD_FALLBACK = ("leaders", "admins")   # who approves for a unit that has no active head, in this order


DISPLAY_NAMES = object()        # the key of the display names made from a snapshot


class Directory:
    """The organisation directory over a store; a member's units give the user the units' groups."""

    def __init__(self, store):
        self.store = store
        self._snapshot = None

    def snapshot(self) -> DirectorySnapshot:
        """The users and units as pickers read them: kept in memory until the directory changes."""
        if self._snapshot is None:
            self._snapshot = DirectorySnapshot(self.store)
        return self._snapshot

    # reading -------------------------------------------------------------------------------------
    def display_names(self) -> dict[str, str]:
        """{user name: the name people know them by}, made once until the directory changes."""
        snapshot = self.snapshot()
        return snapshot.made_from(DISPLAY_NAMES, lambda: {u.name: u.display_name or u.name for u in snapshot.users()})

    def units(self, types=None) -> list[Unit]:
        return [u for u in self.store.units() if types is None or u.type in types]

    def unit(self, name: str) -> Unit | None:
        return next((u for u in self.store.units() if u.name == name), None)

    def staffed_groups(self) -> set[str]:
        """Groups at least one active user is in (personal groups included): only these can receive work."""
        return {g for user in self.store.users() if user.active for g in [*user.groups, personal_group(user.name)]}

    def heads_of(self, unit_name: str) -> list[str]:
        """Active users recorded as the unit's head (负责人)."""
        active = {u.name for u in self.store.users() if u.active}
        return sorted(m.user for m in self.store.members(unit=unit_name) if m.role == "head" and m.user in active)

    def resolve_groups(self, groups) -> list[str]:
        """Task groups with each `head:<unit>` replaced by the personal groups of the unit's active heads; a unit
        without one passes to its parent's head, then to the leaders (领导), then to the admins: never to a
        group nobody is in. Other groups are kept as they are."""
        if not any(g.startswith(HEAD_PREFIX) for g in groups):
            return list(groups)
        found = []
        for group in groups:
            found += self._head_groups(group[len(HEAD_PREFIX):]) if group.startswith(HEAD_PREFIX) else [group]
        return sorted(set(found))

    def _head_groups(self, unit_name: str) -> list[str]:
        seen, unit = set(), self.unit(unit_name)
        while unit is not None and unit.name not in seen:
            seen.add(unit.name)
            heads = self.heads_of(unit.name)
            if heads:
                return [personal_group(h) for h in heads]
            unit = self.unit(unit.parent) if unit.parent else None
        staffed = self.staffed_groups()
        return [next((g for g in HEAD_FALLBACK if g in staffed), HEAD_FALLBACK[-1])]

    def choosable(self, types=None) -> list[Unit]:
        """Units a form may offer: active, of the given types, with at least one active member."""
        staffed = self.staffed_groups()
        return [u for u in self.units(types or HANDLING_TYPES) if u.active and u.group in staffed]

    def people(self, types=None, roles=None) -> list:
        """Active users who belong to a unit of the given types (a person picker: the duty leader). With `roles`
        (e.g. ["head"]) only those holding one of them in such a unit, and every member of a leadership unit
        (领导班子, type "leadership"): the leaders a reception rota may name, not each unit's clerks."""
        units = [u for u in self.units(types) if u.active]
        groups = {u.group for u in units}
        users = [u for u in self.store.users() if u.active and groups & set(u.groups)]
        if roles is None:
            return users
        by_group = {u.group: u for u in units}
        held = {(m.unit, m.user) for m in self.store.members() if m.role in roles}
        return [user for user in users if any(
            unit is not None and (unit.type == "leadership" or (unit.name, user.name) in held)
            for unit in map(by_group.get, user.groups))]

    def members_of(self, unit: Unit) -> list[tuple]:
        """[(user, role)] of the users in the unit's group; the role from the directory, else handler."""
        return self.members_of_units([unit])[0]

    def members_of_units(self, units: list[Unit]) -> list[list[tuple]]:
        """members_of for each of a page of units, in user name order, from the users kept in memory (the
        snapshot: no read of every user per page)."""
        roles = {(m.unit, m.user): m.role for u in units for m in self.store.members(unit=u.name)}
        found = [[] for _ in units]
        for user in self.snapshot().users():
            for i, unit in enumerate(units):
                if unit.group in user.groups:
                    found[i].append((user, roles.get((unit.name, user.name), "handler")))
        return found

    def group_members(self, group: str) -> list[str]:
        return [u.name for u in self.store.users() if u.active and group in u.groups]

    def group_names(self) -> list[str]:
        """Every group a task may name: fixed role groups and each unit's group (for the designer's checks)."""
        return sorted(set(FIXED_GROUPS) | {u.group for u in self.store.units()})

    def is_head(self, user: str, groups) -> bool:
        """True when `user` is the head (负责人) of a unit whose group is among `groups`."""
        by_name = {u.name: u.group for u in self.store.units()}
        return any(m.role == "head" and by_name.get(m.unit) in set(groups) for m in self.store.members(user=user))

    def unit_of_group(self, group: str) -> Unit | None:
        return next((u for u in self.store.units() if u.group == group), None)

    def label(self, group: str) -> str | None:
        unit = self.unit_of_group(group)
        return unit.name if unit else None

    # changing ------------------------------------------------------------------------------------
    def add_unit(self, name: str, type_: str, parent: str | None = None, group: str = "") -> Unit:
        name = (name or "").strip()
        if not name or len(name) > 100:
            raise DirectoryError("unit name required (at most 100 characters)", {"name": "required"})
        if type_ not in UNIT_TYPES:
            raise DirectoryError(f"unknown unit type {type_}", {"type": "unknown"})
        if parent and self.unit(parent) is None:
            raise DirectoryError(f"unknown parent unit {parent}", {"parent": "unknown"})
        existing = self.unit(name)
        unit = Unit(name, type_, parent or None, group or (existing.group if existing else ""))
        self.store.put_unit(unit)
        return unit

    def add_member(self, unit_name: str, user_name: str, role: str = "handler") -> Member:
        unit, user = self.unit(unit_name), self.store.get_user(user_name)
        if unit is None or user is None:
            raise DirectoryError("unknown unit or user", {"unit" if unit is None else "user": "unknown"})
        if role not in ROLES:
            raise DirectoryError(f"unknown role {role}", {"role": "unknown"})
        member = Member(unit.name, user.name, role)
        self.store.put_member(member)
        if unit.group not in user.groups:
            user.groups = sorted({*user.groups, unit.group})
            self.store.add_user(user)
        return member

    def remove_member(self, unit_name: str, user_name: str, force: bool = False) -> None:
        """Take a user out of a unit; refused (LastMember) when that leaves open tasks with nobody."""
        unit, user = self.unit(unit_name), self.store.get_user(user_name)
        if unit is None or user is None:
            raise DirectoryError("unknown unit or user")
        if not self.store.members(unit=unit.name, user=user.name):
            raise DirectoryError(f"{user.name} is not a member of {unit.name}", {"user": "not a member"})
        if not force:
            self._check_not_last(unit, user.name)
        self.store.delete_member(unit.name, user.name)
        user.groups = [g for g in user.groups if g != unit.group]
        self.store.add_user(user)

    def set_user_active(self, user_name: str, active: bool, force: bool = False) -> None:
        user = self.store.get_user(user_name)
        if user is None:
            raise DirectoryError("unknown user", {"user": "unknown"})
        if not active and "admins" in user.groups and not any(
                u.active and "admins" in u.groups for u in self.store.users() if u.name != user.name):
            raise DirectoryError("the last active administrator cannot be deactivated", {"user": "last admin"})
        if not active and not force:
            for group in user.groups:
                unit = self.unit_of_group(group)
                if unit is not None:
                    self._check_not_last(unit, user.name)
            personal = self.store.ready_tasks([personal_group(user.name)])
            if personal:                     # tasks given to this person by name (e.g. a named 督查专员)
                raise LastMember(user.name, personal)
        user.active = active
        self.store.add_user(user)

    def _check_not_last(self, unit: Unit, leaving: str) -> None:
        others = [n for n in self.group_members(unit.group) if n != leaving]
        if others:
            return
        tasks = self.store.ready_tasks([unit.group])
        if tasks:
            raise LastMember(unit.name, tasks)

    def orphan_tasks(self, limit: int = 200) -> list:
        """Open tasks that no active user can do: every group empty and no holder."""
        return self.store.ready_tasks_unstaffed(self.staffed_groups(), limit)
