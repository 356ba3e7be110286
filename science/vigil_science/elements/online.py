"""Online element: learns each entity's normal level as its records arrive; no ONNX graph.

Per entity and input column, an exponentially weighted mean m and variance v (weight
`alpha`) and a count n of finite values seen. A record is scored *before* it joins the
state: z_c = (x_c - m_c) / max(sqrt(v_c), minStd) over the columns with a finite value and
n_c >= warmup, raw = sqrt(mean of z_c^2) (RMS z). No such column: missing, WARMING_UP (or
NON_FINITE_INPUT when no value is finite). Contributors: z_c^2 / sum z^2, largest first.
The arithmetic is normative (docs/bundle-format.md, "Online element"); the TypeScript
runtime keeps the same state per entity, across batches, and persists it with the history.
Training fits nothing but the calibration (ECDF of held-out raw scores, the slice replayed
per entity from its first row).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .base import ElementFit, ElementResult, select_inputs, top_contributors

WARMING_UP = "WARMING_UP"
NON_FINITE_INPUT = "NON_FINITE_INPUT"


class _Columns:
    def __init__(self, f: int) -> None:
        self.n = [0] * f
        self.m = [0.0] * f
        self.v = [0.0] * f


class Online:
    kind = "online"
    trainable = True  # calibrated on held-out scores like the ONNX kinds
    has_onnx = False
    stateful = True  # evaluate() needs the rows' entities, in processing order

    def inputs(self, cfg: dict[str, Any], columns: list[str], provenance: dict[str, Any]) -> list[str]:
        return select_inputs(cfg, columns)

    def fit(self, cfg: dict[str, Any], x: np.ndarray, columns: list[str], row: dict[str, np.ndarray]) -> ElementFit:
        entry = {
            "name": cfg["name"],
            "kind": self.kind,
            "inputs": columns,
            "alpha": float(cfg.get("alpha", 0.02)),
            "warmup": int(cfg.get("warmup", 10)),
            "minStd": float(cfg.get("minStd", 0.1)),
            "topContributors": int(cfg.get("topContributors", 3)),
        }
        problems = self.problems(entry)
        if problems:
            raise ValueError("; ".join(problems))
        return ElementFit(entry)

    def evaluate(
        self,
        entry: dict[str, Any],
        row: dict[str, np.ndarray],
        n: int,
        session: Any,
        entity: np.ndarray | None = None,
    ) -> ElementResult:
        if entity is None:
            raise ValueError(f"element {entry['name']}: the online kind needs the rows' entities")
        cols = entry["inputs"]
        x = np.column_stack([row[c] for c in cols]) if cols else np.zeros((n, 0))
        alpha, warmup, min_std = entry["alpha"], entry["warmup"], entry["minStd"]
        raw = np.full(n, np.nan)
        missing = np.full(n, None, dtype=object)
        contributors: list[list[tuple[str, float]]] = [[] for _ in range(n)]
        states: dict[Any, _Columns] = {}
        f = len(cols)
        for i in range(n):
            s = states.setdefault(entity[i], _Columns(f))
            zsq = np.full(f, np.nan)
            total, scored, finite = 0.0, 0, 0
            for c in range(f):
                v = float(x[i, c])
                if not math.isfinite(v):
                    continue
                finite += 1
                if s.n[c] >= warmup:
                    z = (v - s.m[c]) / max(math.sqrt(s.v[c]), min_std)
                    zsq[c] = z * z
                    total += z * z
                    scored += 1
            if scored:
                raw[i] = math.sqrt(total / scored)
                if total > 0:
                    contributors[i] = top_contributors(cols, zsq / total, entry["topContributors"])
            else:
                missing[i] = WARMING_UP if finite else NON_FINITE_INPUT
            for c in range(f):  # then the record joins the entity's state
                v = float(x[i, c])
                if not math.isfinite(v):
                    continue
                if s.n[c] == 0:
                    s.m[c], s.v[c] = v, 0.0
                else:
                    d = v - s.m[c]
                    s.m[c] = s.m[c] + alpha * d
                    s.v[c] = (1.0 - alpha) * (s.v[c] + alpha * d * d)
                s.n[c] += 1
        return ElementResult(raw, missing, contributors, x)

    def problems(self, entry: dict[str, Any]) -> list[str]:
        out = []
        if not 0 < entry["alpha"] < 1:
            out.append(f"element {entry['name']}: alpha must be in (0, 1)")
        if entry["warmup"] < 1 or not entry["minStd"] > 0 or entry["topContributors"] < 0:
            out.append(f"element {entry['name']}: warmup >= 1, minStd > 0 and topContributors >= 0 are required")
        return out

    def check(self, entry: dict[str, Any], columns: set[str]) -> None:
        problems = self.problems(entry)
        if problems:
            raise ValueError("; ".join(problems))
