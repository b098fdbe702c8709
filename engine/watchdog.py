"""A time limit for diagram scripts: `tick()` checks and a watchdog thread both raise ScriptTimeout.

ScriptTimeout derives from BaseException so `except Exception` in a script cannot swallow it, and the
sandbox calls `tick()` at the top of every loop body, function, lambda and exception handler, so a
script that catches it anyway (bare `except:`) meets it again at once. The watchdog thread raises it
asynchronously as a backstop for pure bytecode; a single long C call cannot be interrupted by either,
which is why the sandbox refuses huge operations before they run (engine/sandbox_limits.py)."""
from __future__ import annotations

import ctypes
import threading
import time
from contextlib import contextmanager

LIMIT_SECONDS = 2.0
YIELD_EVERY = 0.001


class ScriptTimeout(BaseException):
    """A diagram script or expression ran longer than the limit."""


_deadlines: dict[int, float] = {}
_fired: set[int] = set()
_lock = threading.Lock()
_local = threading.local()
_started = False


def _set_async(tid: int, exc) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(tid), ctypes.py_object(exc) if exc else None)


def _watch():
    while True:
        time.sleep(0.05)
        now = time.monotonic()
        with _lock:     # raise under the lock: a thread leaving its time limit clears what is pending
            for tid in [t for t, deadline in _deadlines.items() if deadline < now and t not in _fired]:
                _fired.add(tid)
                _set_async(tid, ScriptTimeout)


def _ensure_started():
    global _started
    with _lock:
        if not _started:
            threading.Thread(target=_watch, name="script-watchdog", daemon=True).start()
            _started = True


def tick() -> None:
    """Raise ScriptTimeout if this thread's script is past its deadline (called by sandboxed code).

    Every millisecond it also lets other threads run: a busy script would otherwise hold the GIL for
    the interpreter's whole switch interval each time a request thread of the server needs it."""
    deadline = getattr(_local, "deadline", None)
    if deadline is None:
        return
    now = time.monotonic()
    if now > deadline:
        raise ScriptTimeout(f"script ran longer than {LIMIT_SECONDS:g} s")
    if now - getattr(_local, "yielded", 0.0) > YIELD_EVERY:
        _local.yielded = now
        time.sleep(0)


@contextmanager
def time_limit(seconds: float = LIMIT_SECONDS):
    """Run the body with a deadline for this thread; nested calls keep the outer deadline."""
    _ensure_started()
    tid = threading.get_ident()
    outer = getattr(_local, "deadline", None) is not None
    if not outer:
        _local.deadline = time.monotonic() + seconds
        with _lock:
            _deadlines[tid] = _local.deadline
    try:
        yield
    finally:
        if not outer:
            try:
                _leave(tid)
            except ScriptTimeout:       # the watchdog's exception arrived during the clean-up itself:
                _leave(tid)             # it is raised once only, so a second clean-up completes


def _leave(tid: int) -> None:
    """Forget this thread's deadline; an exception raised too late must not hit the caller's code."""
    _local.deadline = None
    with _lock:
        _deadlines.pop(tid, None)
        if tid in _fired:
            _fired.discard(tid)
            _set_async(tid, None)
