"""The directory's users and units kept in memory between requests (form pickers read them on every show and
check of a dispatch form). Every directory write moves a revision in the shared `counters` table and a count
in the writing store object, so this process sees its own writes at once and another node's within
REVISION_CHECK seconds, as with the holiday table (engine/calendar_service.py). The lists are shared: read
them, never change them."""
from __future__ import annotations

import threading
import time

from ..accounts.token_cache import accounts_changed

REVISION_KEY, REVISION_WINDOW, REVISION_CHECK = "directory:revision", 2**31 - 1, 1.0
DIRECTORY_FIELDS = {"groups", "active", "display_name"}     # what the pickers show of a user


def directory_changed(store) -> None:
    """Called by the stores after a write to users, units or roles (a user's groups may have changed: the
    tokens this process keeps with their users go too)."""
    accounts_changed(store)
    store.directory_writes = getattr(store, "directory_writes", 0) + 1
    store.hit_counter(REVISION_KEY, REVISION_WINDOW)


class DirectorySnapshot:
    """users() and units() of a store, reloaded only when the directory changed; members() read through."""

    def __init__(self, store):
        self.store = store
        self._lock = threading.Lock()
        self._lists, self._seen, self._checked = None, None, 0.0
        self._made = {}           # id(source) -> (lists, source, value): see made_from

    def _current(self):
        now, local = time.monotonic(), getattr(self.store, "directory_writes", 0)
        with self._lock:
            if self._lists is None or local != self._seen[1] or now - self._checked >= REVISION_CHECK:
                revision = self.store.counter(REVISION_KEY, REVISION_WINDOW)      # read before the rows
                if self._lists is None or (revision, local) != self._seen:
                    self._lists = (self.store.users(), self.store.units())
                    self._seen = (revision, local)
                self._checked = now
            return self._lists

    def made_from(self, source, make):
        """make(), kept while the users and units are those it was made from and `source` is the same object:
        e.g. a form with its pickers filled in (engine/directory/forms.py), shown and checked on every dispatch."""
        lists = self._current()
        found = self._made.get(id(source))
        if found is not None and found[0] is lists and found[1] is source:
            return found[2]
        value = make()                       # outside the lock: it reads the lists through _current()
        with self._lock:                     # another thread may be adding its own
            if any(kept[0] is not lists for kept in self._made.values()):
                self._made = {}              # made from lists no longer current
            self._made[id(source)] = (lists, source, value)
        return value

    def users(self):
        return self._current()[0]

    def units(self):
        return self._current()[1]

    def members(self, unit=None, user=None):
        return self.store.members(unit=unit, user=user)
