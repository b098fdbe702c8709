"""Collecting a process's files from a folder (engine/library.py) and the engine-side safety net of deploy:
which files a bundle takes, and every refusal naming its file, line and element."""
from __future__ import annotations

import shutil

import pytest
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException

from engine import library
from engine.design.problems import wrap_engine_message
from engine.library import MAX_FILE_BYTES, InvalidProcess, bundle_from_directory
from tests.conftest import ROOT

NS = ('xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
      'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"')


def _process(pid: str, body: str = "") -> str:
    return f'<?xml version="1.0"?><bpmn:definitions {NS} id="d_{pid}"><bpmn:process id="{pid}" isExecutable="true">' \
           f'<bpmn:startEvent id="start_{pid}"/>{body}</bpmn:process></bpmn:definitions>'


def _decision(did: str) -> str:
    return f'<?xml version="1.0"?><definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d_{did}" ' \
           f'name="d"><decision id="{did}" name="{did}"/></definitions>'


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "forms").mkdir()
    (tmp_path / "processes").mkdir()
    return tmp_path


def _write(folder, name, text):
    (folder / "processes" / name).write_text(text, "utf-8")


def _refused(folder, key) -> list[dict]:
    with pytest.raises(InvalidProcess) as exc:
        bundle_from_directory(key, folder / "processes", folder / "forms")
    return exc.value.problems


def test_a_bundle_takes_the_processes_it_calls_and_the_tables_it_names_and_nothing_else(folder):
    call = '<bpmn:callActivity id="call_sub" calledElement="sub"/>'
    decision = '<bpmn:businessRuleTask id="rule"><bpmn:extensionElements><spiffworkflow:calledDecisionId>' \
               'table_a</spiffworkflow:calledDecisionId></bpmn:extensionElements></bpmn:businessRuleTask>'
    mention = '<bpmn:documentation>table_b</bpmn:documentation>'        # text that only names a table
    _write(folder, "main.bpmn", _process("main", call + decision + mention))
    _write(folder, "sub.bpmn", _process("sub"))
    _write(folder, "other.bpmn", _process("other"))
    _write(folder, "a.dmn", _decision("table_a"))
    _write(folder, "b.dmn", _decision("table_b"))
    bundle = bundle_from_directory("main", folder / "processes", folder / "forms")
    assert bundle.key == "main" and sorted(bundle.files) == ["a.dmn", "main.bpmn", "sub.bpmn"]
    assert bundle.files["sub.bpmn"] == _process("sub")


def test_a_process_called_twice_is_taken_once_and_the_others_still_come(folder):
    calls = '<bpmn:callActivity id="c1" calledElement="sub2"/><bpmn:callActivity id="c2" calledElement="sub"/>' \
            '<bpmn:callActivity id="c3" calledElement="sub"/>'
    _write(folder, "main.bpmn", _process("main", calls))
    _write(folder, "sub.bpmn", _process("sub"))
    _write(folder, "sub2.bpmn", _process("sub2"))
    assert sorted(bundle_from_directory("main", folder / "processes", folder / "forms").files) == [
        "main.bpmn", "sub.bpmn", "sub2.bpmn"]


def test_a_call_to_a_process_not_in_the_folder_is_left_to_the_deploy_checks(folder):
    _write(folder, "main.bpmn", _process("main", '<bpmn:callActivity id="c" calledElement="missing"/>'))
    assert sorted(bundle_from_directory("main", folder / "processes", folder / "forms").files) == ["main.bpmn"]


def test_the_key_must_be_a_process_not_any_element(folder):
    _write(folder, "main.bpmn", _process("main"))
    found = _refused(folder, "start_main")
    assert [(p["file"], p["message"]) for p in found] == [
        ("start_main.bpmn", f"no process with id 'start_main' in {folder / 'processes'}")]


def test_a_process_file_without_namespaces_is_still_found(folder):
    _write(folder, "plain.bpmn", '<definitions><process id="plain"/></definitions>')
    assert list(bundle_from_directory("plain", folder / "processes", folder / "forms").files) == ["plain.bpmn"]


@pytest.mark.parametrize("name", ["broken.bpmn", "broken.dmn"])
def test_a_malformed_file_in_the_folder_is_named_with_its_line(folder, name):
    _write(folder, "main.bpmn", _process("main"))
    _write(folder, name, '<?xml version="1.0"?>\n<definitions>\n<process id="x">\n</definitions>')
    [found] = _refused(folder, "main")
    assert (found["file"], found["line"]) == (name, 4)
    assert found["message"].startswith("not well-formed or unsafe XML: mismatched tag")


def test_a_file_with_a_dtd_is_refused_even_without_entities(folder):
    _write(folder, "main.bpmn", '<?xml version="1.0"?><!DOCTYPE definitions><bpmn:definitions ' + NS +
           '><bpmn:process id="main"/></bpmn:definitions>')
    [found] = _refused(folder, "main")
    assert found["file"] == "main.bpmn" and "DTD" in found["message"]


def test_a_file_of_the_size_limit_is_read_and_one_byte_more_is_refused(folder):
    head = _process("main")
    _write(folder, "main.bpmn", head + " " * (MAX_FILE_BYTES - len(head.encode())))
    assert "main.bpmn" in bundle_from_directory("main", folder / "processes", folder / "forms").files
    _write(folder, "main.bpmn", head + " " * (MAX_FILE_BYTES - len(head.encode()) + 1))
    assert [(p["file"], p["message"]) for p in _refused(folder, "main")] == [
        ("main.bpmn", f"file larger than {MAX_FILE_BYTES} bytes")]


def test_forms_named_by_the_diagram_come_from_the_forms_folder(folder):
    shutil.copy(ROOT / "processes" / "hotline.bpmn", folder / "processes")
    for form in ("hotline_register.schema.json", "hotline_register.uischema.json"):
        shutil.copy(ROOT / "forms" / form, folder / "forms")
    files = bundle_from_directory("hotline", folder / "processes", folder / "forms").files
    assert files["hotline_register.schema.json"] == (ROOT / "forms" / "hotline_register.schema.json").read_text("utf-8")
    assert files["hotline_register.uischema.json"] == \
        (ROOT / "forms" / "hotline_register.uischema.json").read_text("utf-8")
    assert "hotline_dispatch.schema.json" not in files          # named, but not in the folder


def test_an_engine_refusal_is_located_by_the_element_it_names():
    """The parser's own refusals (what the deploy checks did not catch first) keep file, element, name and the
    element's line; one with a line keeps it; one naming no element or another kind of file has no line."""
    xml = '<?xml version="1.0"?>\n<bpmn:definitions ' + NS + '>\n<bpmn:process id="p">\n' \
          '<bpmn:task id="odd" name="怪"/>\n</bpmn:process>\n</bpmn:definitions>'
    exc = ValidationException("Something is wrong", file_name="p.bpmn", id="odd", name="怪")
    found = library._spiff_problem(exc, {"p.bpmn": xml})
    assert (found["file"], found["line"], found["element"], found["label"]) == ("p.bpmn", 4, "odd", "怪")
    assert (found["message"], found["message_en"]) == wrap_engine_message("Something is wrong")
    table = '<?xml version="1.0"?>\n<definitions>\n<decision id="odd"/>\n</definitions>'
    in_table = library._spiff_problem(ValidationException("Bad table", file_name="t.dmn", id="odd"), {"t.dmn": table})
    assert (in_table["file"], in_table["line"], in_table["element"], in_table["label"]) == ("t.dmn", 3, "odd", None)
    nowhere = library._spiff_problem(ValidationException("Lost"), {})
    assert (nowhere["file"], nowhere["line"], nowhere["element"]) == ("", None, None)
    exc.line_number = 2
    assert library._spiff_problem(exc, {"p.bpmn": xml})["line"] == 2
    exc.id, exc.line_number = "gone", None
    assert library._spiff_problem(exc, {"p.bpmn": xml})["line"] is None
    exc.id = None
    assert library._spiff_problem(exc, {"p.bpmn": xml})["line"] is None
    other = ValidationException("Bad form", file_name="f.schema.json")
    other.id = "odd"
    assert library._spiff_problem(other, {"p.bpmn": xml, "f.schema.json": "{}"})["line"] is None
    unknown = ValidationException("Elsewhere", file_name="q.bpmn")
    unknown.id = "odd"
    assert library._spiff_problem(unknown, {"p.bpmn": xml})["line"] is None
    assert library.problem("p.bpmn", "text", 3, "odd") == {
        "file": "p.bpmn", "line": 3, "element": "odd", "label": None, "message": "text", "message_en": "text"}


def _parse(name: str, text: str):
    from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser
    parser = SpiffBpmnParser(validator=VALIDATOR)
    return parser, library._add_to_parser(parser, name, text)


DMN_NS = 'xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/"'


def test_each_file_the_engine_cannot_read_is_refused_with_its_name_line_and_reason():
    """What the deploy checks let through but the engine's parser refuses (their safety net): invalid BPMN 2.0,
    a malformed table, a table the DMN reader rejects or chokes on; a good file is added under its name."""
    no_target = f'<?xml version="1.0"?>\n<bpmn:definitions {NS} id="d">\n<bpmn:process id="p"/>\n</bpmn:definitions>'
    _, [found] = _parse("x.bpmn", no_target)
    assert (found["file"], found["line"]) == ("x.bpmn", 2)
    assert found["message_en"].startswith("Not valid BPMN 2.0: Element '{http://www.omg.org/spec/BPMN/20100524/"
                                          "MODEL}definitions': The attribute 'targetNamespace' is required")
    assert found["message"].startswith("不符合 BPMN 2.0 规范：")
    _, [found] = _parse("t.dmn", '<?xml version="1.0"?>\n<definitions>\n<decision id="x">\n</definitions>')
    assert (found["file"], found["line"], found["message"]) == (
        "t.dmn", 4, "Opening and ending tag mismatch: decision line 3 and definitions, line 4, column 15")
    _, [found] = _parse("t.dmn", f'<?xml version="1.0"?>\n<definitions {DMN_NS} id="d" name="d">\n'
                                 '<decision id="x" name="x"><decisionTable id="t"><input id="i"/></decisionTable>'
                                 '</decision>\n</definitions>')
    assert (found["file"], found["line"]) == ("t.dmn", 3) and "decisionTable" in found["message_en"]
    _, [found] = _parse("t.dmn", '<?xml version="1.0"?>\n<definitions id="d" name="d">\n<decision id="x"/>\n'
                                 '</definitions>')
    assert (found["file"], found["line"]) == ("t.dmn", None)
    assert found["message_en"] == "The workflow engine cannot read this element: XPathEvalError: Undefined " \
                                  "namespace prefix" and found["message"].startswith("流程引擎无法读取该元素：XPathEvalError")
    good = f'<?xml version="1.0"?>\n<bpmn:definitions {NS} id="d" targetNamespace="x">\n<bpmn:process id="p" ' \
           'isExecutable="true">\n<bpmn:startEvent id="s"/>\n</bpmn:process>\n</bpmn:definitions>'
    parser, found = _parse("x.bpmn", good)
    assert found == [] and parser.get_spec("p").file == "x.bpmn"


@pytest.fixture
def without_design_checks(monkeypatch):
    """The engine's own checks alone, as if the design checks (engine/design/checks.py) had missed a problem."""
    monkeypatch.setattr(library, "check_bundle", lambda key, files: [])


HOTLINE = bundle_from_directory("hotline", ROOT / "processes", ROOT / "forms")


def _compile_refused(files: dict) -> list[dict]:
    with pytest.raises(InvalidProcess) as exc:
        library.compile_bundle(library.Bundle("hotline", files))
    assert str(exc.value) == "; ".join(p["message"] for p in exc.value.problems)
    return exc.value.problems


def test_the_engine_refuses_a_user_task_without_form_or_groups_on_its_own(without_design_checks):
    bpmn = HOTLINE.files["hotline.bpmn"].replace('name="formUiSchemaFilename" value="hotline_register.uischema.json"',
                                                 'name="x" value=""', 1)
    found = _compile_refused({**HOTLINE.files, "hotline.bpmn": bpmn})
    line = next(i for i, l in enumerate(bpmn.splitlines(), 1) if '<bpmn:userTask id="register"' in l)
    assert found == [{"file": "hotline.bpmn", "line": line, "element": "register", "label": "来电登记",
                      "message": "用户任务“来电登记”缺少表单或办理岗位。",
                      "message_en": "The user task '来电登记' lacks a form or groups."}]


def test_the_engine_lists_every_bad_form_and_every_unreadable_file(without_design_checks):
    files = {**HOTLINE.files, "hotline_register.schema.json": "{not json", "hotline_accept.schema.json": "[]"}
    found = _compile_refused(files)
    assert {p["file"] for p in found} == {"hotline_register.schema.json", "hotline_accept.schema.json"}
    broken = {**HOTLINE.files, "hotline_scope.dmn": "<definitions>", "hotline_callback.dmn": "<definitions>"}
    assert {p["file"] for p in _compile_refused(broken)} == {"hotline_scope.dmn", "hotline_callback.dmn"}


def test_the_engine_refuses_a_bundle_whose_key_names_no_process(without_design_checks):
    with pytest.raises(InvalidProcess) as exc:
        library.compile_bundle(library.Bundle("elsewhere", HOTLINE.files))
    [found] = exc.value.problems
    assert "elsewhere" in found["message_en"] and found["message"]


def _hotline_with(*replacements) -> dict:
    bpmn = HOTLINE.files["hotline.bpmn"]
    for old, new in replacements:
        assert bpmn.count(old) >= 1, old
        bpmn = bpmn.replace(old, new, 1)
    return {**HOTLINE.files, "hotline.bpmn": bpmn}


REGISTER_GROUPS = """<spiffworkflow:property name="candidateGroups" value='"operators"' />"""
ACCEPT_GROUPS = """<spiffworkflow:property name="candidateGroups" value='"dept:" + lead_unit' />"""


def test_a_task_without_groups_takes_its_lanes_group_and_named_groups_win_over_the_lane():
    compile_ = lambda files: library.compile_bundle(library.Bundle("hotline", files)).user_tasks["register"]
    assert compile_(_hotline_with((REGISTER_GROUPS, ""))).expressions["candidateGroups"] == "'operators'"
    named = compile_(_hotline_with((REGISTER_GROUPS, REGISTER_GROUPS.replace("operators", "reviewers"))))
    assert named.expressions["candidateGroups"] == '"reviewers"'
    assert (named.bpmn_id, named.name, named.lane) == ("register", "来电登记", "话务员")


@pytest.mark.parametrize("change, task", [
    ((ACCEPT_GROUPS, ""), "签收交办事项"),                                  # the units' lane names no group
    ((REGISTER_GROUPS, ""), "来电登记"),                                    # ... and outside every lane
    (('<bpmn:userTask id="register" name="来电登记">', '<bpmn:userTask id="register" name="来电登记"><!-- -->'), None),
])
def test_the_engine_refuses_a_task_with_no_group_of_its_own(without_design_checks, change, task):
    files = _hotline_with(change)
    if task == "来电登记":
        files = _hotline_with(change, ("<bpmn:flowNodeRef>register</bpmn:flowNodeRef>", ""))
    if task is None:            # a task with no extension properties at all
        bpmn = files["hotline.bpmn"]
        start = bpmn.index("<bpmn:extensionElements>", bpmn.index('<bpmn:userTask id="register"'))
        end = bpmn.index("</bpmn:extensionElements>", start) + len("</bpmn:extensionElements>")
        files = {**files, "hotline.bpmn": bpmn[:start] + bpmn[end:]}
        task = "来电登记"
    found = _compile_refused(files)
    assert f"The user task '{task}' lacks a form or groups." in [p["message_en"] for p in found]


def test_a_task_form_keeps_its_ui_schema_and_a_bad_one_is_named(without_design_checks):
    import json
    register = library.compile_bundle(library.Bundle("hotline", HOTLINE.files)).user_tasks["register"]
    assert register.form.ui == json.loads(HOTLINE.files["hotline_register.uischema.json"]) and register.form.ui
    found = _compile_refused({**HOTLINE.files, "hotline_register.uischema.json": "{bad"})
    assert "hotline_register.uischema.json" in {p["file"] for p in found}


def _flow_process(pid: str, middle: str = "") -> str:
    """A process start → (middle) → end, with its flows; `middle` is one element with id `m`."""
    if not middle:
        return _process_doc(pid, f'<bpmn:startEvent id="s_{pid}"><bpmn:outgoing>f_{pid}</bpmn:outgoing>'
                                 f'</bpmn:startEvent><bpmn:endEvent id="e_{pid}"><bpmn:incoming>f_{pid}</bpmn:incoming>'
                                 f'</bpmn:endEvent><bpmn:sequenceFlow id="f_{pid}" sourceRef="s_{pid}" '
                                 f'targetRef="e_{pid}"/>')
    return _process_doc(pid, f'<bpmn:startEvent id="s_{pid}"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>'
                             f'{middle}<bpmn:endEvent id="e_{pid}"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>'
                             f'<bpmn:sequenceFlow id="f1" sourceRef="s_{pid}" targetRef="m"/>'
                             f'<bpmn:sequenceFlow id="f2" sourceRef="m" targetRef="e_{pid}"/>')


def _process_doc(pid: str, body: str) -> str:
    return f'<?xml version="1.0"?><bpmn:definitions {NS} id="d_{pid}" targetNamespace="t"><bpmn:process id="{pid}" ' \
           f'name="{pid} 流程" isExecutable="true">{body}</bpmn:process></bpmn:definitions>'


def test_a_compiled_bundle_keeps_its_files_name_and_called_processes():
    call = '<bpmn:callActivity id="m" calledElement="sub"><bpmn:incoming>f1</bpmn:incoming>' \
           '<bpmn:outgoing>f2</bpmn:outgoing></bpmn:callActivity>'
    bundle = library.Bundle("main", {"main.bpmn": _flow_process("main", call), "sub.bpmn": _flow_process("sub")})
    compiled = library.compile_bundle(bundle)
    assert (compiled.bundle, compiled.name, list(compiled.subprocess_specs)) == (bundle, "main 流程", ["sub"])
    assert compiled.spec.name == "main" and compiled.user_tasks == {}
    unnamed = library.Bundle("sub", {"sub.bpmn": _flow_process("sub").replace(' name="sub 流程"', "")})
    assert library.compile_bundle(unnamed).name == "sub"
