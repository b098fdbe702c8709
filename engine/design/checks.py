"""Check a proposed bundle before it is deployed: every problem at once, each located and explained."""
from __future__ import annotations

import re

from .bpmn_checks import expression_problems, reference_problems, start_problems, structure_problems, user_task_problems
from .dmn_checks import decision_outputs, dmn_problems
from .expressions import ALWAYS_DATA, assigned_names
from .form_checks import check_form, form_fields
from .imports import import_problems
from .problems import problem
from .xmlfiles import BPMN, MAX_FILES, local, parse_xml, spiff_properties, too_big

SAFE_NAME = re.compile(r"^[^/\\\x00-\x1f<>:\"|?*]{1,120}$")
KINDS = (".bpmn", ".dmn", ".schema.json", ".uischema.json")


def name_problems(files: dict[str, str]) -> list[dict]:
    found = []
    if len(files) > MAX_FILES:
        found.append(problem("", f"文件太多（{len(files)} 个）：一个流程最多 {MAX_FILES} 个文件。",
                             f"Too many files ({len(files)}): a process has at most {MAX_FILES}."))
    for name in files:
        if not SAFE_NAME.match(name) or name.startswith(".") or not name.endswith(KINDS):
            found.append(problem(name[:120], "文件名不可用：须是 .bpmn、.dmn、.schema.json 或 .uischema.json 文件，不能含路径或特殊字符。",
                                 "Unusable file name: it must be a .bpmn, .dmn, .schema.json or .uischema.json file "
                                 "without a path or special characters."))
        elif not isinstance(files[name], str):
            found.append(problem(name, "文件内容须为文本。", "The file content must be text."))
    return found


def parse_all(files: dict[str, str]) -> tuple[dict, dict, list[dict]]:
    """(BPMN roots, DMN roots, problems) of the XML files, each parsed safely."""
    bpmn, dmn, found = {}, {}, []
    for name, text in sorted(files.items()):
        if not isinstance(text, str):
            continue
        if name.endswith((".bpmn", ".dmn")):
            root, bad = parse_xml(name, text)
            if bad:
                found.append(bad)
            else:
                (bpmn if name.endswith(".bpmn") else dmn)[name] = root
        else:
            big = too_big(name, text)
            found += [big] if big else []
    return bpmn, dmn, found


def process_ids(bpmn: dict) -> dict[str, list[str]]:
    found = {}
    for name, root in bpmn.items():
        for process in root.iter(f"{{{BPMN}}}process"):
            found.setdefault(process.get("id"), []).append(name)
    return found


def known_names(files, bpmn: dict, dmn: dict, extra=()) -> set[str]:
    """Data names a case of this bundle can hold: form fields, script variables, decision outputs, payloads..."""
    names = set(ALWAYS_DATA) | set(extra) | form_fields(files)
    for root in dmn.values():
        names |= decision_outputs(root)
    for root in bpmn.values():
        names |= bundle_data_names(root)
    return names


def bundle_data_names(root) -> set[str]:
    names = set()
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        tag = local(el)
        if tag in ("script", "preScript", "postScript") and el.text:
            names |= assigned_names(el.text)
        elif tag in ("messageVariable", "loopDataOutputRef", "loopDataInputRef", "variableName") and el.text:
            names.add(el.text.strip())
        elif tag in ("inputDataItem", "outputDataItem", "dataObject", "dataObjectReference"):
            names |= {v for v in (el.get("name"), el.get("id")) if v}
        elif tag == "messagePayload" and el.text:
            names |= set(re.findall(r"[\"'](\w+)[\"']\s*:", el.text))
    return names


def check_bundle(key: str, files: dict[str, str], extra_names=()) -> list[dict]:
    found = name_problems(files)
    bpmn, dmn, bad = parse_all(files)
    found += bad
    processes = process_ids(bpmn)
    found += _process_id_problems(key, processes, bpmn)
    decisions = {}
    for name, root in dmn.items():
        for decision in root.iter():
            if isinstance(decision.tag, str) and local(decision) == "decision" and decision.get("id"):
                decisions[decision.get("id")] = name
    form_problems = _form_problems(bpmn, files)
    found += form_problems
    # a broken form hides its fields: do not blame the names that read them
    known = None if form_problems else known_names(files, bpmn, dmn, extra_names)
    for name, root in bpmn.items():
        found += _bpmn_problems(name, root, files, known, set(processes), set(decisions))
    for name, root in dmn.items():
        found += dmn_problems(name, root, known)
    return _unique(found)


def _bpmn_problems(name, root, files, known, processes, decisions) -> list[dict]:
    if local(root) != "definitions" or root.nsmap.get(root.prefix) != BPMN:
        return [problem(name, "这不是 BPMN 2.0 文件（根元素须为 bpmn:definitions）。",
                        "This is not a BPMN 2.0 file (the root must be bpmn:definitions).", root.sourceline)]
    found = import_problems(name, root) + structure_problems(name, root)
    found += reference_problems(name, root, processes, decisions)
    found += user_task_problems(name, root, files, known) + expression_problems(name, root, known)
    for process in root.iter(f"{{{BPMN}}}process"):
        found += start_problems(name, process)
    return found


def _process_id_problems(key: str, processes: dict, bpmn: dict) -> list[dict]:
    found = [problem(files[1], f"流程 ID“{pid}”同时出现在 {' 和 '.join(files)} 中：请删除重复的文件。",
                     f"The process id '{pid}' is in {' and '.join(files)}: remove the duplicate file.")
             for pid, files in processes.items() if len(files) > 1]
    if bpmn and key not in processes:
        ids = "、".join(sorted(p for p in processes if p)) or "（无）"
        first = next(iter(bpmn))
        found.append(problem(first, f"文件中的流程 ID 是 {ids}，而这个流程的标识是“{key}”：请在属性面板中把流程（泳池）的 ID 改为“{key}”。",
                             f"The process id in the file is {ids or '(none)'}, but this process's key is '{key}': "
                             f"set the process (pool) id to '{key}' in the properties panel.", None, None))
    if not bpmn:
        found.append(problem(f"{key}.bpmn", "缺少 BPMN 流程图文件。", "The BPMN diagram file is missing."))
    return found


def _form_problems(bpmn: dict, files: dict) -> list[dict]:
    found, seen = [], set()
    for root in bpmn.values():
        for task in root.iter(f"{{{BPMN}}}userTask"):
            props = spiff_properties(task)
            pair = (props.get("formJsonSchemaFilename"), props.get("formUiSchemaFilename"))
            if pair[0] and pair not in seen and pair[0] in files:
                seen.add(pair)
                found += check_form(pair[0], files.get(pair[0]), pair[1] or "", files.get(pair[1] or ""))[1]
    return found


def _unique(found: list[dict]) -> list[dict]:
    seen, result = set(), []
    for p in found:
        key = (p["file"], p["line"], p["element"], p["message"])
        if key not in seen:
            seen.add(key)
            result.append(p)
    return result

