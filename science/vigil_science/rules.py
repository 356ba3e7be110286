"""A tiny JSON expression language for diagnostic rules, evaluated without eval.

Grammar (docs/bundle-format.md, "Rules expressions"):
  expr   := number | true | false | "<column>" | { op: args }
  numeric ops: add, mul, min, max (2+ numeric args); sub, div (exactly 2); abs, neg (1 numeric arg)
  comparisons: gt, ge, lt, le, eq, ne (exactly 2 numeric args) -> boolean; false when either side is NaN
  logic: all, any (1+ boolean args); not (1 boolean arg); missing ("<column>") -> boolean (value is NaN)
Strings are always column references; there are no string literals.
"""

from __future__ import annotations

from typing import Any

import numpy as np

NUM, BOOL = "number", "boolean"
NARY_NUM = {"add": np.add, "mul": np.multiply, "min": np.minimum, "max": np.maximum}
BINARY_NUM = {"sub": np.subtract, "div": np.divide}
UNARY_NUM = {"abs": np.abs, "neg": np.negative}
COMPARE = {
    "gt": np.greater,
    "ge": np.greater_equal,
    "lt": np.less,
    "le": np.less_equal,
    "eq": np.equal,
    "ne": np.not_equal,
}
MAX_DEPTH = 32


class RuleError(ValueError):
    pass


def _args(expr: dict[str, Any], op: str) -> list[Any]:
    args = expr[op]
    if op in UNARY_NUM or op in ("not", "missing"):
        return [args]
    if not isinstance(args, list):
        raise RuleError(f"{op}: arguments must be a list")
    return args


def check(expr: Any, columns: set[str], depth: int = 0) -> str:
    """Type of `expr` (number or boolean); raises RuleError on anything outside the grammar."""
    if depth > MAX_DEPTH:
        raise RuleError("expression nested too deeply")
    if isinstance(expr, bool):
        return BOOL
    if isinstance(expr, (int, float)):
        if not np.isfinite(expr):
            raise RuleError("numbers must be finite")
        return NUM
    if isinstance(expr, str):
        if expr not in columns:
            raise RuleError(f"unknown column {expr!r}")
        return NUM
    if not isinstance(expr, dict) or len(expr) != 1:
        raise RuleError(f"an operator must be an object with exactly one key: {expr!r}")
    op = next(iter(expr))
    args = _args(expr, op)
    if op == "missing":
        if not isinstance(args[0], str) or args[0] not in columns:
            raise RuleError(f"missing: takes one column name, got {args[0]!r}")
        return BOOL
    kinds = [check(a, columns, depth + 1) for a in args]
    if op in NARY_NUM or op in BINARY_NUM or op in UNARY_NUM or op in COMPARE:
        want = 2 if (op in BINARY_NUM or op in COMPARE) else None
        if want is not None and len(args) != want:
            raise RuleError(f"{op}: takes exactly {want} arguments")
        if op in NARY_NUM and len(args) < 2:
            raise RuleError(f"{op}: takes at least 2 arguments")
        if any(k != NUM for k in kinds):
            raise RuleError(f"{op}: arguments must be numbers")
        return BOOL if op in COMPARE else NUM
    if op in ("all", "any", "not"):
        if not args:
            raise RuleError(f"{op}: needs at least one argument")
        if any(k != BOOL for k in kinds):
            raise RuleError(f"{op}: arguments must be booleans")
        return BOOL
    raise RuleError(f"unknown operator {op!r}")


def columns_of(expr: Any) -> list[str]:
    """Column references in order of first appearance."""
    out: list[str] = []

    def walk(e: Any) -> None:
        if isinstance(e, str):
            if e not in out:
                out.append(e)
        elif isinstance(e, dict):
            for a in _args(e, next(iter(e))):
                walk(a)

    walk(expr)
    return out


def evaluate(expr: Any, row: dict[str, np.ndarray], n: int) -> np.ndarray:
    """Vectorised evaluation over n rows: float64 for numbers, bool for booleans."""
    if isinstance(expr, bool):
        return np.full(n, expr)
    if isinstance(expr, (int, float)):
        return np.full(n, float(expr))
    if isinstance(expr, str):
        return row[expr]
    op = next(iter(expr))
    args = _args(expr, op)
    if op == "missing":
        return np.isnan(row[args[0]])
    vals = [evaluate(a, row, n) for a in args]
    with np.errstate(all="ignore"):
        if op in NARY_NUM:
            acc = vals[0]
            for v in vals[1:]:
                acc = NARY_NUM[op](acc, v)
            return acc
        if op in BINARY_NUM:
            return BINARY_NUM[op](vals[0], vals[1])
        if op in UNARY_NUM:
            return UNARY_NUM[op](vals[0])
        if op in COMPARE:
            a, b = vals
            return COMPARE[op](a, b) & ~np.isnan(a) & ~np.isnan(b)
    if op == "all":
        return np.logical_and.reduce(vals)
    if op == "any":
        return np.logical_or.reduce(vals)
    return ~vals[0]  # not
