"""A new process to start from: one start event, one user task with its own new form, one end event."""
from __future__ import annotations

import json
import re

KEY = re.compile(r"^[a-z][a-z0-9_]{1,59}$")

BPMN_TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
    xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    id="defs_{key}" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{key}" name="{name}" isExecutable="true">
    <bpmn:startEvent id="start" name="开始">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="startGroups" value='"operators"' />
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:outgoing>flow_start</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:sequenceFlow id="flow_start" sourceRef="start" targetRef="first_task" />
    <bpmn:userTask id="first_task" name="登记">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="formJsonSchemaFilename" value="{key}_first_task.schema.json" />
          <spiffworkflow:property name="formUiSchemaFilename" value="{key}_first_task.uischema.json" />
          <spiffworkflow:property name="candidateGroups" value='"operators"' />
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>flow_start</bpmn:incoming>
      <bpmn:outgoing>flow_end</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="flow_end" sourceRef="first_task" targetRef="end" />
    <bpmn:endEvent id="end" name="结束">
      <bpmn:incoming>flow_end</bpmn:incoming>
    </bpmn:endEvent>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="diagram_{key}">
    <bpmndi:BPMNPlane id="plane_{key}" bpmnElement="{key}">
      <bpmndi:BPMNShape id="start_di" bpmnElement="start"><dc:Bounds x="152" y="102" width="36" height="36" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="first_task_di" bpmnElement="first_task"><dc:Bounds x="240" y="80" width="100" height="80" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="end_di" bpmnElement="end"><dc:Bounds x="392" y="102" width="36" height="36" /></bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="flow_start_di" bpmnElement="flow_start"><di:waypoint x="188" y="120" /><di:waypoint x="240" y="120" /></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="flow_end_di" bpmnElement="flow_end"><di:waypoint x="340" y="120" /><di:waypoint x="392" y="120" /></bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def new_process_files(key: str, name: str) -> dict[str, str]:
    """The files of a minimal valid process `key` (checked like any other bundle before it is deployed)."""
    if not KEY.match(key):
        raise ValueError("key: lower-case letters, digits and _, starting with a letter")
    safe_name = (name or key).replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
    schema = {"type": "object", "title": "登记", "required": ["summary"],
              "properties": {"summary": {"type": "string", "title": "事项摘要", "maxLength": 500}}}
    ui = {"ui:order": ["summary"], "summary": {"ui:widget": "textarea"}}
    return {f"{key}.bpmn": BPMN_TEMPLATE.format(key=key, name=safe_name),
            f"{key}_first_task.schema.json": json.dumps(schema, ensure_ascii=False, indent=2) + "\n",
            f"{key}_first_task.uischema.json": json.dumps(ui, ensure_ascii=False, indent=2) + "\n"}
