"""Predictive element: a regressor forecasts one column (the target) from others; score = |error| / scale."""

from __future__ import annotations

from typing import Any

import numpy as np
import onnxruntime as ort
from onnx import helper
from skl2onnx import to_onnx
from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType
from sklearn.ensemble import ExtraTreesRegressor, GradientBoostingRegressor, RandomForestRegressor
from sklearn.linear_model import Ridge

from .base import ElementFit, ElementResult, run_onnx
from .onnx_graph import DTYPES, INPUT, ML_OPSET, OPSET, SCORE, const, wrap_sklearn

# name -> (factory, ONNX dtype). Tree ensembles are float32-only in ai.onnx.ml; linear models run in float64.
REGRESSORS: dict[str, tuple[Any, str]] = {
    "ridge": (lambda p: Ridge(**{"alpha": 1.0, **p}), "float64"),
    "random_forest": (
        lambda p: RandomForestRegressor(
            **{"n_estimators": 50, "max_depth": 10, "min_samples_leaf": 5, "random_state": 0, "n_jobs": 1, **p}
        ),
        "float32",
    ),
    "extra_trees": (
        lambda p: ExtraTreesRegressor(
            **{"n_estimators": 50, "max_depth": 10, "min_samples_leaf": 5, "random_state": 0, "n_jobs": 1, **p}
        ),
        "float32",
    ),
    "gradient_boosting": (
        lambda p: GradientBoostingRegressor(**{"n_estimators": 100, "max_depth": 3, "random_state": 0, **p}),
        "float32",
    ),
}


class Predictive:
    kind = "predictive"
    trainable = True

    def inputs(self, cfg: dict[str, Any], columns: list[str], provenance: dict[str, Any]) -> list[str]:
        target = cfg.get("target")
        if target not in columns:
            raise ValueError(f"element {cfg.get('name')}: target {target!r} is not a column")
        sel = cfg.get("features", "others")
        if sel == "others":
            # Every column except the target's present value in any form; its own past (lag >= 1) stays.
            src = provenance[target].source

            def leaks(c: str) -> bool:
                p = provenance[c]
                return p.source == src and not (p.kind == "lag" and p.lag >= 1)

            features = [c for c in columns if c != target and not leaks(c)]
        elif isinstance(sel, list) and sel and all(c in columns and c != target for c in sel):
            features = list(sel)
        else:
            raise ValueError(
                f'element {cfg.get("name")}: features must be "others" or a list of columns other than the target'
            )
        return features + [target]

    def fit(self, cfg: dict[str, Any], x: np.ndarray, columns: list[str], row: dict[str, np.ndarray]) -> ElementFit:
        model_name = cfg.get("model", "ridge")
        if model_name not in REGRESSORS:
            raise ValueError(f"element {cfg['name']}: unknown model {model_name!r}; known: {sorted(REGRESSORS)}")
        factory, dtype = REGRESSORS[model_name]
        model = factory(cfg.get("params", {}))
        features, y = x[:, :-1], x[:, -1]
        model.fit(features, y)
        resid = y - model.predict(features)
        rmse = float(np.sqrt(np.mean(resid**2)))
        scale = max(rmse, 1e-9 * (1.0 + float(np.mean(np.abs(y)))))
        np_dtype, _ = DTYPES[dtype]
        tensor = DoubleTensorType if dtype == "float64" else FloatTensorType
        f = features.shape[1]
        inner = to_onnx(
            model, initial_types=[("x", tensor([None, f]))], target_opset={"": OPSET, "ai.onnx.ml": ML_OPSET}
        )
        pred = inner.graph.output[0].name
        pre = [
            helper.make_node("Slice", [INPUT, "vigil_s0", "vigil_s1", "vigil_axis"], ["x"], name="vigil_features"),
            helper.make_node(
                "Slice", [INPUT, "vigil_s1", "vigil_s2", "vigil_axis"], ["vigil_target"], name="vigil_target"
            ),
        ]
        post = [
            helper.make_node("Sub", ["vigil_target", pred], ["vigil_err"], name="vigil_err"),
            helper.make_node("Abs", ["vigil_err"], ["vigil_abserr"], name="vigil_abs"),
            helper.make_node("Div", ["vigil_abserr", "vigil_scale"], [SCORE], name="vigil_score"),
            helper.make_node("Identity", [pred], ["prediction"], name="vigil_prediction"),
        ]
        inits = [
            const("vigil_s0", np.array([0], dtype=np.int64)),
            const("vigil_s1", np.array([f], dtype=np.int64)),
            const("vigil_s2", np.array([f + 1], dtype=np.int64)),
            const("vigil_axis", np.array([1], dtype=np.int64)),
            const("vigil_scale", np.array(scale, dtype=np_dtype)),
        ]
        onnx_bytes = wrap_sklearn(inner, f + 1, dtype, pre, post, inits, {SCORE: 1, "prediction": 1}, cfg["name"])
        entry = {
            "name": cfg["name"],
            "kind": self.kind,
            "inputs": columns,
            "target": columns[-1],
            "model": model_name,
            "errorScale": scale,
            "onnx": {
                "path": f"elements/{cfg['name']}.onnx",
                "input": INPUT,
                "dtype": dtype,
                "outputs": {"score": SCORE, "prediction": "prediction"},
            },
        }
        return ElementFit(entry, onnx_bytes, {"train_rmse": rmse}, model)

    def evaluate(
        self, entry: dict[str, Any], row: dict[str, np.ndarray], n: int, session: ort.InferenceSession | None
    ) -> ElementResult:
        assert session is not None
        res = run_onnx(entry, row, n, session)
        target = entry["target"]
        res.contributors = [[(target, 1.0)] if m is None else [] for m in res.missing]
        return res

    def check(self, entry: dict[str, Any], columns: set[str]) -> None:
        if entry["inputs"][-1] != entry["target"]:
            raise ValueError(f"element {entry['name']}: the target must be the last input")
