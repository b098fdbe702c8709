"""Recently stepped workflows (each in its runner, which also knows its ready tasks) kept in this process, so the
next step of a case skips deserializing it.

An entry is valid only for the exact stored row it was saved as: the case's lock version (every write of a
case moves it on), the head of its event chain and its pinned bundle. A step on another process or node
moves the lock version, so a stale entry is never used; it is simply dropped. `take` removes the entry:
the thread that took a workflow owns it for its step and no other thread sees it; `keep` puts a workflow
back only after its step was stored. Bounded (least recently kept go first)."""
from __future__ import annotations

import os
import threading
from collections import OrderedDict

DEFAULT_SIZE = int(os.environ.get("WORKFLOW_CACHE_SIZE", "256"))


class WorkflowCache:
    def __init__(self, size: int = DEFAULT_SIZE):
        self.size = size
        self.hits = self.misses = 0
        self._items: OrderedDict[str, tuple[tuple, object]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _version(rec) -> tuple:
        return rec.lock_version, rec.last_hash, rec.bundle_hash

    def take(self, rec):
        """The workflow cached for exactly this stored version of the case, removed from the cache; or None."""
        with self._lock:
            found = self._items.pop(rec.id, None)
            if found is not None and found[0] == self._version(rec):
                self.hits += 1
                return found[1]
            self.misses += 1
            return None

    def keep(self, rec, workflow) -> None:
        """After `rec` was stored as `workflow`'s state: keep it for the case's next step."""
        if not self.size or rec.status != "running":
            return
        with self._lock:
            self._items[rec.id] = (self._version(rec), workflow)
            self._items.move_to_end(rec.id)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)
