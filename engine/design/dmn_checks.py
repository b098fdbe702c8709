"""Decision tables: one decision per file, every cell compiled in the sandbox the engine runs them in."""
from __future__ import annotations

import ast
import re

from ..sandbox.scripting import compile_sandboxed
from .expressions import FORBIDDEN, check_code
from .problems import problem
from .xmlfiles import DMN_NAMESPACES, local, ns, where

PYTHON_LANGUAGES = {"python", "python3", "http://www.python.org/", "https://www.python.org/"}
FEEL_RANGE = re.compile(r"^\s*[\[\](]\s*[^,]*\.\.[^,]*[\])\[]\s*$")


def _d(root, name):
    return [el for el in root.iter() if isinstance(el.tag, str) and local(el) == name]


def dmn_problems(file: str, root, known: set[str]) -> list[dict]:
    if ns(root) not in DMN_NAMESPACES or local(root) != "definitions":
        return [problem(file, "这不是 DMN 1.3 决策表文件（根元素须为 DMN 的 definitions）。",
                        "This is not a DMN file (the root must be DMN definitions).", root.sourceline)]
    decisions = _d(root, "decision")
    if len(decisions) != 1:
        return [problem(file, f"每个 DMN 文件只能有一个决策（现有 {len(decisions)} 个）：请拆分成多个文件。",
                        f"Each DMN file must hold exactly one decision (found {len(decisions)}): split the file.",
                        root.sourceline)]
    found = _language_problems(file, root)
    for table in _d(decisions[0], "decisionTable"):
        found += _table_problems(file, table, known)
    return found


def _language_problems(file, root) -> list[dict]:
    found = []
    for el in [root, *_d(root, "inputExpression"), *_d(root, "inputEntry"), *_d(root, "outputEntry")]:
        language = el.get("expressionLanguage")
        if language and language.lower() not in PYTHON_LANGUAGES:
            found.append(problem(file, f"表达式语言“{language}”不受支持：本系统的决策表单元格是 Python 表达式，"
                                 "请把 expressionLanguage 设为 python 并改写单元格（如 [3..4] 写成 3 <= ? <= 4）。",
                                 f"The expression language '{language}' is not supported: cells here are Python; "
                                 "set expressionLanguage to python and rewrite the cells (e.g. [3..4] as 3 <= ? <= 4).",
                                 el.sourceline, el.get("id")))
    return found


def _table_problems(file, table, known) -> list[dict]:
    found, inputs = [], []
    for inp in _d(table, "input"):
        text_el = next(iter(_d(inp, "text")), None)
        expr = (text_el.text or "").strip() if text_el is not None else ""
        inputs.append(expr)
        at = {**where(file, inp), "label": inp.get("label")}
        if not expr:
            found.append(problem(file, "输入列没有表达式：请填写要判断的字段名。", "An input column has no expression: "
                                 "enter the field it tests.", at["line"], at["element"], at["label"]))
        else:
            found += check_code(expr, "eval", at, known, ("输入列表达式", "The input expression"))
    for number, rule in enumerate(_d(table, "rule"), 1):
        entries = [(e, "in") for e in _d(rule, "inputEntry")] + [(e, "out") for e in _d(rule, "outputEntry")]
        for column, (entry, kind) in enumerate(entries):
            text = "".join(t.text or "" for t in _d(entry, "text")).strip()
            expr = inputs[column] if kind == "in" and column < len(inputs) else ""
            found += _cell_problems(file, entry, number, text, kind, expr)
    return found


def _cell_problems(file, entry, number, text, kind, input_expr) -> list[dict]:
    if kind == "in" and text in ("", "-"):
        return []
    at = {"file": file, "line": entry.sourceline, "element": entry.get("id"), "label": f"第 {number} 行 / rule {number}"}
    def bad(zh, en):
        return [problem(file, f"决策表第 {number} 行单元格“{text}”{zh}", f"Rule {number}, cell '{text}': {en}",
                        at["line"], at["element"], at["label"])]
    if kind == "out" and not text:
        return bad("为空：输出单元格须填写 Python 表达式（文字加引号）。", "is empty: an output cell needs a Python "
                   "expression (text in quotes).")
    if FEEL_RANGE.match(text):
        return bad("是 FEEL 区间写法，本系统不支持：请写成 Python 比较，例如 [3..4] 写成 3 <= ? <= 4。",
                   "is a FEEL range, not supported here: write a Python comparison, e.g. [3..4] as 3 <= ? <= 4.")
    try:
        tree = ast.parse(_as_engine_runs_it(text, kind, input_expr), mode="eval")
        compile_sandboxed(ast.unparse(tree), "eval")
    except (SyntaxError, ValueError):
        return bad_syntax(bad)
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} & FORBIDDEN
    if names:
        return bad(f"使用了不允许的“{sorted(names)[0]}”：沙箱不提供它。", f"uses '{sorted(names)[0]}', which the "
                   "sandbox does not provide.")
    if kind == "in" and _is_feel_list(text):
        return bad("是 FEEL 列表写法，永远不会匹配：请写成 ? in (\"a\", \"b\")。", "is a FEEL list and never "
                   "matches: write ? in (\"a\", \"b\").")
    return []


QUESTION = re.compile(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)")


def _as_engine_runs_it(text: str, kind: str, input_expr: str) -> str:
    """The expression SpiffWorkflow's DMN engine evaluates for a cell (see DMNEngine.evaluate)."""
    if kind == "out":
        return text
    if QUESTION.search(text):
        return QUESTION.sub("dmninputexpr", text)
    try:
        ast.parse(text)
        return f"({input_expr or 'x'}) == ({text})"
    except SyntaxError:
        return f"{input_expr or 'x'}{text}"


def _is_feel_list(text: str) -> bool:
    try:
        return isinstance(ast.parse(text, mode="eval").body, ast.Tuple)
    except SyntaxError:
        return False


def bad_syntax(bad):
    return bad("不是有效的 Python 表达式，或被沙箱拒绝（不能使用 import 和以下划线开头的名字）。文字须加引号，例如 \"一般\"。",
               "is no valid Python expression or is refused by the sandbox (no import, no names starting with _). "
               "Put text in quotes, e.g. \"general\".")


def decision_outputs(root) -> set[str]:
    return {o.get("name").split(".")[0] for o in _d(root, "output") if o.get("name")}
