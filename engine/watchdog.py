"""A time limit for diagram scripts: a watchdog raises ScriptTimeout inside a script that runs too long.

RestrictedPython blocks escapes but not `while True`. The watchdog interrupts Python bytecode; a single
long C call (e.g. `sum(range(10**12))`) is only stopped when it returns to Python."""
from __future__ import annotations

import ctypes
import threading
import time
from contextlib import contextmanager

LIMIT_SECONDS = 2.0


class ScriptTimeout(Exception):
    """A diagram script or expression ran longer than the limit."""


_deadlines: dict[int, float] = {}
_lock = threading.Lock()
_started = False


def _watch():
    while True:
        time.sleep(0.05)
        now = time.monotonic()
        with _lock:
            late = [tid for tid, deadline in _deadlines.items() if deadline < now]
            for tid in late:
                del _deadlines[tid]
        for tid in late:
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(tid), ctypes.py_object(ScriptTimeout))


def _ensure_started():
    global _started
    with _lock:
        if not _started:
            threading.Thread(target=_watch, name="script-watchdog", daemon=True).start()
            _started = True


@contextmanager
def time_limit(seconds: float = LIMIT_SECONDS):
    """Run the body with a deadline for this thread; nested calls keep the outer deadline."""
    _ensure_started()
    tid = threading.get_ident()
    with _lock:
        outer = tid in _deadlines
        if not outer:
            _deadlines[tid] = time.monotonic() + seconds
    try:
        yield
    finally:
        if not outer:
            with _lock:
                _deadlines.pop(tid, None)
