"""Elliptic envelope: robust covariance (MinCovDet); score = squared Mahalanobis distance.

The ONNX graph (float64) computes c = (x - mu) * ((x - mu) @ P) per column
("contributions", they sum to the score) and score = sum(c).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import onnxruntime as ort
from onnx import TensorProto, helper
from sklearn.covariance import MinCovDet

from .base import ElementFit, ElementResult, run_onnx, select_inputs, top_contributors
from .onnx_graph import INPUT, SCORE, const, finish


def mahalanobis_graph(location: np.ndarray, precision: np.ndarray, name: str) -> bytes:
    f = len(location)
    nodes = [
        helper.make_node("Sub", [INPUT, "location"], ["centered"], name="center"),
        helper.make_node("MatMul", ["centered", "precision"], ["projected"], name="project"),
        helper.make_node("Mul", ["projected", "centered"], ["contributions"], name="contribute"),
        helper.make_node("ReduceSum", ["contributions", "axes"], [SCORE], keepdims=1, name="distance"),
    ]
    graph = helper.make_graph(
        nodes,
        name,
        [helper.make_tensor_value_info(INPUT, TensorProto.DOUBLE, [None, f])],
        [
            helper.make_tensor_value_info(SCORE, TensorProto.DOUBLE, [None, 1]),
            helper.make_tensor_value_info("contributions", TensorProto.DOUBLE, [None, f]),
        ],
        initializer=[
            const("location", location.astype(np.float64).reshape(1, f)),
            const("precision", precision.astype(np.float64)),
            const("axes", np.array([1], dtype=np.int64)),
        ],
    )
    return finish(graph)


class EllipticEnvelope:
    kind = "elliptic_envelope"
    trainable = True

    def inputs(self, cfg: dict[str, Any], columns: list[str], provenance: dict[str, Any]) -> list[str]:
        return select_inputs(cfg, columns)

    def fit(self, cfg: dict[str, Any], x: np.ndarray, columns: list[str], row: dict[str, np.ndarray]) -> ElementFit:
        params = {"random_state": 0, **cfg.get("params", {})}
        mcd = MinCovDet(**params).fit(x)
        onnx_bytes = mahalanobis_graph(mcd.location_, mcd.precision_, cfg["name"])
        entry = {
            "name": cfg["name"],
            "kind": self.kind,
            "inputs": columns,
            "topContributors": int(cfg.get("topContributors", 3)),
            "onnx": {
                "path": f"elements/{cfg['name']}.onnx",
                "input": INPUT,
                "dtype": "float64",
                "outputs": {"score": SCORE, "contributions": "contributions"},
            },
        }
        return ElementFit(entry, onnx_bytes, {"support_size": int(mcd.support_.sum())}, mcd)

    def evaluate(
        self, entry: dict[str, Any], row: dict[str, np.ndarray], n: int, session: ort.InferenceSession | None
    ) -> ElementResult:
        assert session is not None
        res = run_onnx(entry, row, n, session)
        contrib = res.outputs.get("contributions")
        top = entry["topContributors"]
        for i in range(n):
            if res.missing[i] is None and res.raw[i] > 0 and contrib is not None:
                res.contributors[i] = top_contributors(entry["inputs"], contrib[i] / res.raw[i], top)
        return res

    def check(self, entry: dict[str, Any], columns: set[str]) -> None:
        if entry["onnx"]["dtype"] != "float64":
            raise ValueError(f"element {entry['name']}: the envelope graph is float64")
