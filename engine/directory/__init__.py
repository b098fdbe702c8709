"""The organisation directory: units, members, roles; unit pickers in forms are filled from it."""
from .directory import Directory
from .model import (FIXED_GROUPS, HANDLING_TYPES, ROLES, UNIT_TYPES, DirectoryError, LastMember, Member,
                    Unit)

__all__ = ["Directory", "DirectoryError", "LastMember", "Member", "Unit", "UNIT_TYPES", "ROLES",
           "HANDLING_TYPES", "FIXED_GROUPS", "group_names"]


def group_names(store) -> list[str]:
    """Every group name known to the directory (for the designer's candidate-group checks)."""
    return Directory(store).group_names()
