"""Elements made in other modelers (Camunda, bpmn.io) that this engine does not run: one clear line each."""
from __future__ import annotations

import re

from .problems import problem
from .xmlfiles import BPMN, local, ns, where

FOREIGN_NS = {"http://camunda.org/schema/1.0/bpmn": "camunda", "http://camunda.org/schema/zeebe/1.0": "zeebe",
              "http://activiti.org/bpmn": "activiti", "http://flowable.org/bpmn": "flowable"}
JUEL = re.compile(r"[$#]\{")
UNSUPPORTED = {  # BPMN element -> (what to do, Chinese / English)
    "dataStoreReference": ("数据存储不受支持：案件数据保存在表单字段中，请删除数据存储，改用表单字段或脚本变量。",
                           "Data stores are not supported: case data live in form fields; remove the data store."),
    "dataStore": ("数据存储不受支持：请删除数据存储定义。", "Data stores are not supported: remove the data store definition."),
    "complexGateway": ("复杂网关不受支持：请改用排他网关（按条件选一条）或包容网关（按条件选多条）。",
                       "Complex gateways are not supported: use an exclusive or inclusive gateway with conditions."),
    "compensateEventDefinition": ("补偿事件不受支持：请用排他网关和撤销/纠正任务表达补偿。",
                                  "Compensation events are not supported: model the undo step with a gateway and "
                                  "a task."),
    "serviceTask": ("服务任务不受支持（本系统没有外部服务连接器）：请改用脚本任务（计算）或用户任务（人工办理）。",
                    "Service tasks are not supported (no service connector here): use a script task or a user "
                    "task."),
    "manualTask": ("手工任务不会出现在待办中，案件会停在这里：请改为用户任务并配置表单和办理岗位。",
                   "Manual tasks never reach a worklist and the case would stop: make it a user task with a form "
                   "and groups."),
    "task": ("未指定类型的任务会让案件停在这里：请在建模器中把它改为用户任务、脚本任务或业务规则任务。",
             "An untyped task would stop the case: change it to a user, script or business rule task."),
}


def import_problems(file: str, root) -> list[dict]:
    found = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        name, at = local(el), where(file, el)
        if ns(el) == BPMN and name in UNSUPPORTED:
            found.append(_line(at, name, *UNSUPPORTED[name]))
        elif ns(el) == BPMN and name == "process" and el.get("isExecutable") == "false":
            found.append(_line(at, name, "该流程被标记为“不可执行”（isExecutable=false）：请在属性面板中勾选“可执行”。",
                               "The process is marked not executable (isExecutable=false): tick 'Executable' in "
                               "the properties panel."))
        elif el.get("isForCompensation") == "true":
            found.append(_line(at, name, "补偿活动不受支持：请去掉“用于补偿”，用普通任务表达纠正步骤。",
                               "Compensation activities are not supported: untick 'for compensation'."))
        elif ns(el) == BPMN and name == "scriptTask" and (el.get("scriptFormat") or "python").lower() \
                not in ("python", "python3", "text/x-python"):
            found.append(_line(at, name, f"脚本语言“{el.get('scriptFormat')}”不受支持：脚本须为 Python（沙箱）。",
                               f"Script language '{el.get('scriptFormat')}' is not supported: scripts are Python."))
        found += _foreign(at, el, name)
        if ns(el) == BPMN and name in ("conditionExpression", "timeDate", "timeDuration", "timeCycle", "script") \
                and JUEL.search(el.text or ""):
            found.append(_line(at, name, f"表达式“{(el.text or '').strip()}”是 JUEL/FEEL 写法（${{…}}）：请改写为 Python "
                               "表达式，例如 ${amount > 100} 写成 amount > 100。",
                               f"The expression '{(el.text or '').strip()}' is JUEL/FEEL (${{…}}): write it in "
                               "Python, e.g. ${amount > 100} becomes amount > 100."))
    return found


def _foreign(at: dict, el, name: str) -> list[dict]:
    """Camunda/Zeebe/Flowable settings are ignored by this engine: say which ones and what replaces them."""
    found = []
    vendor = FOREIGN_NS.get(ns(el))
    if vendor:
        parent = el.getparent()
        owner = parent.getparent() if parent is not None and local(parent) == "extensionElements" else None
        if owner is not None:
            found.append(_line({**where(at["file"], owner), "line": el.sourceline}, name,
                               f"{vendor}:{name} 设置不会被本系统执行：请用属性面板中的本系统属性（表单、办理岗位、期限）代替。",
                               f"The {vendor}:{name} setting is not run by this engine: use our properties "
                               "(form, groups, due date) in the properties panel."))
    for attr in el.attrib:
        vendor = FOREIGN_NS.get(attr[1:].split("}")[0]) if attr.startswith("{") else None
        if vendor:
            short = attr.split("}")[1]
            found.append(_line(at, name, f"{vendor}:{short} 属性不会被本系统执行：请改用属性面板中的本系统属性（如 candidateGroups、表单）。",
                               f"The {vendor}:{short} attribute is not run by this engine: use our properties "
                               "(e.g. candidateGroups, form) instead."))
    return found


def _line(at: dict, name: str, zh: str, en: str) -> dict:
    """One line naming the element (label and id) and what to do."""
    label, element = at["label"] or name, at["element"]
    if element:
        zh, en = f"“{label}”（{element}）：{zh}", f"'{label}' ({element}): {en}"
    return problem(at["file"], zh, en, at["line"], element, label)
