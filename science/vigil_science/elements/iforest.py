"""Isolation forest (skl2onnx); score = -score_samples = -(decision_function + offset_)."""

from __future__ import annotations

from typing import Any

import numpy as np
import onnxruntime as ort
from onnx import helper
from skl2onnx import to_onnx
from skl2onnx.common.data_types import FloatTensorType
from sklearn.ensemble import IsolationForest

from .base import ElementFit, ElementResult, run_onnx, select_inputs
from .onnx_graph import INPUT, ML_OPSET, OPSET, SCORE, const, wrap_sklearn


class IsolationForestKind:
    kind = "isolation_forest"
    trainable = True

    def inputs(self, cfg: dict[str, Any], columns: list[str], provenance: dict[str, Any]) -> list[str]:
        return select_inputs(cfg, columns)

    def fit(self, cfg: dict[str, Any], x: np.ndarray, columns: list[str], row: dict[str, np.ndarray]) -> ElementFit:
        params = {"n_estimators": 100, "max_samples": 256, "random_state": 0, "n_jobs": 1, **cfg.get("params", {})}
        model = IsolationForest(**params).fit(x)
        f = x.shape[1]
        # ai.onnx.ml tree ensembles are float32; skl2onnx's "scores" output is decision_function.
        inner = to_onnx(
            model, initial_types=[(INPUT, FloatTensorType([None, f]))], target_opset={"": OPSET, "ai.onnx.ml": ML_OPSET}
        )
        scores = inner.graph.output[1].name
        post = [
            helper.make_node("Add", [scores, "vigil_offset"], ["vigil_samples"], name="vigil_samples"),
            helper.make_node("Neg", ["vigil_samples"], [SCORE], name="vigil_score"),
        ]
        inits = [const("vigil_offset", np.array(model.offset_, dtype=np.float32))]
        onnx_bytes = wrap_sklearn(inner, f, "float32", [], post, inits, {SCORE: 1}, cfg["name"])
        entry = {
            "name": cfg["name"],
            "kind": self.kind,
            "inputs": columns,
            "onnx": {
                "path": f"elements/{cfg['name']}.onnx",
                "input": INPUT,
                "dtype": "float32",
                "outputs": {"score": SCORE},
            },
        }
        return ElementFit(entry, onnx_bytes, {"offset": float(model.offset_)}, model)

    def evaluate(
        self, entry: dict[str, Any], row: dict[str, np.ndarray], n: int, session: ort.InferenceSession | None
    ) -> ElementResult:
        assert session is not None
        return run_onnx(entry, row, n, session)

    def check(self, entry: dict[str, Any], columns: set[str]) -> None:
        return None
