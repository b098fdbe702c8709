"""Small diagrams that run one designer-supplied expression as a script, condition, timer or DMN cell."""
from __future__ import annotations

from xml.sax.saxutils import escape

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/'
        '20100524/MODEL" xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="defs_attack" '
        'targetNamespace="http://example.org/attack">\n<bpmn:process id="attack" isExecutable="true">\n'
        '<bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>\n')
TAIL = '<bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>\n</bpmn:process>\n' \
       '</bpmn:definitions>\n'
FLOWS = '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="step" />\n'
DMN = ('<?xml version="1.0" encoding="UTF-8"?>\n<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" '
       'id="defs_attack_table" name="t" namespace="http://example.org/attack">\n<decision id="attack_table" '
       'name="t"><decisionTable id="dt" hitPolicy="FIRST"><input id="in1" label="a"><inputExpression id="ie1" '
       'typeRef="integer"><text>1</text></inputExpression></input><output id="out1" label="r" name="result" '
       'typeRef="integer" /><rule id="r1"><inputEntry id="r1_i1"><text>-</text></inputEntry><outputEntry '
       'id="r1_o1"><text>{cell}</text></outputEntry></rule></decisionTable></decision>\n</definitions>\n')


def _step(kind: str, code: str) -> str:
    code = escape(code)
    if kind == "script":
        return f'<bpmn:scriptTask id="step"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>' \
               f'<bpmn:script>{code}</bpmn:script></bpmn:scriptTask>\n' \
               '<bpmn:sequenceFlow id="f2" sourceRef="step" targetRef="end" />\n'
    if kind == "condition":
        return '<bpmn:exclusiveGateway id="step" default="f3"><bpmn:incoming>f1</bpmn:incoming>' \
               '<bpmn:outgoing>f2</bpmn:outgoing><bpmn:outgoing>f3</bpmn:outgoing></bpmn:exclusiveGateway>\n' \
               f'<bpmn:sequenceFlow id="f2" sourceRef="step" targetRef="end"><bpmn:conditionExpression>' \
               f'{code}</bpmn:conditionExpression></bpmn:sequenceFlow>\n' \
               '<bpmn:sequenceFlow id="f3" sourceRef="step" targetRef="end" />\n'
    if kind == "timer":
        return '<bpmn:intermediateCatchEvent id="step"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2' \
               '</bpmn:outgoing><bpmn:timerEventDefinition id="td"><bpmn:timeDate xsi:type="bpmn:tFormal' \
               f'Expression">{code}</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>\n' \
               '<bpmn:sequenceFlow id="f2" sourceRef="step" targetRef="end" />\n'
    return '<bpmn:businessRuleTask id="step"><bpmn:extensionElements><spiffworkflow:calledDecisionId>' \
           'attack_table</spiffworkflow:calledDecisionId></bpmn:extensionElements><bpmn:incoming>f1' \
           '</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:businessRuleTask>\n' \
           '<bpmn:sequenceFlow id="f2" sourceRef="step" targetRef="end" />\n'


def _two_timers(first: str, second: str) -> str:
    """start -> timer `first` -> timer `second` -> end: the second is entered when the first fires."""
    one = _step("timer", first).replace('id="step"', 'id="wait1"').replace('id="td"', 'id="td1"') \
        .replace('sourceRef="step" targetRef="end"', 'sourceRef="wait1" targetRef="step"') \
        .replace('id="f2"', 'id="f0"').replace("<bpmn:outgoing>f2", "<bpmn:outgoing>f0")
    two = _step("timer", second).replace("<bpmn:incoming>f1", "<bpmn:incoming>f0")
    return one.replace('targetRef="step" />', 'targetRef="step" />') + two


def attack_bundle(kind: str, code: str, first_timer: str = "") -> dict[str, str]:
    """The files of process `attack`: start -> (script | gateway condition | timer | DMN cell) -> end;
    with `first_timer`, a timer waits for that date before the step."""
    flows = FLOWS.replace('targetRef="step"', 'targetRef="wait1"') if first_timer else FLOWS
    body = _two_timers(first_timer, code) if first_timer else _step(kind, code)
    files = {"attack.bpmn": HEAD + flows + body + TAIL}
    if kind == "dmn":
        files["attack_table.dmn"] = DMN.replace("{cell}", escape(code))
    return files
