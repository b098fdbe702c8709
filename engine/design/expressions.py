"""Scripts, conditions and property expressions: compile in the sandbox, find forbidden and undefined names."""
from __future__ import annotations

import ast
import builtins

from ..sandbox.scripting import GUARDS, compile_sandboxed, host_functions
from .problems import problem
from .groups import GROUP_PREFIXES

SANDBOX_NAMES = set(GUARDS["__builtins__"]) | set(host_functions(lambda: None, lambda: None))
FORBIDDEN = {n for n in dir(builtins) if not n.startswith("_")} - SANDBOX_NAMES
ALWAYS_DATA = {"case_no", "parent_case_no", "parent_process"}


def loaded_and_stored(tree) -> tuple[list[tuple[str, int]], set[str]]:
    """Names read (with their line) and names bound anywhere in the code (assignments, loops, comprehensions)."""
    loads, stores = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                loads.append((node.id, getattr(node, "lineno", 1)))
            else:
                stores.add(node.id)
        elif isinstance(node, ast.arg):
            stores.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.Lambda)) and hasattr(node, "name"):
            stores.add(node.name)
    return loads, stores


def assigned_names(script: str) -> set[str]:
    """Names a script sets (data it adds to the case)."""
    try:
        return loaded_and_stored(ast.parse(script))[1]
    except SyntaxError:
        return set()


def check_code(src: str, mode: str, where: dict, known: set[str] | None, what: tuple[str, str]) -> list[dict]:
    """Problems of one script (mode "exec") or expression ("eval"); `known` = data names, None = do not check."""
    text = src.strip() if mode == "eval" else src
    zh_what, en_what = what
    try:
        tree = ast.parse(text, mode=mode)
    except SyntaxError as exc:
        return [_at(where, f"{zh_what}有语法错误（第 {exc.lineno or 1} 行）：{exc.msg}。请检查引号、括号和运算符。",
                    f"{en_what} has a syntax error (line {exc.lineno or 1}): {exc.msg}. Check quotes, brackets "
                    "and operators.")]
    if any(isinstance(n, (ast.Import, ast.ImportFrom)) for n in ast.walk(tree)):
        return [_at(where, f"{zh_what}不允许使用 import：请改用系统提供的函数（见流程设计说明）。",
                    f"{en_what}: import is not allowed; use the host functions listed in processes/README.md.")]
    found = _names(tree, where, known, what)
    try:
        compile_sandboxed(text, mode)
    except SyntaxError as exc:
        if not found:
            found.append(_at(where, f"{zh_what}被沙箱拒绝：{exc.msg}（不能使用以下划线开头的名字或属性）。",
                             f"{en_what} is refused by the sandbox: {exc.msg} (names and attributes starting "
                             "with _ are not allowed)."))
    return found


def _names(tree, where, known, what) -> list[dict]:
    loads, stores = loaded_and_stored(tree)
    found, seen = [], set()
    for name, _line in loads:
        if name in seen or name in stores:
            continue
        seen.add(name)
        if name in FORBIDDEN:
            found.append(_at(where, f"{what[0]}不允许使用“{name}”：沙箱不提供它（不能读写文件、执行代码或查看对象类型）。",
                             f"{what[1]}: '{name}' is not allowed; the sandbox does not provide it (no files, "
                             "no running code, no object types)."))
        elif known is not None and name not in known and name not in SANDBOX_NAMES:
            found.append(_at(where, f"{what[0]}使用了未定义的名字“{name}”：它既不是表单字段、决策表输出、脚本设置的变量，"
                             "也不是系统函数。请检查拼写；字符串须加引号。",
                             f"{what[1]} uses the undefined name '{name}': it is no form field, decision output, "
                             "script variable or host function. Check the spelling; put text in quotes."))
    return found


def _at(where: dict, zh: str, en: str) -> dict:
    return problem(where.get("file"), zh, en, where.get("line"), where.get("element"), where.get("label"))


def string_constants(expression: str) -> list[str] | None:
    """Group names an expression can give, when they are written out: "operators", ["a", "b"],
    "a" if x else "b". None when the expression computes them (a name, a lookup)."""
    try:
        tree = ast.parse(expression.strip(), mode="eval").body
    except SyntaxError:
        return None
    return _constants(tree)


def _constants(node) -> list[str] | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        parts = [_constants(e) for e in node.elts]
        return None if any(p is None for p in parts) else [x for p in parts for x in p]
    if isinstance(node, ast.IfExp):
        a, b = _constants(node.body), _constants(node.orelse)
        return None if a is None or b is None else a + b
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and isinstance(node.left, ast.Constant):
        return [] if node.left.value in GROUP_PREFIXES else None
    return None
