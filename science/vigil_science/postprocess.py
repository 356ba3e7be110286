"""Optional post-processing of the module's calibrated score (docs/bundle-format.md, "Post-processing").

`likelihood`: per entity, how unlikely the mean of its recent calibrated scores is under the
entity's own long-run score distribution (exponentially weighted mean and variance), as the
Gaussian CDF of the recent mean's z-score. On a drifting stream the long-run distribution
follows each entity, so one threshold on the result serves entities whose raw score levels
differ. The arithmetic below is normative: the TypeScript runtime repeats it record by record.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

METHODS = ("likelihood",)
# Config defaults: a window of 10 recent scores against a long run of ~1/longAlpha = 200 records,
# given once an entity has 100 scored records (before that, the calibrated score passes through).
DEFAULTS: dict[str, Any] = {
    "method": "likelihood",
    "shortWindow": 10,
    "longAlpha": 0.005,
    "warmup": 100,
    "minStd": 0.05,
}


def check(spec: dict[str, Any]) -> list[str]:
    """Semantic problems of a manifest `postprocess` entry (the JSON Schema checks the types)."""
    problems = []
    if spec["method"] not in METHODS:
        problems.append(f"postprocess: unknown method {spec['method']!r}")
    if not 0 < spec["longAlpha"] < 1:
        problems.append("postprocess: longAlpha must be in (0, 1)")
    if spec["shortWindow"] < 1 or spec["warmup"] < 0 or not spec["minStd"] > 0:
        problems.append("postprocess: shortWindow >= 1, warmup >= 0 and minStd > 0 are required")
    return problems


class EntityLikelihood:
    """One entity's state: records counted, long-run mean and variance, the recent scores (oldest first)."""

    def __init__(self) -> None:
        self.n = 0
        self.mean = 0.0
        self.var = 0.0
        self.recent: list[float] = []

    def step(self, spec: dict[str, Any], c: float) -> float:
        """The post-processed score of calibrated score `c` (not NaN), then `c` joins the state."""
        self.recent.append(c)
        if len(self.recent) > spec["shortWindow"]:
            self.recent.pop(0)
        self.n += 1
        if self.n <= spec["warmup"]:
            out = c
        else:
            total = 0.0
            for v in self.recent:  # oldest to newest, left to right
                total += v
            recent = total / len(self.recent)
            z = (recent - self.mean) / max(math.sqrt(self.var), spec["minStd"])
            out = 1.0 - 0.5 * math.erfc(z / math.sqrt(2.0))
        if self.n == 1:
            self.mean, self.var = c, 0.0
        else:
            alpha = spec["longAlpha"]
            d = c - self.mean
            self.mean = self.mean + alpha * d
            self.var = (1.0 - alpha) * (self.var + alpha * d * d)
        return out


def apply(spec: dict[str, Any], entity: np.ndarray, calibrated: np.ndarray) -> np.ndarray:
    """Post-processed scores in row order, each entity with a state of its own that starts empty; NaN stays NaN."""
    states: dict[Any, EntityLikelihood] = {}
    out = np.full(len(calibrated), np.nan)
    for i, c in enumerate(calibrated):
        if np.isnan(c):
            continue
        state = states.setdefault(entity[i], EntityLikelihood())
        out[i] = state.step(spec, float(c))
    return out
