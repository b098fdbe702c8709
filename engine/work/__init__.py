"""Staff work on cases beyond completing a form: claim, hand over, return, comment, attach, cancel, start."""
from .actions import StaffWork, TaskTaken

__all__ = ["StaffWork", "TaskTaken"]
