"""Each kind exports a valid ONNX graph that onnxruntime runs and that matches scikit-learn to 1e-5."""

from __future__ import annotations

import numpy as np
import onnx
import pytest

from vigil_science.elements import KINDS
from vigil_science.elements.base import session_for
from vigil_science.elements.onnx_graph import IR_VERSION
from vigil_science.preprocess import Provenance

rng = np.random.default_rng(42)
N, F = 400, 5
COLS = [f"s{i}" for i in range(F)]
X = rng.normal(size=(N, F)) @ rng.normal(size=(F, F))  # correlated columns
X[:, 0] += 0.5 * X[:, 1] - 0.2 * X[:, 2]
ROW = {c: X[:, i].copy() for i, c in enumerate(COLS)}
PROV = {c: Provenance(c, "input") for c in COLS}


def fit(cfg):
    kind = KINDS[cfg["kind"]]
    cols = kind.inputs(cfg, COLS, PROV)
    x = np.column_stack([ROW[c] for c in cols])
    return kind, cols, x, kind.fit(cfg, x, cols, ROW)


def checked(blob: bytes) -> onnx.ModelProto:
    model = onnx.load_from_string(blob)
    onnx.checker.check_model(model, full_check=True)
    assert model.ir_version == IR_VERSION
    assert [i.name for i in model.graph.input] == ["input"]
    assert "score" in [o.name for o in model.graph.output]
    return model


@pytest.mark.parametrize("model", ["ridge", "random_forest", "extra_trees", "gradient_boosting"])
def test_predictive_score_is_normalised_absolute_error(model):
    kind, cols, x, fitted = fit(
        {"name": "p", "kind": "predictive", "target": "s0", "features": "others", "model": model}
    )
    checked(fitted.onnx)
    assert cols == ["s1", "s2", "s3", "s4", "s0"] and fitted.entry["target"] == "s0"
    res = kind.evaluate(fitted.entry, ROW, N, session_for(fitted.onnx))
    features = x[:, :-1].astype(np.float32) if fitted.entry["onnx"]["dtype"] == "float32" else x[:, :-1]
    pred = fitted.estimator.predict(features)
    want = np.abs(x[:, -1] - pred) / fitted.entry["errorScale"]
    np.testing.assert_allclose(res.raw, want, atol=1e-5, rtol=1e-5)
    np.testing.assert_allclose(res.outputs["prediction"][:, 0], pred, atol=1e-5, rtol=1e-5)
    assert res.contributors[0] == [("s0", 1.0)]


def test_predictive_others_keep_the_targets_past_but_not_its_present():
    prov = {
        **PROV,
        "s0__lag1": Provenance("s0", "lag", 1),
        "s0__diff1": Provenance("s0", "diff", 1),
        "s0__lag0": Provenance("s0", "lag", 0),
    }
    cols = KINDS["predictive"].inputs({"name": "p", "target": "s0"}, [*COLS, "s0__lag1", "s0__diff1", "s0__lag0"], prov)
    assert cols == ["s1", "s2", "s3", "s4", "s0__lag1", "s0"]


def test_envelope_graph_equals_mincovdet_mahalanobis_and_contributions_sum_to_it():
    kind, cols, x, fitted = fit({"name": "env", "kind": "elliptic_envelope", "topContributors": 2})
    checked(fitted.onnx)
    res = kind.evaluate(fitted.entry, ROW, N, session_for(fitted.onnx))
    np.testing.assert_allclose(res.raw, fitted.estimator.mahalanobis(x), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(res.outputs["contributions"].sum(axis=1), res.raw, rtol=1e-9)
    top = res.contributors[int(np.argmax(res.raw))]
    assert 1 <= len(top) <= 2 and top[0][1] >= top[-1][1] > 0


def test_isolation_forest_score_is_minus_score_samples():
    kind, cols, x, fitted = fit({"name": "if", "kind": "isolation_forest", "params": {"n_estimators": 40}})
    checked(fitted.onnx)
    res = kind.evaluate(fitted.entry, ROW, N, session_for(fitted.onnx))
    np.testing.assert_allclose(res.raw, -fitted.estimator.score_samples(x), atol=1e-5)


def test_rules_score_is_the_largest_fired_rule_and_names_it():
    cfg = {
        "name": "r",
        "kind": "rules",
        "rules": [
            {"name": "hot", "when": {"gt": ["s0", 0]}, "score": 0.5},
            {"name": "very", "when": {"gt": ["s0", 2]}, "score": 1.0},
        ],
    }
    kind, cols, x, fitted = fit(cfg)
    assert fitted.onnx is None and cols == ["s0"]
    res = kind.evaluate(fitted.entry, ROW, N, None)
    want = np.where(X[:, 0] > 2, 1.0, np.where(X[:, 0] > 0, 0.5, 0.0))
    np.testing.assert_array_equal(res.raw, want)
    i = int(np.argmax(X[:, 0]))
    assert res.contributors[i] == [("very", 1.0), ("hot", 0.5)]


def test_rows_with_a_non_finite_input_are_missing_not_scored():
    kind, cols, x, fitted = fit({"name": "env", "kind": "elliptic_envelope"})
    row = {c: v.copy() for c, v in ROW.items()}
    row["s3"][[0, 5]] = np.nan
    res = kind.evaluate(fitted.entry, row, N, session_for(fitted.onnx))
    assert np.isnan(res.raw[[0, 5]]).all() and res.missing[0] == "NON_FINITE_INPUT" and res.missing[1] is None
