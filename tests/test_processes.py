"""Every diagram in processes/ deploys: it parses, its scripts compile in the sandbox, every user
task has a valid form and a candidate group. Broken bundles are refused with a useful problem list."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.library import Bundle, InvalidProcess, bundle_from_directory, compile_bundle

ROOT = Path(__file__).resolve().parent.parent
KEYS = sorted(p.stem for p in (ROOT / "processes").glob("*.bpmn"))


@pytest.mark.parametrize("key", KEYS)
def test_every_process_deploys_with_forms_for_every_user_task(key):
    compiled = compile_bundle(bundle_from_directory(key, ROOT / "processes", ROOT / "forms"))
    assert compiled.user_tasks, f"{key} has no user task"
    for task in compiled.user_tasks.values():
        assert task.form.schema["type"] == "object" and task.form.field_order(), task.bpmn_id
        assert task.expressions.get("candidateGroups"), task.bpmn_id


def test_every_form_file_belongs_to_a_user_task():
    used = {name for key in KEYS for name in bundle_from_directory(key, ROOT / "processes", ROOT / "forms").files}
    on_disk = {p.name for p in (ROOT / "forms").glob("*.json")}
    assert on_disk - used == set()


def hotline_with(replace_from: bytes, replace_to: bytes, files=None) -> Bundle:
    bundle = bundle_from_directory("hotline", ROOT / "processes", ROOT / "forms")
    bundle.files["hotline.bpmn"] = bundle.files["hotline.bpmn"].replace(replace_from.decode(), replace_to.decode())
    bundle.files.update(files or {})
    return bundle


def problems(bundle):
    with pytest.raises(InvalidProcess) as exc:
        compile_bundle(bundle)
    return exc.value.problems


def test_malformed_xml_names_file_and_line():
    found = problems(hotline_with(b'<bpmn:userTask id="register"', b'<bpmn:userTask id="register" <'))
    assert found[0]["file"] == "hotline.bpmn" and found[0]["line"]


def test_dangling_flow_names_the_element_and_line():
    bundle = hotline_with(b'targetRef="check_scope"', b'targetRef="nowhere"')
    flow_line = next(n for n, text in enumerate(bundle.files["hotline.bpmn"].splitlines(), start=1)
                     if '<bpmn:sequenceFlow id="flow_register"' in text)
    [found] = problems(bundle)
    assert (found["file"], found["line"], found["element"]) == ("hotline.bpmn", flow_line, "flow_register")
    assert "nowhere" in found["message"]


def test_script_errors_and_imports_are_refused():
    assert "import" in problems(hotline_with(b"extension_count = 0", b"import os\nextension_count = 0"))[0]["message_en"]
    assert problems(hotline_with(b"extension_count = 0", b"extension_count = = 0"))[0]["element"] == "init_case"
    assert problems(hotline_with(b"extension_count = 0", b"x = ().__class__\nextension_count = 0"))


def test_bad_form_file_and_missing_form():
    bad_schema = {"hotline_register.schema.json": '{"type": "object", "properties": {"a": {"type": "nope"}}}'}
    found = problems(hotline_with(b"", b"", bad_schema))
    assert found[0]["file"] == "hotline_register.schema.json"
    bundle = hotline_with(b"", b"")
    del bundle.files["hotline_accept.uischema.json"]
    assert "hotline_accept.uischema.json" in problems(bundle)[0]["message"]


def test_entities_and_dtds_are_refused():
    xxe = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    bundle = hotline_with(b'<?xml version="1.0" encoding="UTF-8"?>', xxe)
    assert "unsafe" in problems(bundle)[0]["message_en"]


def test_user_task_without_candidate_groups_takes_its_lanes_group_or_is_refused():
    in_operator_lane = hotline_with(b'name="candidateGroups" value=\'"operators"\'', b'name="x" value="1"')
    assert compile_bundle(in_operator_lane).user_tasks["register"].expressions["candidateGroups"] == "'operators'"
    in_unit_lane = hotline_with(b'name="candidateGroups" value=\'"dept:" + lead_unit\'', b'name="x" value="1"')
    found = problems(in_unit_lane)
    assert "candidate groups" in found[0]["message_en"] and found[0]["line"] and found[0]["label"]


ACCEPT_PROPERTIES = re.compile(r'(<bpmn:userTask id="accept" name="签收交办事项">)\s*<bpmn:extensionElements>.*?'
                               r'</bpmn:extensionElements>', re.S)


def hotline_accept_as(replacement: str, user_task=True) -> Bundle:
    """The hotline bundle with the `accept` task's properties replaced (and made a plain task)."""
    bundle = hotline_with(b"", b"")
    xml = ACCEPT_PROPERTIES.sub(lambda m: m[1] + replacement, bundle.files["hotline.bpmn"])
    if not user_task:
        xml = xml.replace('<bpmn:userTask id="accept"', '<bpmn:task id="accept"')
        xml = xml.replace("<bpmn:outgoing>flow_accepted</bpmn:outgoing>\n    </bpmn:userTask>",
                          "<bpmn:outgoing>flow_accepted</bpmn:outgoing>\n    </bpmn:task>")
    assert xml != bundle.files["hotline.bpmn"]
    bundle.files["hotline.bpmn"] = xml
    return bundle


@pytest.mark.parametrize("properties, user_task", [
    ("", True),                                                                   # no properties at all
    ('<bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name="candidateGroups" '
     "value='\"dept:\" + lead_unit' /></spiffworkflow:properties></bpmn:extensionElements>", True),  # no form
    ("", False),                                                    # a plain task: it too waits for a person
])
def test_a_task_without_a_form_is_refused_and_named(properties, user_task):
    found = problems(hotline_accept_as(properties, user_task))
    assert found and all(p["line"] for p in found)
    assert {(p["file"], p["element"], p["label"]) for p in found} == {("hotline.bpmn", "accept", "签收交办事项")}
    assert "签收交办事项" in found[0]["message"]