"""BPMN checks on the XML itself, so that every problem of a diagram is listed at once with its line."""
from __future__ import annotations

from collections import Counter

from .expressions import check_code, string_constants
from .groups import KNOWN_GROUPS, is_known_group, lane_group
from .problems import problem
from .timers import KINDS, TimerProblem, check_expression, literal_expression
from .xmlfiles import BPMN, SPIFF, local, ns, spiff_properties, spiff_text, where

ACTIVITIES = {"userTask", "scriptTask", "businessRuleTask", "callActivity", "subProcess", "serviceTask", "sendTask",
              "receiveTask", "manualTask", "task", "transaction"}
FORM_PROPS = ("formJsonSchemaFilename", "formUiSchemaFilename")


def _b(name: str) -> str:
    return f"{{{BPMN}}}{name}"


def _p(at: dict, zh: str, en: str) -> dict:
    return problem(at["file"], zh, en, at["line"], at["element"], at["label"])


def _who(at: dict, zh_kind="元素", en_kind="element") -> tuple[str, str]:
    label = f"“{at['label']}”（{at['element']}）" if at["label"] else f"“{at['element']}”"
    label_en = f"'{at['label']}' ({at['element']})" if at["label"] else f"'{at['element']}'"
    return f"{zh_kind}{label}", f"{en_kind} {label_en}"


def structure_problems(file: str, root) -> list[dict]:
    """Ids, flows, start events, gateways: what the engine would otherwise report one at a time."""
    found = []
    ids = Counter(el.get("id") for el in root.iter() if isinstance(el.tag, str) and el.get("id"))
    for el in root.iter():
        if isinstance(el.tag, str) and el.get("id") and ids[el.get("id")] > 1 and ns(el) == BPMN:
            at = where(file, el)
            found.append(_p(at, f"ID“{el.get('id')}”重复出现 {ids[el.get('id')]} 次：每个元素须有唯一 ID。",
                            f"The id '{el.get('id')}' is used {ids[el.get('id')]} times: every id must be unique."))
    for process in root.iter(_b("process")):
        found += _process_problems(file, process)
    return found


def _process_problems(file: str, process) -> list[dict]:
    found = []
    for scope in [process, *process.iter(_b("subProcess"), _b("transaction"))]:
        nodes = {el.get("id"): el for el in scope if isinstance(el.tag, str) and el.get("id")}
        found += _flow_problems(file, scope, nodes)
        starts = [el for el in scope if isinstance(el.tag, str) and local(el) == "startEvent"]
        if scope is process and len(starts) > 1:
            names = "、".join(s.get("name") or s.get("id") for s in starts)
            for start in starts[1:]:
                found.append(_p(where(file, start), f"流程有 {len(starts)} 个开始事件（{names}）：只能有一个，请删除多余的开始事件。",
                                f"The process has {len(starts)} start events ({names}): keep exactly one."))
        if scope is process and not starts:
            found.append(_p(where(file, process), "流程没有开始事件：请添加一个开始事件。",
                            "The process has no start event: add one."))
    return found


def _flow_problems(file: str, scope, nodes: dict) -> list[dict]:
    found, outgoing = [], Counter()
    for flow in scope.findall(_b("sequenceFlow")):
        at = where(file, flow)
        for end in ("sourceRef", "targetRef"):
            ref = flow.get(end)
            if ref not in nodes:
                found.append(_p(at, f"连线“{flow.get('id')}”的{'起点' if end == 'sourceRef' else '终点'}“{ref}”不在图中：请把连线两端接到元素上。",
                                f"The flow '{flow.get('id')}' {'starts' if end == 'sourceRef' else 'ends'} at "
                                f"'{ref}', which is not in the diagram: connect both ends to elements."))
        outgoing[flow.get("sourceRef")] += 1
    for node_id, count in outgoing.items():
        node = nodes.get(node_id)
        if node is not None and local(node) in ACTIVITIES and count > 1:
            zh, en = _who(where(file, node), "任务", "task")
            found.append(_p(where(file, node), f"{zh}有 {count} 条出线：请在任务后加一个排他网关或并行网关，再从网关分支。",
                            f"The {en} has {count} outgoing flows: add an exclusive or parallel gateway after "
                            "it and branch there."))
    for gateway in scope.findall(_b("exclusiveGateway")) + scope.findall(_b("inclusiveGateway")):
        found += _gateway_problems(file, scope, gateway)
    for boundary in scope.findall(_b("boundaryEvent")):
        if boundary.get("attachedToRef") not in nodes:
            found.append(_p(where(file, boundary), f"边界事件附着的任务“{boundary.get('attachedToRef')}”不存在。",
                            f"The boundary event is attached to '{boundary.get('attachedToRef')}', which does not "
                            "exist."))
    return found


def _gateway_problems(file, scope, gateway) -> list[dict]:
    flows = [f for f in scope.findall(_b("sequenceFlow")) if f.get("sourceRef") == gateway.get("id")]
    if len(flows) < 2:
        return []
    found = []
    for flow in flows:
        if flow.get("id") != gateway.get("default") and flow.find(_b("conditionExpression")) is None:
            at = where(file, flow)
            found.append(_p(at, f"网关“{gateway.get('name') or gateway.get('id')}”的分支“{flow.get('name') or flow.get('id')}”"
                            "没有条件：请填写条件表达式，或把它设为默认分支。",
                            f"The branch '{flow.get('name') or flow.get('id')}' of gateway "
                            f"'{gateway.get('name') or gateway.get('id')}' has no condition: add one or make it "
                            "the default flow."))
    return found


def reference_problems(file: str, root, processes: set[str], decisions: set[str]) -> list[dict]:
    found = []
    messages = {m.get("id") for m in root.iter(_b("message"))}
    for call in root.iter(_b("callActivity")):
        if call.get("calledElement") not in processes:
            zh, en = _who(where(file, call), "调用活动", "call activity")
            found.append(_p(where(file, call), f"{zh}调用的流程“{call.get('calledElement')}”不在这次的文件中。",
                            f"The {en} calls '{call.get('calledElement')}', which is not in the files sent."))
    for task in root.iter(_b("businessRuleTask")):
        decision = spiff_text(task, "calledDecisionId")
        if decision not in decisions:
            zh, en = _who(where(file, task), "业务规则任务", "business rule task")
            found.append(_p(where(file, task), f"{zh}引用的决策表“{decision or ''}”不存在：请在属性面板中选择一个决策表。"
                            if decision else f"{zh}没有选择决策表：请在属性面板中选择一个决策表。",
                            f"The {en} uses the decision table '{decision}', which is not in the files sent."
                            if decision else f"The {en} has no decision table: pick one in the properties panel."))
    for definition in root.iter(_b("messageEventDefinition")):
        if definition.get("messageRef") not in messages:
            event = definition.getparent()
            found.append(_p(where(file, event), "消息事件没有选择消息（或消息不存在）：请在属性面板中选择或新建消息。",
                            "The message event has no message (or an unknown one): pick or create it in the "
                            "properties panel."))
    return found


def user_task_problems(file: str, root, files: dict, known: set[str]) -> list[dict]:
    found = []
    lanes = {ref.text.strip(): lane for lane in root.iter(_b("lane")) for ref in lane.iter(_b("flowNodeRef"))
             if ref.text}
    for lane in root.iter(_b("lane")):
        if lane_group(lane.get("name")) is None and lane.find(_b("childLaneSet")) is None:
            found.append(_p(where(file, lane), f"泳道“{lane.get('name') or lane.get('id')}”对应不到已知岗位：请用岗位名称命名泳道，"
                            f"例如 {'、'.join(z for z, _e in KNOWN_GROUPS.values())}、承办单位。",
                            f"The lane '{lane.get('name') or lane.get('id')}' matches no known group: name it after "
                            "a group, e.g. operators, reviewers, leaders, petition_bureau, handling unit (承办单位)."))
    for task in root.iter(_b("userTask")):
        found += _user_task(file, task, files, known, lanes.get(task.get("id")))
    return found


def _user_task(file, task, files, known, lane) -> list[dict]:
    at, props = where(file, task), spiff_properties(task)
    zh, en = _who(at, "用户任务", "user task")
    missing = [p for p in FORM_PROPS if not props.get(p)]
    found = []
    if missing:
        found.append(_p(at, f"{zh}（{file} 第 {at['line']} 行）没有配置表单：请在属性面板中选择已有表单或新建表单。",
                        f"The {en} ({file}, line {at['line']}) has no form: pick an existing form or create one "
                        "in the properties panel."))
    for prop in FORM_PROPS:
        if props.get(prop) and props[prop] not in files:
            found.append(_p(at, f"{zh}的表单文件“{props[prop]}”不在这次的文件中。",
                            f"The {en} uses the form file '{props[prop]}', which is not in the files sent."))
    groups = props.get("candidateGroups")
    if not groups and not (lane is not None and lane_group(lane.get("name")) not in (None, "dept:")):
        found.append(_p(at, f"{zh}没有指定办理岗位：请在属性面板中选择岗位（或把任务放进对应岗位的泳道）。",
                        f"The {en} has no candidate groups: choose them in the properties panel (or put the task "
                        "in a lane named after a group)."))
    for name in (string_constants(groups) or []) if groups else []:
        if not is_known_group(name):
            found.append(_p(at, f"{zh}的办理岗位“{name}”不是已知岗位：请从岗位列表中选择，承办单位写作 \"dept:\" + 单位字段。",
                            f"The {en} names the unknown group '{name}': pick one from the list; for handling "
                            "units write \"dept:\" + unit_field."))
    for prop in ("candidateGroups", "dueAt", "dueRule", "maskFields", "excludedUsers"):
        if props.get(prop):
            found += check_code(props[prop], "eval", at, known, (f"{zh}的 {prop}", f"{en}: {prop}"))
    return found


def expression_problems(file: str, root, known: set[str]) -> list[dict]:
    """Scripts, conditions, timers, message payloads and start properties, in the sandbox."""
    found = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        name = local(el)
        if ns(el) == BPMN and name == "script" and (el.text or "").strip():
            owner = el.getparent()
            zh, en = _who(where(file, owner), "脚本任务", "script task")
            found += check_code(el.text, "exec", where(file, owner), known, (f"{zh}的脚本", f"The script of {en}"))
        elif ns(el) == BPMN and name == "conditionExpression" and (el.text or "").strip():
            found += check_code(el.text, "eval", where(file, el.getparent()), known, ("条件表达式", "The condition"))
        elif ns(el) == BPMN and name in KINDS and (el.text or "").strip():
            found += _timer(file, el, name, known)
        elif ns(el) == SPIFF and name in ("messagePayload", "preScript", "postScript") and (el.text or "").strip():
            event = _owner(el)
            mode = "eval" if name == "messagePayload" else "exec"
            found += check_code(el.text, mode, where(file, event), known, (f"{name} ", name))
    return found


def _owner(el):
    """The flow element (event, task) an extension belongs to."""
    node = el.getparent()
    while node is not None and (not node.get("id") or local(node).endswith("EventDefinition")):
        node = node.getparent()
    return node if node is not None else el


def _timer(file, el, kind, known) -> list[dict]:
    event = el.getparent().getparent()
    at = where(file, event)
    try:
        check_expression(el.text, kind)
    except TimerProblem as exc:
        return [_p(at, exc.zh, exc.en)]
    if literal_expression(el.text, kind) is not None:
        return []
    return check_code(el.text, "eval", at, known, ("计时器表达式", "The timer expression"))


def start_problems(file: str, process) -> list[dict]:
    found = []
    for start in process.findall(_b("startEvent")):
        groups = spiff_properties(start).get("startGroups")
        for name in (string_constants(groups) or []) if groups else []:
            if not is_known_group(name):
                found.append(_p(where(file, start), f"startGroups 中的岗位“{name}”不是已知岗位。",
                                f"startGroups names the unknown group '{name}'."))
    return found
