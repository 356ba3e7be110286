"""What an element kind provides, and the shared ONNX evaluation path."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import onnxruntime as ort

from .onnx_graph import DTYPES, INPUT

Contributors = list[list[tuple[str, float]]]  # per row: (signal, weight), largest first


@dataclass
class ElementFit:
    entry: dict[str, Any]  # manifest element without `calibration`
    onnx: bytes | None = None  # the graph, for kinds that have one
    info: dict[str, Any] = field(default_factory=dict)  # training facts for MLflow (metrics)
    estimator: Any = None  # the fitted scikit-learn object (tests compare ONNX against it)


@dataclass
class ElementResult:
    raw: np.ndarray  # float64, NaN where missing
    missing: np.ndarray  # object array: None or a reason code
    contributors: Contributors
    inputs: np.ndarray | None = None  # the float64 input matrix (for parity fixtures)
    outputs: dict[str, np.ndarray] = field(default_factory=dict)


class ElementKind(Protocol):
    kind: str
    trainable: bool

    def fit(self, cfg: dict[str, Any], x: np.ndarray, columns: list[str], row: dict[str, np.ndarray]) -> ElementFit: ...

    def evaluate(
        self, entry: dict[str, Any], row: dict[str, np.ndarray], n: int, session: ort.InferenceSession | None
    ) -> ElementResult: ...

    def inputs(self, cfg: dict[str, Any], columns: list[str], provenance: dict[str, Any]) -> list[str]:
        """Resolve the config's input selector into the ordered columns of the element."""
        ...

    def check(self, entry: dict[str, Any], columns: set[str]) -> None:
        """Kind-specific semantic checks of a manifest entry; raise ValueError with a clear message."""
        ...


def session_for(onnx_bytes: bytes) -> ort.InferenceSession:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(onnx_bytes, opts, providers=["CPUExecutionProvider"])


def run_onnx(entry: dict[str, Any], row: dict[str, np.ndarray], n: int, session: ort.InferenceSession) -> ElementResult:
    """Generic ONNX element: rows with a non-finite input are missing (NON_FINITE_INPUT) and not run."""
    spec = entry["onnx"]
    x = np.column_stack([row[c] for c in entry["inputs"]]) if entry["inputs"] else np.zeros((n, 0))
    ok = np.isfinite(x).all(axis=1)
    raw = np.full(n, np.nan)
    missing = np.full(n, None, dtype=object)
    missing[~ok] = "NON_FINITE_INPUT"
    outputs: dict[str, np.ndarray] = {}
    if ok.any():
        feed = x[ok].astype(DTYPES[spec["dtype"]][0])
        names = list(spec["outputs"].values())
        got = dict(zip(names, session.run(names, {spec.get("input", INPUT): feed}), strict=True))
        score = got[spec["outputs"]["score"]].astype(np.float64).reshape(-1)
        raw[ok] = score
        for key, name in spec["outputs"].items():
            full = np.full((n, got[name].shape[1]), np.nan)
            full[ok] = got[name].astype(np.float64)
            outputs[key] = full
    bad = ok & ~np.isfinite(raw)
    missing[bad] = "NON_FINITE_SCORE"
    raw[bad] = np.nan
    return ElementResult(raw, missing, [[] for _ in range(n)], x, outputs)


def select_inputs(cfg: dict[str, Any], columns: list[str]) -> list[str]:
    """Config `inputs`: "*" (every final column, row order) or an explicit list."""
    sel = cfg.get("inputs", "*")
    if sel == "*":
        return list(columns)
    if not isinstance(sel, list) or not sel:
        raise ValueError(f'element {cfg.get("name")}: inputs must be "*" or a non-empty list')
    unknown = [c for c in sel if c not in columns]
    if unknown:
        raise ValueError(f"element {cfg.get('name')}: unknown input columns {unknown}")
    return list(sel)


def top_contributors(names: list[str], weights: np.ndarray, top: int) -> list[tuple[str, float]]:
    """Positive weights only, largest first, ties in input order, at most `top`."""
    order = sorted((i for i in range(len(names)) if weights[i] > 0), key=lambda i: -weights[i])
    return [(names[i], float(weights[i])) for i in order[:top]]
