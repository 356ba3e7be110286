"""Diagnostic rules: no training, no ONNX. raw = the largest `score` among rules whose `when` holds, else 0."""

from __future__ import annotations

from typing import Any

import numpy as np
import onnxruntime as ort

from .. import rules as expr
from .base import ElementFit, ElementResult


class Rules:
    kind = "rules"
    trainable = False

    def inputs(self, cfg: dict[str, Any], columns: list[str], provenance: dict[str, Any]) -> list[str]:
        out: list[str] = []
        for r in cfg.get("rules", []):
            out += [c for c in expr.columns_of(r.get("when")) if c not in out]
        return out

    def fit(self, cfg: dict[str, Any], x: np.ndarray, columns: list[str], row: dict[str, np.ndarray]) -> ElementFit:
        rules = [{"name": r["name"], "when": r["when"], "score": float(r.get("score", 1.0))} for r in cfg["rules"]]
        entry = {"name": cfg["name"], "kind": self.kind, "inputs": columns, "rules": rules}
        self.check(entry, set(row))
        return ElementFit(entry)

    def evaluate(
        self, entry: dict[str, Any], row: dict[str, np.ndarray], n: int, session: ort.InferenceSession | None
    ) -> ElementResult:
        raw = np.zeros(n)
        fired = []
        for r in entry["rules"]:
            hit = expr.evaluate(r["when"], row, n)
            raw = np.where(hit, np.maximum(raw, r["score"]), raw)
            fired.append(hit)
        contributors = []
        for i in range(n):
            hits = [(r["name"], r["score"]) for r, h in zip(entry["rules"], fired, strict=True) if h[i]]
            contributors.append(sorted(hits, key=lambda t: -t[1]))
        return ElementResult(raw, np.full(n, None, dtype=object), contributors)

    def check(self, entry: dict[str, Any], columns: set[str]) -> None:
        if not entry["rules"]:
            raise ValueError(f"element {entry['name']}: needs at least one rule")
        names = [r["name"] for r in entry["rules"]]
        if len(set(names)) != len(names):
            raise ValueError(f"element {entry['name']}: rule names must be unique")
        for r in entry["rules"]:
            if not 0 < r["score"] <= 1:
                raise ValueError(f"rule {r['name']}: score must be in (0, 1]")
            try:
                kind = expr.check(r["when"], columns)
            except expr.RuleError as e:
                raise ValueError(f"rule {r['name']}: {e}") from e
            if kind != expr.BOOL:
                raise ValueError(f"rule {r['name']}: `when` must be a boolean expression")
