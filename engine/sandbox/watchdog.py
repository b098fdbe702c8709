"""Time and memory limits for diagram scripts: `tick()` checks and a watchdog thread raise ScriptTimeout.

ScriptTimeout derives from BaseException so `except Exception` in a script cannot swallow it, and the
sandbox calls `tick()` at the top of every loop body, function, lambda and exception handler, so a
script that catches it anyway (bare `except:`) meets it again at once. The watchdog thread raises it
asynchronously as a backstop for pure bytecode; a single long C call cannot be interrupted by either,
which is why the sandbox refuses huge operations before they run (engine/sandbox/limits.py). Every
millisecond `tick()` also compares the process's resident memory with what it was when the script
started (its first check, a millisecond in): many operations that are each small (copying a list in a loop) are
stopped at MEMORY_LIMIT."""
from __future__ import annotations

import ctypes
import os
import threading
import time
from contextlib import contextmanager

LIMIT_SECONDS = 2.0
YIELD_EVERY = 0.001
MEMORY_LIMIT = int(os.environ.get("SCRIPT_MEMORY_MB") or 256) * 2 ** 20   # growth of the process during a script
_PAGE = os.sysconf("SC_PAGE_SIZE")


class ScriptTimeout(BaseException):
    """A diagram script or expression ran longer than the limit."""


class ScriptOverMemory(ScriptTimeout):
    """A diagram script made the process grow by more than MEMORY_LIMIT (e.g. copying a list in a loop)."""


def resident_bytes() -> int:
    """The process's resident memory now (Linux /proc; 0 where it cannot be read)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


_deadlines: dict[int, float] = {}
_fired: set[int] = set()
_lock = threading.Lock()
_local = threading.local()
_started = False


def _set_async(tid: int, exc) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(tid), ctypes.py_object(exc) if exc else None)


def _watch():
    """Every 50 ms, raise ScriptTimeout in each thread past its deadline, again and again until it leaves its time
    limit: one raised where nothing can propagate it is lost (e.g. inside a garbage-collector callback), and a
    script that recurses at the interpreter's depth limit cannot even call `tick()` to meet it there."""
    while True:
        time.sleep(0.05)
        now = time.monotonic()
        with _lock:     # raise under the lock: a thread leaving its time limit clears what is pending
            for tid in [t for t, deadline in _deadlines.items() if deadline < now]:
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
    if now - _local.yielded > YIELD_EVERY:
        _local.yielded = now
        if _local.baseline is None:          # the script's first millisecond is over: from here on it is watched
            _local.baseline = resident_bytes()
        elif resident_bytes() - _local.baseline > MEMORY_LIMIT:
            raise ScriptOverMemory(f"script used more than {MEMORY_LIMIT // 2 ** 20} MB")
        time.sleep(0)


@contextmanager
def time_limit(seconds: float = LIMIT_SECONDS):
    """Run the body with a deadline for this thread; nested calls keep the outer deadline."""
    _ensure_started()
    tid = threading.get_ident()
    outer = getattr(_local, "deadline", None) is not None
    if not outer:
        # the memory baseline is taken at the script's first check, a millisecond in: most expressions end
        # sooner and never read /proc (huge single operations are refused before they run: limits.py)
        _local.baseline, _local.yielded = None, time.monotonic()
        _local.deadline = _local.yielded + seconds
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
