"""reference.json: the training reference for drift and calibration review (docs/bundle-format.md)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .frame import Frame
from .runtime import ModuleScores

QUANTILE_PROBS = [round(i / 100, 2) for i in range(101)]
HISTOGRAM_BINS = 20


def stats(x: np.ndarray) -> dict[str, Any]:
    """count/missing/mean/std/min/max, 101 quantiles (linear) and a 20-bin equal-width histogram."""
    x = np.asarray(x, dtype=np.float64)
    ok = x[np.isfinite(x)]
    out: dict[str, Any] = {"count": int(ok.size), "missing": int(x.size - ok.size)}
    if ok.size == 0:
        return out
    lo, hi = float(ok.min()), float(ok.max())
    edges = np.linspace(lo, hi if hi > lo else lo + 1.0, HISTOGRAM_BINS + 1)
    counts, _ = np.histogram(ok, bins=edges)
    out |= {
        "mean": float(ok.mean()),
        "std": float(ok.std()),
        "min": lo,
        "max": hi,
        "quantiles": {"p": QUANTILE_PROBS, "q": [float(v) for v in np.quantile(ok, QUANTILE_PROBS)]},
        "histogram": {"edges": [float(e) for e in edges], "counts": [int(c) for c in counts]},
    }
    return out


def reference_stats(
    manifest: dict[str, Any], frame: Frame, row: dict[str, np.ndarray], fit_mask: np.ndarray, holdout: ModuleScores
) -> dict[str, Any]:
    ins = manifest["inputs"]["values"] + manifest["inputs"]["features"]
    return {
        "format": "vigil.reference/v1",
        "module": manifest["module"],
        "training": {k: manifest["training"][k] for k in ("from", "to", "rows", "entities")},
        "statsOver": {"inputs": "fit rows", "columns": "fit rows", "scores": "held-out rows"},
        "inputs": {c: stats(frame.values[c][fit_mask]) for c in ins},
        "columns": {c: stats(v[fit_mask]) for c, v in row.items()},
        "scores": {
            "elements": {
                e.name: {"raw": stats(e.result.raw), "calibrated": stats(e.calibrated)} for e in holdout.elements
            },
            "combined": stats(holdout.raw),
            "calibrated": stats(holdout.calibrated),
        },
    }
