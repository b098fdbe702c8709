"""Sandboxed script engine for diagram scripts, conditions, timers and DMN cells, plus host functions."""
from __future__ import annotations

import builtins
import datetime as dt
import re
from functools import lru_cache
from typing import Callable

from RestrictedPython import compile_restricted_eval, compile_restricted_exec, safe_builtins
from RestrictedPython.Eval import default_guarded_getitem
from RestrictedPython.Guards import (full_write_guard, guarded_iter_unpack_sequence,
                                     guarded_unpack_sequence, safer_getattr)
from SpiffWorkflow.bpmn.script_engine import BasePythonScriptEngineEnvironment, PythonScriptEngine

from . import limits
from ..case_data import DataProblem, check_plain
from ..clock import CHINA
from .watchdog import LIMIT_SECONDS, ScriptOverMemory, ScriptTimeout, time_limit
from ..reception.dates import reception_days
from ..workcal import WorkCalendar, parse_day

_EXTRA = ("min", "max", "sum", "sorted", "any", "all", "enumerate", "zip", "list", "dict",
          "tuple", "set", "map", "filter", "reversed")
_UNCATCHABLE = ("BaseException", "SystemExit", "KeyboardInterrupt", "GeneratorExit")


def _guarded_getattr(obj, name, default=None):
    return limits.guard_method(obj, name, safer_getattr(obj, name, default))


GUARDS = {
    "__builtins__": {**{k: v for k, v in safe_builtins.items() if k not in _UNCATCHABLE},
                     **{n: getattr(builtins, n) for n in _EXTRA},
                     "pow": limits.checked_pow, "range": limits.limited_range},
    "_getattr_": _guarded_getattr, "_getitem_": default_guarded_getitem,
    "_write_": full_write_guard,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    **limits.GUARDS,
}


class ScriptTooSlow(Exception):
    """A script hit the time limit (re-raised outside the sandbox as an ordinary error)."""


class ScriptValueError(Exception):
    """A script left a value in the case data that cannot be stored (a generator, a function...)."""


@lru_cache(maxsize=4096)
def compile_sandboxed(src: str, mode: str):
    """Compile under RestrictedPython; a rejected construct raises SyntaxError with its line."""
    compile_ = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    res = compile_(src, policy=limits.LimitingTransformer)
    if res.errors:
        line = int((re.match(r"Line (\d+)", res.errors[0]) or [0, 1])[1])
        raise SyntaxError("; ".join(res.errors), ("<script>", line, 0, ""))
    return res.code


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    """Scripts see the task data, the host functions and the guards; nothing else."""

    def _scope(self, context, external_context):
        return {**self.globals, **(external_context or {}), **context, **GUARDS}

    def evaluate(self, expression, context, external_context=None):
        code = compile_sandboxed(expression.strip(), "eval")
        return _run(eval, code, self._scope(context, external_context))

    def execute(self, script, context, external_context=None):
        scope = self._scope(context, external_context)
        code = compile_sandboxed(script, "exec")
        _run(exec, code, scope)
        hidden = set(GUARDS) | set(self.globals) | set(external_context or {})
        for key in [k for k in context if k not in scope]:
            del context[key]
        kept = {k: v for k, v in scope.items() if k not in hidden and not callable(v)}
        for key, value in kept.items():
            check_storable(key, value)
        context.update(kept)
        return True


def _run(run, code, scope):
    try:
        with time_limit():
            return run(code, scope)
    except ScriptOverMemory as exc:
        raise ScriptValueError(f"script stopped: {exc}") from exc
    except ScriptTimeout as exc:
        raise ScriptTooSlow(f"script stopped: it ran longer than {LIMIT_SECONDS:g} s") from exc
    except RecursionError as exc:
        raise ScriptValueError("script stopped: recursion too deep") from exc


def check_storable(name: str, value) -> None:
    """A script may leave only plain data in the case (no generator, function, deep nesting...)."""
    try:
        check_plain(name, value)
    except DataProblem as exc:
        raise ScriptValueError(f"script left '{name}' that cannot be stored: {exc.message}") from exc


def host_functions(now: Callable[[], dt.datetime], calendar: Callable[[], WorkCalendar]) -> dict:
    """The functions a diagram may call; `now` and `calendar` are read at call time."""
    def local_now():
        return now().astimezone(CHINA)

    return {
        "today": lambda: local_now().date().isoformat(),
        "now": lambda: local_now().isoformat(timespec="seconds"),
        "working_days_after": lambda day, n: calendar().working_days_after(day, int(n)).isoformat(),
        "working_days_before": lambda day, n: calendar().working_days_after(day, -int(n)).isoformat(),
        "calendar_days_after": lambda day, n: (parse_day(day) + dt.timedelta(days=int(n))).isoformat(),
        "calendar_deadline": lambda day, n: calendar().calendar_deadline(day, int(n)).isoformat(),
        "next_workday": lambda day: calendar().next_workday(day).isoformat(),
        "days_after": lambda day, n, kind: _days_after(calendar(), day, int(n), kind),
        "is_workday": lambda day: calendar().is_workday(day),
        "nth_weekday_of_month": _nth_weekday_of_month,
        "reception_days": lambda month, weekday, which_week, workdays_only, holiday_rule: reception_days(
            calendar(), month, weekday, which_week, workdays_only, holiday_rule),
        "end_of_day": lambda day: f"{parse_day(day).isoformat()}T23:59:59+08:00",
        "at_time": lambda day, hhmm: f"{parse_day(day).isoformat()}T{_hhmm(hhmm)}:00+08:00",
    }


def _days_after(cal: WorkCalendar, day, n: int, kind: str) -> str:
    """`kind` "WD" counts working days, "CD" calendar days (the statutes' 日 default to CD). A period of
    calendar days whose last day is a rest day or holiday ends on the next working day (make-up workdays
    count as working days); n <= 0 (same day, reminders counted back) is plain arithmetic."""
    if kind == "WD":
        return cal.working_days_after(day, n).isoformat()
    if kind == "CD":
        return cal.calendar_deadline(day, n).isoformat()
    raise ValueError(f"day kind must be WD or CD, not {kind!r}")


def _nth_weekday_of_month(year, month, weekday, n) -> str:
    """The n-th (1-based; -1 = last) given weekday (0 = Monday) of a month, as YYYY-MM-DD."""
    first = dt.date(int(year), int(month), 1)
    days = [first + dt.timedelta(days=i) for i in range(31)
            if (first + dt.timedelta(days=i)).month == first.month]
    matches = [d for d in days if d.weekday() == int(weekday)]
    if int(n) == 0:
        raise ValueError("nth_weekday_of_month: n counts from 1 (the first) or from -1 (the last), not 0")
    return matches[int(n) - 1 if int(n) > 0 else int(n)].isoformat()


def _hhmm(value: str) -> str:
    hours, minutes = str(value).split(":")[:2]
    return f"{int(hours):02d}:{int(minutes):02d}"


def make_script_engine(now, calendar) -> PythonScriptEngine:
    return PythonScriptEngine(environment=SandboxEnvironment(host_functions(now, calendar)))


def evaluate(engine: PythonScriptEngine, expression: str, data: dict):
    """Evaluate a designer's expression (task property) against task data in the sandbox."""
    return engine.environment.evaluate(expression, dict(data))
