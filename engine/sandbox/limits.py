"""Limits of the script sandbox: no huge operation, no endless loop, no swallowed timeout.

A single C operation (`10**10**8`, `'a' * 10**9`) holds the GIL until it ends and cannot be interrupted,
so the operators that can build huge values (`**`, `*`, `<<`, `+` and their in-place forms) go through
checked functions that refuse before computing. Loops, functions, lambdas and exception handlers call
`_tick_` so a timeout is raised again wherever a script tries to catch it."""
from __future__ import annotations

import ast
import operator
import re

from RestrictedPython.Eval import default_guarded_getiter
from RestrictedPython.transformer import RestrictingNodeTransformer

from .watchdog import tick

MAX_INT_BITS = 64_000          # about 19,000 decimal digits
MAX_ITEMS = 1_000_000          # characters of a string, items of a list, length of a range
_SEQUENCES = (str, bytes, bytearray, list, tuple)
_WIDTH_METHODS = {"ljust", "rjust", "center", "zfill"}
_GROWTH_METHODS = {"extend", "join", "expandtabs", "replace"}    # str.format is refused by RestrictedPython
_BIG_WIDTH = re.compile(r"\d{7,}")                     # a field width of a million characters or more
_PERCENT_WIDTH = re.compile(r"%[^a-zA-Z%]*(\*|\d{7,})")


class SandboxLimit(Exception):
    """A script asked for an operation too large to run."""


def _bits(value) -> int:
    return value.bit_length() if isinstance(value, int) else 0


def _check_int(bits: int) -> None:
    if bits > MAX_INT_BITS:
        raise SandboxLimit(f"number too large (over {MAX_INT_BITS} bits)")


def _check_len(length: int) -> None:
    if length > MAX_ITEMS:
        raise SandboxLimit(f"value too large (over {MAX_ITEMS:,} items)")


def checked_pow(base, exp, mod=None):
    if mod is None and isinstance(base, int) and isinstance(exp, int) and exp > 0 and abs(base) > 1:
        _check_int(max(_bits(base) - 1, 1) * exp)
    return pow(base, exp, mod) if mod is not None else base ** exp


def checked_mul(a, b):
    if isinstance(a, _SEQUENCES) and isinstance(b, int):
        _check_len(len(a) * b)
    elif isinstance(b, _SEQUENCES) and isinstance(a, int):
        _check_len(len(b) * a)
    elif isinstance(a, int) and isinstance(b, int):
        _check_int(_bits(a) + _bits(b))
    return a * b


def checked_lshift(a, b):
    if isinstance(a, int) and isinstance(b, int) and a:
        _check_int(_bits(a) + max(b, 0))
    return a << b


def checked_mod(a, b):
    if isinstance(a, str) and _PERCENT_WIDTH.search(a):
        raise SandboxLimit("'*' and widths of a million or more are not allowed in % formatting")
    return a % b


def checked_add(a, b):
    if isinstance(a, _SEQUENCES) and isinstance(b, _SEQUENCES):
        _check_len(len(a) + len(b))
    return a + b


OPERATORS = {ast.Pow: "_pow_", ast.Mult: "_mul_", ast.LShift: "_lshift_", ast.Add: "_add_", ast.Mod: "_mod_"}
_INPLACE = {"+=": checked_add, "-=": operator.isub, "*=": checked_mul, "/=": operator.itruediv,
            "//=": operator.ifloordiv, "%=": checked_mod, "**=": checked_pow, "<<=": checked_lshift,
            ">>=": operator.irshift, "&=": operator.iand, "|=": operator.ior, "^=": operator.ixor}


def inplace(op: str, x, y):
    return _INPLACE[op](x, y)


def limited_range(*args):
    found = range(*args)
    _check_len(len(found))
    return found


def guarded_iter(obj):
    """Iterate with a deadline (and memory) check at every item: comprehensions have no loop body to tick."""
    for item in default_guarded_getiter(obj):
        tick()
        yield item


def guard_method(obj, name, method):
    """Refuse string and list methods that would build a huge value, before they run."""
    if not isinstance(obj, _SEQUENCES) or name not in _WIDTH_METHODS | _GROWTH_METHODS:
        return method

    def checked(*args, **kwargs):
        if name in _WIDTH_METHODS and args and isinstance(args[0], int):
            _check_len(args[0])
        elif name == "extend" and args and hasattr(args[0], "__len__"):
            _check_len(len(obj) + len(args[0]))
        elif name == "join" and args:
            args = (list(args[0]),) + args[1:]       # a generator too: count what it would join
            _check_len(sum(len(s) for s in args[0] if isinstance(s, str)) + len(obj) * len(args[0]))
        elif name == "expandtabs":
            _check_len(len(obj) * (args[0] if args and isinstance(args[0], int) else 8))
        elif name == "replace" and len(args) > 1 and isinstance(args[1], str):
            _check_len(len(obj) + len(args[1]) * (obj.count(args[0]) if isinstance(args[0], str) else 1)
                       + (len(obj) * len(args[1]) if args[0] == "" else 0))
        return method(*args, **kwargs)
    return checked


def _tick_call() -> ast.Expr:
    return ast.Expr(ast.Call(func=ast.Name("_tick_", ast.Load()), args=[], keywords=[]))


class LimitingTransformer(RestrictingNodeTransformer):
    """RestrictedPython's checks plus operator guards, deadline checks and no catch-all handlers."""

    def visit_BinOp(self, node):
        node = self.node_contents_visit(node)
        name = OPERATORS.get(type(node.op))
        if name is None:
            return node
        call = ast.Call(func=ast.Name(name, ast.Load()), args=[node.left, node.right], keywords=[])
        return ast.fix_missing_locations(ast.copy_location(call, node))

    def visit_FormattedValue(self, node):
        spec = ast.unparse(node.format_spec) if node.format_spec is not None else ""
        if _BIG_WIDTH.search(spec) or any(isinstance(n, ast.FormattedValue) for n in
                                          ast.walk(node.format_spec or ast.Constant(""))):
            self.error(node, "field widths of a million or more and computed format specs are not allowed")
        return super().visit_FormattedValue(node)

    def _with_tick(self, node):
        node.body.insert(0, ast.copy_location(_tick_call(), node))
        ast.fix_missing_locations(node)
        return node

    def visit_While(self, node):
        return self._with_tick(super().visit_While(node))

    def visit_For(self, node):
        return self._with_tick(super().visit_For(node))

    def visit_FunctionDef(self, node):
        return self._with_tick(super().visit_FunctionDef(node))

    def visit_Lambda(self, node):
        node = super().visit_Lambda(node)
        tick_call = ast.Call(func=ast.Name("_tick_", ast.Load()), args=[], keywords=[])
        node.body = ast.BoolOp(op=ast.Or(), values=[tick_call, node.body])
        ast.fix_missing_locations(ast.copy_location(node.body, node))
        return node

    def visit_Try(self, node):
        node = super().visit_Try(node)
        if node.finalbody:
            node.finalbody.insert(0, ast.copy_location(_tick_call(), node.finalbody[0]))
            ast.fix_missing_locations(node)
        return node

    def visit_ExceptHandler(self, node):
        if node.type is None:
            self.error(node, "a bare 'except:' is not allowed; name the exceptions to catch")
        elif any(isinstance(n, ast.Name) and n.id in ("BaseException", "SystemExit", "KeyboardInterrupt",
                                                       "GeneratorExit") for n in ast.walk(node.type)):
            self.error(node, "catching BaseException is not allowed; catch Exception or narrower")
        return self._with_tick(super().visit_ExceptHandler(node))


GUARDS = {"_pow_": checked_pow, "_mul_": checked_mul, "_lshift_": checked_lshift, "_add_": checked_add,
          "_mod_": checked_mod,
          "_tick_": tick, "_getiter_": guarded_iter, "_inplacevar_": inplace}
