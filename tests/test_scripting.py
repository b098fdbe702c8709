"""The host functions a diagram may call and the sandbox's rules for what a script leaves behind."""
from __future__ import annotations

import datetime as dt

import pytest

from engine.sandbox.scripting import ScriptValueError, compile_sandboxed, make_script_engine
from engine.workcal import WorkCalendar

LATE_EVENING_UTC = dt.datetime(2026, 11, 22, 20, 0, tzinfo=dt.timezone.utc)     # already the 23rd in China


@pytest.fixture
def env():
    return make_script_engine(lambda: LATE_EVENING_UTC, lambda: WorkCalendar()).environment


@pytest.mark.parametrize("expression, value", [
    ("today()", "2026-11-23"),
    ("now()", "2026-11-23T04:00:00+08:00"),
    ("calendar_days_after('2026-11-20', 3)", "2026-11-23"),
    ("calendar_deadline('2026-11-18', 3)", "2026-11-23"),            # ends on a Saturday: the next working day
    ("next_workday('2026-11-21')", "2026-11-23"),
    ("is_workday('2026-11-21')", False), ("is_workday('2026-11-20')", True),
    ("working_days_after('2026-11-20', '2')", "2026-11-24"),
    ("working_days_before('2026-11-23', '1')", "2026-11-20"),
    ("days_after('2026-11-20', 1, 'WD')", "2026-11-23"),
    ("days_after('2026-11-18', 3, 'CD')", "2026-11-23"),
    ("nth_weekday_of_month(2026, 11, 0, 1)", "2026-11-02"),
    ("nth_weekday_of_month('2026', '11', '6', '2')", "2026-11-08"),
    ("nth_weekday_of_month(2026, 11, 0, -1)", "2026-11-30"),
    ("nth_weekday_of_month(2026, 12, 3, -1)", "2026-12-31"),          # the 31st counts
    ("at_time('2026-11-24', '18:30:15')", "2026-11-24T18:30:00+08:00"),
    ("end_of_day('2026-11-24')", "2026-11-24T23:59:59+08:00"),
])
def test_host_functions(env, expression, value):
    assert env.evaluate(expression, {}) == value


def test_the_zeroth_weekday_of_a_month_is_an_error(env):
    """n counts from 1 or from -1: 0 names no weekday (it used to give the first one, silently)."""
    with pytest.raises(ValueError, match="n counts from 1"):
        env.evaluate("nth_weekday_of_month(2026, 11, 0, 0)", {})


def test_an_unknown_day_kind_is_an_error_naming_it(env):
    with pytest.raises(ValueError, match="day kind must be WD or CD, not 'XD'"):
        env.evaluate("days_after('2026-11-20', 1, 'XD')", {})


def test_a_refused_construct_names_its_line():
    with pytest.raises(SyntaxError) as refused:
        compile_sandboxed("x = 1\ny = 2\n_z = 3", "exec")
    assert refused.value.lineno == 3 and refused.value.msg.startswith("Line 3: ")


def test_a_script_keeps_plain_values_only_and_not_the_host_names(env):
    ctx = {"a": 1, "gone": 2}
    env.execute("f = lambda: 1\nb = a + ext\ndel gone", ctx, {"ext": 5})
    assert ctx == {"a": 1, "b": 6}


def test_a_value_that_cannot_be_stored_is_refused_by_name(env):
    ctx = {"a": 1}
    with pytest.raises(ScriptValueError, match="script left 'g' that cannot be stored: a generator"):
        env.execute("g = (i for i in [1])", ctx)
    assert ctx == {"a": 1}


def test_a_stopped_script_says_why(env):
    from engine.sandbox.scripting import ScriptTooSlow
    with pytest.raises(ScriptValueError, match="^script stopped: recursion too deep$"):
        env.execute("def f(n):\n    return f(n + 1)\nx = f(0)", {})
    with pytest.raises(ScriptTooSlow, match="^script stopped: it ran longer than 2 s$"):
        env.evaluate("[0 for a in range(10**6) for b in range(10**6)]", {})


def test_a_script_that_eats_memory_says_so(env):
    from engine.sandbox.watchdog import MEMORY_LIMIT
    limit = f"^script stopped: script used more than {MEMORY_LIMIT // 2 ** 20} MB$"
    with pytest.raises(ScriptValueError, match=limit):
        env.execute("a = [0] * 1000000\nx = [a[:] for i in range(100000)]", {})


def test_a_script_task_runs_in_the_sandbox_and_completes(env):
    """Spiff marks a script task in ERROR unless the environment reports that the script ran."""
    from lxml import etree
    from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser
    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
    from SpiffWorkflow.util.task import TaskState
    xml = ('<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">'
           '<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s" />'
           '<bpmn:scriptTask id="t"><bpmn:script>x = a + 1</bpmn:script></bpmn:scriptTask><bpmn:endEvent id="e" />'
           '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t" />'
           '<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e" /></bpmn:process></bpmn:definitions>')
    parser = BpmnParser()
    parser.add_bpmn_xml(etree.fromstring(xml.encode()), "p.bpmn")
    engine = make_script_engine(lambda: LATE_EVENING_UTC, lambda: WorkCalendar())
    workflow = BpmnWorkflow(parser.get_spec("p"), script_engine=engine)
    workflow.get_next_task(spec_name="Start").set_data(a=1)
    workflow.do_engine_steps()
    [task] = workflow.get_tasks(spec_name="t")
    assert task.state == TaskState.COMPLETED and workflow.is_completed() and workflow.data == {"a": 1, "x": 2}


@pytest.mark.parametrize("cell, urgent, matches", [("? is True", True, True), ("? is True", False, False),
                                                  ("not ?", False, True), ("not ?", True, False)])
def test_a_decision_cell_with_a_question_mark_tests_the_input(cell, urgent, matches):
    """Spiff evaluates a cell such as `not ?` (hotline_callback.dmn) with the input as external context."""
    from types import SimpleNamespace
    from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
    engine = make_script_engine(lambda: LATE_EVENING_UTC, lambda: WorkCalendar())
    task = SimpleNamespace(data={"urgent": urgent}, workflow=SimpleNamespace(script_engine=engine))
    assert DMNEngine(None).evaluate("urgent", cell, task) is matches
