"""Declarative pre-processing: fitting (training) and applying (scoring).

A step's manifest form holds constants only; `apply_steps` is the exact
arithmetic the TypeScript runtime reproduces (see docs/bundle-format.md,
"Pre-processing"). All arithmetic is float64. Adding an op = one class with
`fit`, `apply` and `outputs`, registered in STEP_OPS.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from .errors import BUNDLE_INVALID, CONFIG_INVALID, VigilScienceError
from .frame import Frame

Row = dict[str, np.ndarray]


@dataclass(frozen=True)
class Provenance:
    """Where a column comes from; lets the kit keep a target's own present value out of its features."""

    source: str  # input column or attribute it derives from
    kind: str  # input | lag | diff | onehot
    lag: int = 0


class StepOp(Protocol):
    def fit(self, cfg: dict[str, Any], ctx: FitContext) -> dict[str, Any]: ...

    def apply(self, step: dict[str, Any], row: Row, frame: Frame) -> None: ...

    def outputs(self, step: dict[str, Any]) -> list[str]:
        """Columns the step adds to the row (in-place steps add none)."""
        ...

    def reads(self, step: dict[str, Any]) -> list[str]:
        """Columns the step reads (raw input columns for lag/diff, row columns otherwise)."""
        ...


@dataclass
class FitContext:
    row: Row
    frame: Frame
    fit_mask: np.ndarray
    provenance: dict[str, Provenance]

    def select(self, selector: Any, what: str) -> list[str]:
        """Config column selector: a list of names, or "*" = every row column except one-hot columns."""
        if selector == "*":
            return [c for c in self.row if self.provenance[c].kind != "onehot"]
        if isinstance(selector, list) and all(isinstance(c, str) for c in selector):
            unknown = [c for c in selector if c not in self.row]
            if unknown:
                raise VigilScienceError(CONFIG_INVALID, f"{what}: unknown columns {unknown}")
            return list(selector)
        raise VigilScienceError(CONFIG_INVALID, f'{what}: columns must be a list of names or "*"')

    def fit_values(self, column: str) -> np.ndarray:
        x = self.row[column][self.fit_mask]
        return x[np.isfinite(x)]


def _finite_or_fail(value: float, what: str) -> float:
    if not np.isfinite(value):
        raise VigilScienceError(CONFIG_INVALID, f"{what}: no finite training value to fit on")
    return float(value)


def shift_by_entity(x: np.ndarray, entity: np.ndarray, k: int) -> np.ndarray:
    """Value of x in the k-th previous row of the same entity (row order); NaN when there is none."""
    if k == 0:
        return x.copy()
    return pd.Series(x).groupby(pd.Series(entity), sort=False).shift(k).to_numpy(dtype=np.float64)


class Impute:
    def fit(self, cfg: dict[str, Any], ctx: FitContext) -> dict[str, Any]:
        strategy = cfg.get("strategy", "median")
        values: dict[str, float] = {}
        for c in ctx.select(cfg.get("columns", "*"), "impute"):
            x = ctx.fit_values(c)
            if strategy == "constant":
                values[c] = float(cfg["value"])
            elif strategy in ("median", "mean"):
                if x.size == 0:
                    raise VigilScienceError(CONFIG_INVALID, f"impute: column {c} has no finite training value")
                values[c] = float(np.median(x) if strategy == "median" else np.mean(x))
            else:
                raise VigilScienceError(CONFIG_INVALID, f"impute: unknown strategy {strategy!r}")
        return {"op": "impute", "values": values}

    def apply(self, step: dict[str, Any], row: Row, frame: Frame) -> None:
        for c, v in step["values"].items():
            x = row[c]
            row[c] = np.where(np.isnan(x), v, x)

    def outputs(self, step: dict[str, Any]) -> list[str]:
        return []

    def reads(self, step: dict[str, Any]) -> list[str]:
        return list(step["values"])


class Clip:
    def fit(self, cfg: dict[str, Any], ctx: FitContext) -> dict[str, Any]:
        bounds: dict[str, list[float | None]] = {}
        for c in ctx.select(cfg.get("columns", "*"), "clip"):
            if "quantiles" in cfg:
                qlo, qhi = cfg["quantiles"]
                x = ctx.fit_values(c)
                if x.size == 0:
                    raise VigilScienceError(CONFIG_INVALID, f"clip: column {c} has no finite training value")
                lo = None if qlo is None else float(np.quantile(x, qlo))
                hi = None if qhi is None else float(np.quantile(x, qhi))
            else:
                lo, hi = cfg.get("lo"), cfg.get("hi")
            bounds[c] = [lo, hi]
        return {"op": "clip", "bounds": bounds}

    def apply(self, step: dict[str, Any], row: Row, frame: Frame) -> None:
        for c, (lo, hi) in step["bounds"].items():
            x = row[c]
            # max then min, NaN stays NaN (as Math.min(Math.max(x, lo), hi) in JavaScript)
            if lo is not None:
                x = np.where(np.isnan(x), x, np.maximum(x, lo))
            if hi is not None:
                x = np.where(np.isnan(x), x, np.minimum(x, hi))
            row[c] = x

    def outputs(self, step: dict[str, Any]) -> list[str]:
        return []

    def reads(self, step: dict[str, Any]) -> list[str]:
        return list(step["bounds"])


class Log1p:
    def fit(self, cfg: dict[str, Any], ctx: FitContext) -> dict[str, Any]:
        return {"op": "log1p", "columns": ctx.select(cfg.get("columns"), "log1p")}

    def apply(self, step: dict[str, Any], row: Row, frame: Frame) -> None:
        for c in step["columns"]:
            x = row[c]
            with np.errstate(invalid="ignore", divide="ignore"):
                row[c] = np.where(x > -1.0, np.log1p(np.where(x > -1.0, x, 0.0)), np.nan)

    def outputs(self, step: dict[str, Any]) -> list[str]:
        return []

    def reads(self, step: dict[str, Any]) -> list[str]:
        return list(step["columns"])


def _history_items(cfg: dict[str, Any], ctx: FitContext, op: str, suffix: str) -> list[dict[str, Any]]:
    lags = cfg.get("lags", [1])
    columns = cfg.get("columns")
    if columns == "*":
        columns = [c for c, p in ctx.provenance.items() if p.kind == "input"]
    if not isinstance(columns, list):
        raise VigilScienceError(CONFIG_INVALID, f'{op}: columns must be a list of input columns or "*"')
    items = []
    for c in columns:
        if c not in ctx.frame.values:
            raise VigilScienceError(CONFIG_INVALID, f"{op}: {c} is not an input column (lag/diff read raw inputs)")
        for k in lags:
            if not isinstance(k, int) or k < (0 if op == "lag" else 1):
                raise VigilScienceError(CONFIG_INVALID, f"{op}: bad lag {k!r}")
            items.append({"column": c, "lag": k, "as": f"{c}{suffix}{k}"})
    return items


class Lag:
    def fit(self, cfg: dict[str, Any], ctx: FitContext) -> dict[str, Any]:
        items = _history_items(cfg, ctx, "lag", "__lag")
        for it in items:
            ctx.provenance[it["as"]] = Provenance(it["column"], "lag", it["lag"])
        return {"op": "lag", "items": items}

    def apply(self, step: dict[str, Any], row: Row, frame: Frame) -> None:
        for it in step["items"]:
            row[it["as"]] = shift_by_entity(frame.values[it["column"]], frame.entity, it["lag"])

    def outputs(self, step: dict[str, Any]) -> list[str]:
        return [it["as"] for it in step["items"]]

    def reads(self, step: dict[str, Any]) -> list[str]:
        return [it["column"] for it in step["items"]]


class Diff(Lag):
    def fit(self, cfg: dict[str, Any], ctx: FitContext) -> dict[str, Any]:
        items = _history_items(cfg, ctx, "diff", "__diff")
        for it in items:
            ctx.provenance[it["as"]] = Provenance(it["column"], "diff", it["lag"])
        return {"op": "diff", "items": items}

    def apply(self, step: dict[str, Any], row: Row, frame: Frame) -> None:
        for it in step["items"]:
            x = frame.values[it["column"]]
            row[it["as"]] = x - shift_by_entity(x, frame.entity, it["lag"])


class Scale:
    def fit(self, cfg: dict[str, Any], ctx: FitContext) -> dict[str, Any]:
        params: dict[str, dict[str, float]] = {}
        for c in ctx.select(cfg.get("columns", "*"), "scale"):
            x = ctx.fit_values(c)
            mean = _finite_or_fail(float(np.mean(x)) if x.size else np.nan, f"scale {c}")
            std = float(np.std(x))
            params[c] = {"mean": mean, "std": std if std > 1e-12 * max(1.0, abs(mean)) else 1.0}
        return {"op": "scale", "params": params}

    def apply(self, step: dict[str, Any], row: Row, frame: Frame) -> None:
        for c, p in step["params"].items():
            row[c] = (row[c] - p["mean"]) / p["std"]

    def outputs(self, step: dict[str, Any]) -> list[str]:
        return []

    def reads(self, step: dict[str, Any]) -> list[str]:
        return list(step["params"])


class OneHot:
    def fit(self, cfg: dict[str, Any], ctx: FitContext) -> dict[str, Any]:
        attr = cfg.get("attr")
        if attr not in ctx.frame.attrs:
            raise VigilScienceError(CONFIG_INVALID, f"onehot: {attr!r} is not an input attribute")
        cats = cfg.get("categories", "learn")
        if cats == "learn":
            seen = pd.Series(ctx.frame.attrs[attr][ctx.fit_mask]).dropna().value_counts()
            cats = sorted(seen.index[: int(cfg.get("maxCategories", 20))].tolist())
        items = [{"value": str(v), "as": f"{attr}={v}"} for v in cats]
        for it in items:
            ctx.provenance[it["as"]] = Provenance(attr, "onehot")
        return {"op": "onehot", "attr": attr, "categories": items}

    def apply(self, step: dict[str, Any], row: Row, frame: Frame) -> None:
        a = frame.attrs[step["attr"]]
        for it in step["categories"]:
            row[it["as"]] = (a == it["value"]).astype(np.float64)

    def outputs(self, step: dict[str, Any]) -> list[str]:
        return [it["as"] for it in step["categories"]]

    def reads(self, step: dict[str, Any]) -> list[str]:
        return []


STEP_OPS: dict[str, StepOp] = {
    "impute": Impute(),
    "clip": Clip(),
    "log1p": Log1p(),
    "lag": Lag(),
    "diff": Diff(),
    "scale": Scale(),
    "onehot": OneHot(),
}


def initial_row(frame: Frame, inputs: list[str]) -> Row:
    return {c: frame.values[c].astype(np.float64, copy=True) for c in inputs}


def fit_steps(
    configs: list[dict[str, Any]], frame: Frame, inputs: list[str], fit_mask: np.ndarray
) -> tuple[list[dict[str, Any]], Row, dict[str, Provenance]]:
    """Fit each step on the fit rows of the output of the steps before it; return manifest steps and the final row."""
    row = initial_row(frame, inputs)
    ctx = FitContext(row, frame, fit_mask, {c: Provenance(c, "input") for c in inputs})
    steps = []
    for cfg in configs:
        op = STEP_OPS.get(cfg.get("op", ""))
        if op is None:
            raise VigilScienceError(CONFIG_INVALID, f"unknown pre-processing op {cfg.get('op')!r}")
        step = op.fit(cfg, ctx)
        op.apply(step, row, frame)
        steps.append(step)
    return steps, row, ctx.provenance


def apply_steps(steps: list[dict[str, Any]], frame: Frame, inputs: list[str]) -> Row:
    """The runtime's pre-processing, vectorised over rows: the same numbers as one row at a time."""
    row = initial_row(frame, inputs)
    for step in steps:
        STEP_OPS[step["op"]].apply(step, row, frame)
    return row


def check_steps(steps: list[dict[str, Any]], inputs: list[str], attrs: list[str]) -> list[str]:
    """Semantic check of manifest steps; returns the final column list (row order)."""
    columns = list(inputs)
    for i, step in enumerate(steps):
        op = STEP_OPS.get(step.get("op", ""))
        if op is None:
            raise VigilScienceError(BUNDLE_INVALID, f"preprocess[{i}]: unknown op {step.get('op')!r}")
        source = inputs if step["op"] in ("lag", "diff") else columns
        missing = [c for c in op.reads(step) if c not in source]
        if missing:
            what = "input columns" if step["op"] in ("lag", "diff") else "columns"
            raise VigilScienceError(BUNDLE_INVALID, f"preprocess[{i}] ({step['op']}): unknown {what} {missing}")
        if step["op"] == "onehot" and step["attr"] not in attrs:
            raise VigilScienceError(BUNDLE_INVALID, f"preprocess[{i}]: onehot of undeclared attr {step['attr']!r}")
        if step["op"] == "scale" and any(not p["std"] > 0 for p in step["params"].values()):
            raise VigilScienceError(BUNDLE_INVALID, f"preprocess[{i}]: scale std must be > 0")
        added = op.outputs(step)
        clash = [c for c in added if c in columns]
        if clash:
            raise VigilScienceError(BUNDLE_INVALID, f"preprocess[{i}]: columns already exist {clash}")
        columns += added
    return columns


def history_rows(steps: list[dict[str, Any]]) -> int:
    """How many previous raw records per entity the runtime must keep (max lag over lag/diff steps)."""
    lags = [it["lag"] for s in steps if s["op"] in ("lag", "diff") for it in s["items"]]
    return max(lags, default=0)
