from __future__ import annotations

import math

import numpy as np

from vigil_science.build_reference import MODULES_DIR
from vigil_science.bundle import load_bundle
from vigil_science.elements import KINDS
from vigil_science.train import load_config, train

ENTRY = {
    "name": "o",
    "kind": "online",
    "inputs": ["x", "y"],
    "alpha": 0.5,
    "warmup": 2,
    "minStd": 0.1,
    "topContributors": 1,
}


def run(xs, ys, entity):
    row = {"x": np.array(xs, dtype=float), "y": np.array(ys, dtype=float)}
    return KINDS["online"].evaluate(ENTRY, row, len(xs), None, entity=np.array(entity, dtype=object))


def test_online_scores_each_record_before_learning_it():
    res = run([1.0, 3.0, 2.0, np.nan], [0.0, 0.0, 5.0, np.nan], ["e"] * 4)
    assert res.missing[:2].tolist() == ["WARMING_UP", "WARMING_UP"]
    # after 1 and 3: m = 2, v = 0.5 * (0 + 0.5 * 4) = 1; y: m = 0, v = 0 -> minStd 0.1
    zx, zy = (2.0 - 2.0) / 1.0, (5.0 - 0.0) / 0.1
    assert res.raw[2] == math.sqrt((zx * zx + zy * zy) / 2)
    assert res.contributors[2] == [("y", 1.0)]
    assert res.missing[3] == "NON_FINITE_INPUT" and np.isnan(res.raw[3])


def test_online_keeps_a_state_per_entity():
    res = run([1.0, 100.0, 1.0, 100.0, 1.0], [0.0] * 5, ["a", "b", "a", "b", "a"])
    assert res.missing.tolist()[:4] == ["WARMING_UP"] * 4
    assert res.raw[4] == 0.0  # a's level, not b's


def test_training_an_online_module_calibrates_it_on_the_replayed_slice(tmp_path, train_frame):
    cfg = load_config(MODULES_DIR / "skab-envelope.json")
    cfg["module"] = "skab-online"
    cfg["elements"] = [{"name": "online", "kind": "online", "inputs": "*", "alpha": 0.05, "warmup": 5}]
    result = train(cfg, train_frame, tmp_path / "b")
    entry = result.manifest["elements"][0]
    assert entry["calibration"]["method"] == "ecdf" and "onnx" not in entry
    module = load_bundle(tmp_path / "b")
    assert module.manifest["elements"][0]["warmup"] == 5
    assert float(np.mean(result.holdout.verdict == "ANOMALY")) < 0.05
