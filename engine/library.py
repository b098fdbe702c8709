"""Process bundles: collect a process's BPMN, DMN and form files, validate them, compile specs."""
from __future__ import annotations

import ast
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from defusedxml import ElementTree as SafeET
from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask as UserTaskMixin
from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser

from .forms import Form, FormError, load_form
from .scripting import compile_sandboxed

MAX_FILE_BYTES = 2_000_000
TASK_EXPRESSIONS = ("candidateGroups", "dueAt", "maskFields")
BPMN_NS = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"


class InvalidProcess(Exception):
    """A bundle that must not be deployed; `problems` are dicts {file, line, element, message}."""

    def __init__(self, problems):
        super().__init__("; ".join(p["message"] for p in problems))
        self.problems = problems


def problem(file, message, line=None, element=None):
    return {"file": file, "line": line, "element": element, "message": message}


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
    parser = SpiffBpmnParser(validator=VALIDATOR)
    problems = []
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
    all_specs = [spec, *subprocess_specs.values()]
    problems = [p for s in all_specs for p in _lint_expressions(s)]
    user_tasks = {}
    for s, task_spec in ((s, ts) for s in all_specs for ts in s.task_specs.values()):
        if isinstance(task_spec, UserTaskMixin):
            info = _user_task_info(task_spec, s.file, bundle.files, problems)
            if info:
                user_tasks[task_spec.bpmn_id] = info
        elif getattr(task_spec, "manual", False):   # a plain or manual task stops the case with no form
            problems.append(problem(s.file, f"task {task_spec.bpmn_id} waits for a person but is not "
                                    "a user task with a form", None, task_spec.bpmn_id))
    if problems:
        raise InvalidProcess([_with_line(p, bundle.files) for p in problems])
    return CompiledBundle(bundle, spec.description or bundle.key, spec, subprocess_specs, user_tasks)


def _add_to_parser(parser, name, text) -> list[dict]:
    _root_of(name, text)
    try:
        add = parser.add_bpmn_str if name.endswith(".bpmn") else parser.add_dmn_str
        add(text.encode(), name)
    except etree.XMLSyntaxError as exc:
        return [problem(name, exc.msg, exc.lineno)]
    except ValidationException as exc:
        return [_spiff_problem(exc, {name: text})]
    except Exception as exc:  # the DMN parser raises AttributeError and friends on bad tables
        return [problem(name, f"{type(exc).__name__}: {exc}")]
    return []


def _spiff_problem(exc: ValidationException, files: dict[str, str]) -> dict:
    found = problem(getattr(exc, "file_name", "") or "", exc.args[0] if exc.args else str(exc),
                    exc.line_number or None, getattr(exc, "id", None))
    return _with_line(found, files)


def _with_line(found: dict, files: dict[str, str]) -> dict:
    """Fill in the line of the element a problem names, so a designer can find it."""
    if found["line"] or not found["element"] or not found["file"].endswith((".bpmn", ".dmn")) \
            or found["file"] not in files:
        return found
    hits = etree.fromstring(files[found["file"]].encode()).xpath("//*[@id=$i]", i=found["element"])
    return {**found, "line": hits[0].sourceline if hits else None}


def _lint_expressions(spec) -> list[dict]:
    """Compile every script, condition and timer now, in the sandbox, instead of at run time."""
    found = []
    for ts in spec.task_specs.values():
        sources = [(getattr(ts, "script", None), "exec")]
        sources += [(cond.args[0], "eval") for cond, _ in getattr(ts, "cond_task_specs", [])
                    if cond is not None and getattr(cond, "args", None)]
        expression = getattr(getattr(ts, "event_definition", None), "expression", None)
        sources.append((expression, "eval"))
        for src, mode in sources:
            if src and isinstance(src, str):
                found += _lint(spec.file, ts, src, mode)
    return found


def _lint(file, ts, src, mode):
    src = src.strip() if mode == "eval" else src
    try:
        tree = ast.parse(src, mode=mode)
        compile_sandboxed(src, mode)
    except SyntaxError as exc:
        return [problem(file, f"{ts.bpmn_id}: {exc.msg}", None, ts.bpmn_id)]
    if any(isinstance(node, (ast.Import, ast.ImportFrom)) for node in ast.walk(tree)):
        return [problem(file, f"{ts.bpmn_id}: import is not allowed in diagram scripts", None, ts.bpmn_id)]
    return []


def _user_task_info(ts, file, files, problems) -> UserTaskInfo | None:
    props = ts.extensions.get("properties", {})
    missing = [p for p in ("formJsonSchemaFilename", "formUiSchemaFilename", "candidateGroups")
               if not props.get(p)]
    if missing:
        problems.append(problem(file, f"user task {ts.bpmn_id} lacks {', '.join(missing)}", None, ts.bpmn_id))
        return None
    schema_name, ui_name = props["formJsonSchemaFilename"], props["formUiSchemaFilename"]
    absent = [n for n in (schema_name, ui_name) if n not in files]
    if absent:
        problems.append(problem(file, f"user task {ts.bpmn_id}: form file missing: {', '.join(absent)}",
                                None, ts.bpmn_id))
        return None
    try:
        form = load_form(files[schema_name], files[ui_name], schema_name.removesuffix(".schema.json"))
    except FormError as exc:
        problems += [problem(schema_name, msg, None, ts.bpmn_id) for msg in exc.problems]
        return None
    expressions = {k: props[k] for k in TASK_EXPRESSIONS if props.get(k)}
    for src in expressions.values():
        problems += _lint(file, ts, src, "eval")
    return UserTaskInfo(ts.bpmn_id, ts.bpmn_name or ts.bpmn_id, ts.lane, form, expressions)
