"""Process bundles: collect a process's BPMN, DMN and form files, validate them, compile specs."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from defusedxml import ElementTree as SafeET
from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask as UserTaskMixin
from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser

from .design.checks import check_bundle
from .design.form_checks import check_form
from .design.groups import lane_group
from .design.problems import problem as design_problem
from .design.problems import wrap_engine_message
from .design.timers import convert_literals
from .forms import Form

MAX_FILE_BYTES = 2_000_000
TASK_EXPRESSIONS = ("candidateGroups", "dueAt", "dueRule", "maskFields", "excludedUsers")
BPMN_NS = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"


class InvalidProcess(Exception):
    """A bundle that must not be deployed; `problems` are dicts {file, line, element, message}."""

    def __init__(self, problems):
        super().__init__("; ".join(p["message"] for p in problems))
        self.problems = problems


def problem(file, message, line=None, element=None):
    """A problem with one message (English, from the engine) for both languages."""
    return design_problem(file, message, message, line, element)


@dataclass
class Bundle:
    """The files of one deployment; immutable and identified by the SHA-256 of its content."""
    key: str
    files: dict[str, str]

    @property
    def hash(self) -> str:
        digest = hashlib.sha256()
        for name in sorted(self.files):
            digest.update(name.encode() + b"\0" + self.files[name].encode() + b"\0")
        return digest.hexdigest()


@dataclass
class UserTaskInfo:
    bpmn_id: str
    name: str
    lane: str | None
    form: Form
    expressions: dict[str, str] = field(default_factory=dict)


@dataclass
class CompiledBundle:
    bundle: Bundle
    name: str
    spec: object
    subprocess_specs: dict
    user_tasks: dict[str, UserTaskInfo]
    start_form: Form | None = None

    @property
    def forms(self) -> list[Form]:
        return [t.form for t in self.user_tasks.values()]


def _root_of(name: str, text: str):
    if len(text.encode()) > MAX_FILE_BYTES:
        raise InvalidProcess([problem(name, f"file larger than {MAX_FILE_BYTES} bytes")])
    try:
        return SafeET.fromstring(text.encode(), forbid_dtd=True)
    except Exception as exc:  # defusedxml and expat raise several types
        line = (getattr(exc, "position", None) or (None,))[0]
        raise InvalidProcess([problem(name, f"not well-formed or unsafe XML: {exc}", line)]) from exc


def _ids(root, tag: str) -> list[str]:
    return [el.get("id") for el in root.iter() if el.tag.split("}")[-1] == tag and el.get("id")]


def bundle_from_directory(key: str, processes_dir: Path, forms_dir: Path) -> Bundle:
    """Collect `<key>.bpmn`, the processes it calls, the DMN tables and forms it uses."""
    xml = {p.name: p.read_text("utf-8") for p in sorted(Path(processes_dir).glob("*.bpmn"))}
    dmn = {p.name: p.read_text("utf-8") for p in sorted(Path(processes_dir).glob("*.dmn"))}
    by_process = {pid: n for n, t in xml.items() for pid in _ids(_root_of(n, t), "process")}
    by_decision = {did: n for n, t in dmn.items() for did in _ids(_root_of(n, t), "decision")}
    if key not in by_process:
        raise InvalidProcess([problem(f"{key}.bpmn", f"no process with id '{key}' in {processes_dir}")])
    files, todo = {}, [by_process[key]]
    while todo:
        name = todo.pop()
        if name in files:
            continue
        files[name] = xml.get(name) or dmn[name]
        todo += _references(files[name], by_process, by_decision)
    for form_name in _form_files(files):
        path = Path(forms_dir) / form_name
        if path.is_file():
            files[form_name] = path.read_text("utf-8")
    return Bundle(key, files)


def _references(text: str, by_process: dict, by_decision: dict) -> list[str]:
    root = etree.fromstring(text.encode())
    called = [el.get("calledElement") for el in root.iter(f"{BPMN_NS}callActivity")]
    decisions = [el.text.strip() for el in root.iter() if isinstance(el.tag, str)
                 and el.tag.endswith("calledDecisionId") and el.text]
    return [by_process[c] for c in called if c in by_process] + \
           [by_decision[d] for d in decisions if d in by_decision]


def _form_files(files: dict[str, str]) -> list[str]:
    names = []
    for text in (t for n, t in files.items() if n.endswith(".bpmn")):
        for el in etree.fromstring(text.encode()).iter():
            if isinstance(el.tag, str) and el.tag.endswith("}property") and \
                    el.get("name") in ("formJsonSchemaFilename", "formUiSchemaFilename"):
                names.append(el.get("value"))
    return sorted(set(names))


_COMPILED: dict[str, CompiledBundle] = {}   # by bundle hash: the same files always compile the same


def compile_bundle(bundle: Bundle) -> CompiledBundle:
    """Parse and check every file (once per content hash); raise InvalidProcess listing every problem."""
    key = f"{bundle.key}:{bundle.hash}"
    if key not in _COMPILED:
        if len(_COMPILED) > 256:
            _COMPILED.clear()
        _COMPILED[key] = _compile(bundle)
    return _COMPILED[key]


def _compile(bundle: Bundle) -> CompiledBundle:
    problems = check_bundle(bundle.key, bundle.files)     # every problem we can find without the engine
    if problems:
        raise InvalidProcess(problems)
    parser = SpiffBpmnParser()             # each BPMN file is validated once, by _schema_errors
    for name, text in sorted(bundle.files.items()):
        if name.endswith((".bpmn", ".dmn")):
            problems += _add_to_parser(parser, name, text)
    if problems:
        raise InvalidProcess(problems)
    try:
        spec = parser.get_spec(bundle.key)
        subprocess_specs = parser.get_subprocess_specs(bundle.key)
    except ValidationException as exc:
        raise InvalidProcess([_spiff_problem(exc, bundle.files)]) from exc
    user_tasks = {}
    for process, task_spec in ((s, ts) for s in [spec, *subprocess_specs.values()] for ts in s.task_specs.values()):
        if isinstance(task_spec, UserTaskMixin):
            info = _user_task_info(task_spec, process.file, bundle.files, problems)
            if info:
                user_tasks[task_spec.bpmn_id] = info
    if problems:
        raise InvalidProcess([_with_line(p, bundle.files) for p in problems])
    return CompiledBundle(bundle, spec.description or bundle.key, spec, subprocess_specs, user_tasks)


def _add_to_parser(parser, name, text) -> list[dict]:
    """Add one file; the XML schema's errors are all listed (the parser itself stops at the first)."""
    xml = text.encode()
    if name.endswith(".bpmn"):
        xml = convert_literals(xml)
        found = _schema_errors(name, xml)
        if found:
            return found
    try:
        add = parser.add_bpmn_str if name.endswith(".bpmn") else parser.add_dmn_str
        add(xml, name)
    except etree.XMLSyntaxError as exc:
        return [problem(name, exc.msg, exc.lineno)]
    except ValidationException as exc:
        return [_spiff_problem(exc, {name: text})]
    except Exception as exc:  # the DMN parser raises AttributeError and friends on bad tables
        zh, en = wrap_engine_message(f"{type(exc).__name__}: {exc}")
        return [design_problem(name, zh, en)]
    return []


def _schema_errors(name: str, xml: bytes) -> list[dict]:
    schema = VALIDATOR.validator
    if schema.validate(etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))):
        return []
    found = []
    for error in schema.error_log:
        zh, en = wrap_engine_message(error.message)
        found.append(design_problem(name, zh.replace("流程引擎无法读取该元素", "不符合 BPMN 2.0 规范"),
                                    en.replace("The workflow engine cannot read this element", "Not valid BPMN 2.0"),
                                    error.line))
    return found


def _spiff_problem(exc: ValidationException, files: dict[str, str]) -> dict:
    """Spiff's message without the location it appends (file, line, element and label are fields here)."""
    zh, en = wrap_engine_message(str(exc.args[0]))
    found = design_problem(exc.file_name, zh, en, exc.line_number, exc.id, exc.name)
    return _with_line(found, files)


def _with_line(found: dict, files: dict[str, str]) -> dict:
    """Fill in the line of the element a problem names, so a designer can find it."""
    if found["line"] or not found["element"] or not found["file"].endswith((".bpmn", ".dmn")) \
            or found["file"] not in files:
        return found
    hits = etree.fromstring(files[found["file"]].encode()).xpath("//*[@id=$i]", i=found["element"])
    return {**found, "line": hits[0].sourceline if hits else None}


def _user_task_info(ts, file, files, problems) -> UserTaskInfo | None:
    """What the runtime needs of a user task in the diagram `file` (the checks already refused incomplete ones)."""
    props = dict(ts.extensions.get("properties", {}))
    group = lane_group(ts.lane)
    if not props.get("candidateGroups") and group and group != "dept:":
        props["candidateGroups"] = repr(group)         # a task in a group's lane goes to that group
    schema_name, ui_name = props.get("formJsonSchemaFilename"), props.get("formUiSchemaFilename")
    if not (schema_name and ui_name and props.get("candidateGroups")) or schema_name not in files:
        problems.append(design_problem(file, f"用户任务“{ts.bpmn_name or ts.bpmn_id}”缺少表单或办理岗位。",
                                       f"The user task '{ts.bpmn_name or ts.bpmn_id}' lacks a form or groups.",
                                       None, ts.bpmn_id, ts.bpmn_name))
        return None
    form, found = check_form(schema_name, files[schema_name], ui_name, files.get(ui_name))
    if form is None:
        problems += found
        return None
    expressions = {k: props[k] for k in TASK_EXPRESSIONS if props.get(k)}
    return UserTaskInfo(ts.bpmn_id, ts.bpmn_name or ts.bpmn_id, ts.lane, form, expressions)
