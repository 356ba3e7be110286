"""The reference scorer: pre-processing + ONNX elements + calibration + combination + verdict.

This is the Python twin of the TypeScript runtime. It works on a Frame (rows in
processing order); history steps look back within each entity, exactly as a
runtime that keeps the last `history.rows` raw records per entity.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import onnxruntime as ort

from . import postprocess
from .calibration import calibrate, combine, verdicts
from .elements import KINDS, ElementResult
from .frame import Frame
from .preprocess import apply_steps


@dataclass
class ElementScores:
    name: str
    kind: str
    result: ElementResult
    calibrated: np.ndarray


@dataclass
class ModuleScores:
    raw: np.ndarray  # combined element calibrated scores
    calibrated: np.ndarray  # module calibration of raw, in [0, 1]
    verdict: np.ndarray  # NORMAL | UNSURE | ANOMALY | MISSING
    missing_reason: np.ndarray  # None or a reason code
    elements: list[ElementScores]
    contributors: list[list[tuple[str, float]]]

    def take(self, index: np.ndarray) -> ModuleScores:
        """The scores of some rows (e.g. the held-out ones of a frame scored whole, history intact)."""
        elements = [
            ElementScores(
                e.name,
                e.kind,
                ElementResult(e.result.raw[index], e.result.missing[index], [e.result.contributors[i] for i in index]),
                e.calibrated[index],
            )
            for e in self.elements
        ]
        return ModuleScores(
            self.raw[index],
            self.calibrated[index],
            self.verdict[index],
            self.missing_reason[index],
            elements,
            [self.contributors[i] for i in index],
        )

    def row(self, i: int) -> dict[str, Any]:
        """One row as JSON-ready output (null for NaN), the shape of parity fixtures and selfTest."""
        return {
            "raw": _num(self.raw[i]),
            "calibrated": _num(self.calibrated[i]),
            "verdict": self.verdict[i],
            "missingReason": self.missing_reason[i],
            "elements": [
                {
                    "name": e.name,
                    "kind": e.kind,
                    "raw": _num(e.result.raw[i]),
                    "calibrated": _num(e.calibrated[i]),
                    "missingReason": e.result.missing[i],
                }
                for e in self.elements
            ],
            "contributors": [{"signal": s, "weight": w} for s, w in self.contributors[i]],
        }


def _num(x: float) -> float | None:
    return None if np.isnan(x) else float(x)


def input_columns(manifest: dict[str, Any]) -> list[str]:
    return list(manifest["inputs"]["values"]) + list(manifest["inputs"]["features"])


def conform(frame: Frame, manifest: dict[str, Any]) -> Frame:
    """The frame restricted to the module's inputs; absent columns become NaN, absent attrs None."""
    n = len(frame)
    values = {c: frame.values.get(c, np.full(n, np.nan)).astype(np.float64) for c in input_columns(manifest)}
    attrs = {a: frame.attrs.get(a, np.full(n, None, dtype=object)) for a in manifest["inputs"]["attrs"]}
    return Frame(frame.entity, frame.ts, values, attrs, frame.labels)


class Module:
    """A loaded module: manifest + ONNX sessions (one intra-op thread each)."""

    def __init__(self, manifest: dict[str, Any], sessions: dict[str, ort.InferenceSession]) -> None:
        self.manifest = manifest
        self.sessions = sessions

    @property
    def name(self) -> str:
        return self.manifest["module"]

    def preprocess(self, frame: Frame) -> dict[str, np.ndarray]:
        return apply_steps(self.manifest["preprocess"], conform(frame, self.manifest), input_columns(self.manifest))

    def score(self, frame: Frame) -> ModuleScores:
        m = self.manifest
        n = len(frame)
        row = self.preprocess(frame)
        elements = []
        for entry in m["elements"]:
            kind = KINDS[entry["kind"]]
            extra = {"entity": frame.entity} if getattr(kind, "stateful", False) else {}  # learns per entity
            res = kind.evaluate(entry, row, n, self.sessions.get(entry["name"]), **extra)
            elements.append(ElementScores(entry["name"], entry["kind"], res, calibrate(entry["calibration"], res.raw)))
        names = [e.name for e in elements]
        raw = combine(m["combine"], names, {e.name: e.calibrated for e in elements})
        calibrated = calibrate(m["combine"]["calibration"], raw)
        if "postprocess" in m:  # per entity, in row order (docs/bundle-format.md, "Post-processing")
            calibrated = postprocess.apply(m["postprocess"], frame.entity, calibrated)
        verdict = verdicts(calibrated, m["thresholds"])
        missing = np.where(np.isnan(calibrated), "NO_ELEMENT_SCORE", None).astype(object)
        contributors = []
        for i in range(n):
            best, best_val = None, -np.inf
            for e in elements:  # the element with the highest calibrated score, first on ties
                if not np.isnan(e.calibrated[i]) and e.calibrated[i] > best_val:
                    best, best_val = e, e.calibrated[i]
            contributors.append(list(best.result.contributors[i]) if best is not None else [])
        return ModuleScores(raw, calibrated, verdict, missing, elements, contributors)
