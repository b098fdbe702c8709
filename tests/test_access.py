"""Who may start a case, read from the start event of small diagrams (no service, no database)."""
from __future__ import annotations

import logging

import pytest

from engine.access import start_groups_of, start_property
from engine.library import Bundle, compile_bundle
from engine.sandbox.scripting import make_script_engine
from engine.workcal import WorkCalendar
from tests.attack_diagrams import attack_bundle


@pytest.fixture
def engine():
    import datetime as dt
    return make_script_engine(lambda: dt.datetime(2026, 11, 23, tzinfo=dt.timezone.utc), lambda: WorkCalendar())


def compiled_with_start(properties: str = ""):
    files = attack_bundle("script", "x = 1")
    if properties:
        extension = f"<bpmn:extensionElements><spiffworkflow:properties>{properties}</spiffworkflow:properties>" \
                    "</bpmn:extensionElements>"
        files["attack.bpmn"] = files["attack.bpmn"].replace('<bpmn:startEvent id="start">',
                                                            f'<bpmn:startEvent id="start">{extension}')
    return compile_bundle(Bundle("attack", files))


def test_a_start_event_without_properties_lets_only_admins_start(engine):
    compiled = compiled_with_start()
    assert start_groups_of(compiled, engine) == set()
    assert start_property(compiled, "casePrefix") is None


def test_start_groups_and_properties_are_read_from_the_start_event(engine):
    compiled = compiled_with_start('<spiffworkflow:property name="startGroups" value="[&quot;operators&quot;, &quot;admins&quot;]" />'
                                   '<spiffworkflow:property name="casePrefix" value="AT" />')
    assert start_groups_of(compiled, engine) == {"operators", "admins"}
    assert start_property(compiled, "casePrefix") == "AT"


def test_a_broken_start_groups_expression_is_logged_and_lets_nobody_start(engine, caplog):
    compiled = compiled_with_start('<spiffworkflow:property name="startGroups" value="no_such_name" />')
    with caplog.at_level(logging.WARNING, logger="engine.access"):
        assert start_groups_of(compiled, engine) == set()
    assert "startGroups 'no_such_name' failed: name 'no_such_name' is not defined" in caplog.text
