"""Diagram scripts run sandboxed: no imports, no dunders, no open/eval/exec; host functions work."""
from __future__ import annotations

import datetime as dt

import pytest

from engine.scripting import compile_sandboxed, make_script_engine
from engine.workcal import WorkCalendar

NOW = dt.datetime(2026, 11, 23, 1, 30, tzinfo=dt.timezone.utc)


@pytest.fixture
def env():
    return make_script_engine(lambda: NOW, lambda: WorkCalendar()).environment


@pytest.mark.parametrize("src", [
    "import os", "from os import path", "x = __import__('os')", "x = open('/etc/passwd')",
    "x = ().__class__", "x = getattr(1, '__class__')", "x = '{0.__class__}'.format(1)",
    "x = eval('1')", "exec('x = 1')", "x = type(1).__subclasses__()", "x = globals()",
])
def test_escapes_are_blocked(env, src):
    with pytest.raises(Exception):
        env.execute(src, {})


def test_host_functions_and_plain_python(env):
    ctx = {"items": [1, 2, 3], "tmp": 0}
    env.execute("total = sum(i * 2 for i in items)\ndel tmp\nd = today()\n"
                "due = working_days_after('2026-11-20', 2)\nt = end_of_day(due)\nr = at_time(due, '9:05')", ctx)
    assert ctx == {"items": [1, 2, 3], "total": 12, "d": "2026-11-23", "due": "2026-11-24",
                   "t": "2026-11-24T23:59:59+08:00", "r": "2026-11-24T09:05:00+08:00"}
    assert env.evaluate("now()", {}) == "2026-11-23T09:30:00+08:00"
    assert env.evaluate("working_days_before(d, 1)", {"d": "2026-11-23"}) == "2026-11-20"


GUARD_SWAPS = [   # (script that compiles, what the data puts in place of a guard to let it through)
    ("x = '{0.__class__}'.format(1)", {"_getattr_": getattr}),          # str.format is refused by _getattr_
    ("x = open('/etc/hostname')", {"__builtins__": __builtins__}),      # open is not among the safe builtins
]


@pytest.mark.parametrize("src, swap", GUARD_SWAPS)
def test_data_cannot_replace_the_guards(env, src, swap):
    compile_sandboxed(src, "exec")                   # the script itself passes the compile-time checks
    ctx = {"note": "ok", **swap}
    with pytest.raises(Exception) as refused:
        env.execute(src, ctx)
    assert not isinstance(refused.value, SyntaxError) and "x" not in ctx
    with pytest.raises(Exception):
        env.evaluate(src.removeprefix("x = "), dict(swap))


def test_a_guarded_script_still_runs_normally(env):
    ctx = {"d": {"k": "v"}, "_getattr_": lambda obj, name: "replaced"}
    env.execute("y = d.get('k')", ctx)
    assert ctx["y"] == "v"


def test_a_script_that_never_ends_is_stopped(env):
    import time
    from engine.watchdog import ScriptTimeout
    started = time.monotonic()
    with pytest.raises(ScriptTimeout):
        env.execute("n = 0\nwhile True:\n    n += 1", {})
    assert time.monotonic() - started < 5
    ctx = {}
    env.execute("x = sum(i for i in range(1000))", ctx)     # ordinary scripts are unaffected
    assert ctx["x"] == 499500
