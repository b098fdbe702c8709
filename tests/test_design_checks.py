"""Bad input a designer (or a file from another modeler) can send: each is refused with a clear, located
message in Chinese and English, all problems at once, and nothing is deployed."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from engine.design.checks import check_bundle
from engine.design.problems import wrap_engine_message
from engine.library import Bundle, InvalidProcess, bundle_from_directory, compile_bundle
from tests.conftest import ROOT
from tests.walk import service_with

HOTLINE = bundle_from_directory("hotline", ROOT / "processes", ROOT / "forms")
SCRIPT = "extension_count = 0"
CONDITION = 'scope == "out_of_scope"'
OVERDUE_TIMER = '<bpmn:timeDate xsi:type="bpmn:tFormalExpression">end_of_day(due_date)</bpmn:timeDate>'


def hotline(*replacements, key="hotline", **files) -> Bundle:
    bpmn = HOTLINE.files["hotline.bpmn"]
    for old, new in replacements:
        assert old in bpmn, old
        bpmn = bpmn.replace(old, new, 1)
    return Bundle(key, {**HOTLINE.files, "hotline.bpmn": bpmn, **files})


def problems(bundle: Bundle) -> list[dict]:
    with pytest.raises(InvalidProcess) as exc:
        compile_bundle(bundle)
    for p in exc.value.problems:
        assert p["message"] and p["message_en"] and set(p) >= {"file", "line", "element", "label"}
        assert not re.search(r"0x[0-9a-f]{6,}|Did you mean one of the following: \?", p["message"] + p["message_en"])
    return exc.value.problems


def test_every_problem_is_listed_at_once_with_file_line_element_and_label():
    found = problems(hotline(('targetRef="check_scope"', 'targetRef="nowhere"'),
                             (SCRIPT, "x = open('/etc/passwd')\n" + SCRIPT),
                             ("'\"operators\"'", "'\"operatorz\"'"),
                             ('name="formUiSchemaFilename" value="hotline_register.uischema.json"', 'name="x" value=""')))
    assert len(found) >= 4
    by_element = {p["element"]: p for p in found}
    assert by_element["flow_register"]["line"] and "nowhere" in by_element["flow_register"]["message"]
    assert "open" in by_element["init_case"]["message"] and by_element["init_case"]["label"] == "初始化工单变量"
    register = [p for p in found if p["element"] == "register"]
    assert any("operatorz" in p["message"] for p in register) and any("表单" in p["message"] for p in register)
    assert all(p["file"] == "hotline.bpmn" and p["line"] for p in found)


# the line of the hotline's register task, where problems with it are reported
REGISTER_LINE = HOTLINE.files["hotline.bpmn"].splitlines().index(
    next(l for l in HOTLINE.files["hotline.bpmn"].splitlines() if '<bpmn:userTask id="register"' in l)) + 1


def test_malformed_xml_xml_bombs_and_oversized_files_are_refused():
    found = problems(hotline(('<bpmn:userTask id="register"', '<bpmn:userTask id="register" <')))
    assert found[0]["file"] == "hotline.bpmn" and found[0]["line"] == REGISTER_LINE
    bomb = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
            '<lolz>&lol2;</lolz>')
    assert "XML bomb" in problems(Bundle("hotline", {**HOTLINE.files, "hotline_scope.dmn": bomb}))[0]["message_en"]
    huge = HOTLINE.files["hotline.bpmn"].replace("<bpmn:documentation>", "<bpmn:documentation>" + "长" * 700_000, 1)
    assert "too large" in problems(Bundle("hotline", {**HOTLINE.files, "hotline.bpmn": huge}))[0]["message_en"]


def test_two_start_events_are_refused():
    found = problems(hotline(('<bpmn:startEvent id="start"', '<bpmn:startEvent id="start_again" name="又一个开始" />'
                                                             '<bpmn:startEvent id="start"')))
    assert "2 start events" in found[0]["message_en"] and "又一个开始" in found[0]["message"]


@pytest.mark.parametrize("name", ["open", "type", "eval", "getattr"])
def test_forbidden_names_in_scripts_and_conditions(name):
    found = problems(hotline((SCRIPT, f"x = {name}\n{SCRIPT}"), (CONDITION, f"{name}(scope) == 1")))
    assert [p["element"] for p in found] == ["init_case", "flow_scope_out"]
    assert all(f"'{name}' is not allowed" in p["message_en"] for p in found)


def test_undefined_names_and_syntax_errors():
    found = problems(hotline((SCRIPT, "extension_count = extenson_count + 1"), (CONDITION, "scope === 1")))
    assert "undefined name 'extenson_count'" in found[0]["message_en"] and found[0]["line"]
    assert "syntax error" in found[1]["message_en"]
    assert problems(hotline((SCRIPT, "x = ().__class__\n" + SCRIPT)))[0]["element"] == "init_case"


def test_iso_literal_timers_are_converted_not_stuck():
    """`P5D` typed in a standard modeler deploys and fires five days later (it used to stall the case)."""
    bundle = hotline((OVERDUE_TIMER, "<bpmn:timeDuration>P5D</bpmn:timeDuration>"))
    service = service_with()
    service.deploy(bundle)
    from tests.test_hotline import at_handle
    iid = at_handle(service)
    overdue = [t for t in service.store.get_instance(iid).timers if t["task"] == "超期"]
    assert dt.datetime.fromisoformat(overdue[0]["due_at"]) == service.now() + dt.timedelta(days=5)
    assert compile_bundle(hotline((OVERDUE_TIMER, "<bpmn:timeDate>2026-12-01T09:00:00</bpmn:timeDate>")))
    assert compile_bundle(hotline((OVERDUE_TIMER, "<bpmn:timeCycle>R3/PT1H</bpmn:timeCycle>")))


@pytest.mark.parametrize("timer, says", [
    ("<bpmn:timeDate>P5D</bpmn:timeDate>", "timeDate needs date"),
    ("<bpmn:timeDuration>2026-12-01T09:00:00+08:00</bpmn:timeDuration>", "timeDuration needs duration"),
    ("<bpmn:timeDate>5</bpmn:timeDate>", "does not give a date"),
    ("<bpmn:timeDate>is_workday(due_date)</bpmn:timeDate>", "does not give a date"),
    ('<bpmn:timeDate>"tomorrow"</bpmn:timeDate>', "does not give a date"),
    ("<bpmn:timeDate>P5X</bpmn:timeDate>", "not a valid ISO 8601"),
])
def test_timers_that_give_no_date_are_refused_at_deploy(timer, says):
    found = problems(hotline((OVERDUE_TIMER, timer)))
    assert says in found[0]["message_en"] and found[0]["element"] == "overdue" and found[0]["label"] == "超期"


def test_form_that_is_not_an_object_schema():
    found = problems(hotline(**{"hotline_register.schema.json": '{"type": "array", "items": {"type": "string"}}'}))
    assert found[0]["file"] == "hotline_register.schema.json" and "object schema" in found[0]["message_en"]


def test_lane_and_groups_must_map_to_known_groups():
    found = problems(hotline(('<bpmn:lane id="lane_centre" name="热线中心">', '<bpmn:lane id="lane_centre" name="财务科">')))
    assert found[0]["element"] == "lane_centre" and "财务科" in found[0]["message"]
    assert compile_bundle(hotline(("'\"operators\"'", "'\"dept:\" + lead_unit'")))   # dynamic unit groups are fine


def test_user_task_without_form_names_task_file_and_line():
    found = problems(hotline(('<spiffworkflow:property name="formJsonSchemaFilename" value="hotline_register.schema.json" />\n'
                              '          <spiffworkflow:property name="formUiSchemaFilename" value="hotline_register.uischema.json" />', '')))
    assert found[0]["element"] == "register" and found[0]["line"] == REGISTER_LINE
    assert "来电登记" in found[0]["message"] and "hotline.bpmn" in found[0]["message"] and "no form" in found[0]["message_en"]


@pytest.mark.parametrize("cell, says", [
    ("__import__('os')", "refused by the sandbox"), ("[3..4]", "FEEL range"), ('"a", "b"', "FEEL list"),
    ("open('x')", "'open'"),
])
def test_dmn_cells_are_compiled_in_the_sandbox(cell, says):
    dmn = HOTLINE.files["hotline_deadline.dmn"].replace('<text>"urgent"</text>', f"<text>{cell}</text>")
    found = problems(Bundle("hotline", {**HOTLINE.files, "hotline_deadline.dmn": dmn}))
    assert found[0]["file"] == "hotline_deadline.dmn" and found[0]["element"] == "hotline_deadline_r4_i1"
    assert says in found[0]["message_en"] and "第 4 行" in found[0]["message"]


def test_dmn_files_declare_python_and_feel_is_refused():
    for path in (ROOT / "processes").glob("*.dmn"):
        assert 'expressionLanguage="python"' in path.read_text("utf-8"), path.name
    feel = HOTLINE.files["hotline_deadline.dmn"].replace('expressionLanguage="python"',
                                                         'expressionLanguage="https://www.omg.org/spec/DMN/20191111/FEEL/"', 1)
    assert "not supported" in problems(Bundle("hotline", {**HOTLINE.files, "hotline_deadline.dmn": feel}))[0]["message_en"]


CAMUNDA = 'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '


@pytest.mark.parametrize("old, new, element, says", [
    ('<bpmn:scriptTask id="init_case"', '<bpmn:dataStoreReference id="store1" name="档案库" /><bpmn:scriptTask id="init_case"',
     "store1", "Data stores"),
    (CONDITION, "${scope == 'x'}", "conditionExpression", "JUEL"),
    ('<bpmn:scriptTask id="init_case"', '<bpmn:serviceTask id="svc" name="调用接口" /><bpmn:scriptTask id="init_case"', "svc",
     "Service tasks"),
    ('<bpmn:scriptTask id="init_case"', '<bpmn:complexGateway id="cg" name="复杂" /><bpmn:scriptTask id="init_case"', "cg",
     "Complex gateways"),
    ('<bpmn:scriptTask id="init_case"', '<bpmn:scriptTask id="undo" name="撤销" isForCompensation="true" />'
                                        '<bpmn:scriptTask id="init_case"', "undo", "Compensation"),
    ('isExecutable="true"', 'isExecutable="false"', "hotline", "not executable"),
    ('<bpmn:userTask id="register"', '<bpmn:userTask id="register" camunda:assignee="demo"', "register", "camunda:assignee"),
])
def test_unsupported_elements_from_other_modelers_get_one_clear_line(old, new, element, says):
    bundle = hotline((old, new), ("<bpmn:definitions ", "<bpmn:definitions " + CAMUNDA))
    found = [p for p in problems(bundle) if says in p["message_en"]]
    assert len(found) == 1 and found[0]["line"]
    assert found[0]["element"] == element or found[0]["label"] == element


def test_process_id_that_differs_from_the_key():
    found = problems(hotline(key="hotline_2027"))
    assert "set the process (pool) id to 'hotline_2027'" in found[0]["message_en"] and "hotline" in found[0]["message"]


def test_engine_messages_are_wrapped():
    zh, en = wrap_engine_message("Cannot resolve dataInputAssociation <Element {x}dataInputAssociation at 0x7f3a2b1c9d80>")
    assert "0x7f" not in zh + en and "data object" in en
    zh, en = wrap_engine_message("Multiple outgoing flows are not supported for tasks of type")
    assert en.endswith("branch there.") and "网关" in zh
    assert check_bundle("hotline", HOTLINE.files) == []
