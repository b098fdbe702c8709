"""Throttling counters kept in the store, so every app node sees the same numbers.

Failed logins are written through at once (they are rare and matter). Ordinary API requests are
counted in process and added to the shared counter every second or every 20 requests, so a node
sees the others' requests at most a second late and a request does not cost a database write."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    hits: int          # allowed per window; 0 = no limit
    seconds: int       # window length


FAILED_LOGINS_PER_ADDRESS = Limit(20, 900)
FAILED_LOGINS_PER_ACCOUNT = Limit(5, 900)
API_PER_ACCOUNT = Limit(600, 60)
API_PER_ADDRESS = Limit(1200, 60)
FLUSH_SECONDS, FLUSH_HITS = 1.0, 20


class Throttle:
    def __init__(self, store, clock=time.time):
        self.store, self.clock = store, clock
        self._lock = threading.Lock()
        self._pending: dict[tuple[str, int], list] = {}   # (key, window) -> [unflushed, shared total, flushed at]

    def _window(self, limit: Limit) -> int:
        return int(self.clock() // limit.seconds)

    def exceeded(self, key: str, limit: Limit) -> bool:
        """Whether `key` used up its failures in the current window (read without counting)."""
        return bool(limit.hits) and self.store.counter(key, self._window(limit)) >= limit.hits

    def fail(self, key: str, limit: Limit) -> None:
        window = self._window(limit)
        self.store.hit_counter(key, window, 1)
        if not window % 16:
            self.store.prune_counters(window - 2)

    def allow(self, key: str, limit: Limit) -> bool:
        """Count one request; False once the window's requests (all nodes) exceed the limit."""
        if not limit.hits:
            return True
        window, now = self._window(limit), time.monotonic()
        with self._lock:
            entry = self._pending.setdefault((key, window), [0, 0, now])
            entry[0] += 1
            due = entry[0] >= FLUSH_HITS or now - entry[2] >= FLUSH_SECONDS
            unflushed = entry[0]
            if due:
                entry[0], entry[2] = 0, now
            if len(self._pending) > 10_000:
                self._pending = {k: v for k, v in self._pending.items() if k[1] >= window}
        if due:
            total = self.store.hit_counter(f"api:{key}", window, unflushed)
            with self._lock:
                entry[1] = total
            return total <= limit.hits
        return entry[1] + unflushed <= limit.hits
