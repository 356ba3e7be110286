from __future__ import annotations

import math

import numpy as np
import pytest

from vigil_science import postprocess
from vigil_science.build_reference import MODULES_DIR
from vigil_science.bundle import load_bundle
from vigil_science.errors import VigilScienceError
from vigil_science.train import load_config, train

SPEC = {"method": "likelihood", "shortWindow": 2, "longAlpha": 0.5, "warmup": 2, "minStd": 0.01}


def test_likelihood_follows_the_documented_arithmetic():
    entity = np.array(["a"] * 4, dtype=object)
    got = postprocess.apply(SPEC, entity, np.array([0.2, 0.4, 0.9, 0.1]))
    # warm-up: the first two pass through; state after them: mean 0.3, var (1-.5)(0 + .5 * .2^2) = 0.01
    assert got[:2].tolist() == [0.2, 0.4]
    z = ((0.4 + 0.9) / 2 - 0.3) / max(math.sqrt(0.01), 0.01)
    assert got[2] == 1.0 - 0.5 * math.erfc(z / math.sqrt(2.0))
    # then 0.9 joins: d = 0.6, mean 0.6, var 0.5 * (0.01 + 0.5 * 0.36) = 0.095
    z = ((0.9 + 0.1) / 2 - 0.6) / math.sqrt(0.5 * (0.01 + 0.5 * 0.36))
    assert got[3] == pytest.approx(1.0 - 0.5 * math.erfc(z / math.sqrt(2.0)), abs=1e-15)


def test_each_entity_has_its_own_state_and_nan_passes_untouched():
    entity = np.array(["a", "b", "a", "b", "a"], dtype=object)
    got = postprocess.apply(SPEC, entity, np.array([0.5, 0.9, np.nan, 0.9, 0.5]))
    assert got[0] == 0.5 and got[1] == 0.9 and got[3] == 0.9  # each entity still warming up
    assert np.isnan(got[2])
    assert got[4] == 0.5  # entity a's second scored record: NaN did not count


def test_a_level_shift_is_unlikely_then_absorbed():
    spec = {**SPEC, "shortWindow": 5, "longAlpha": 0.02, "warmup": 50}
    rng = np.random.default_rng(0)
    c = np.concatenate([0.3 + 0.05 * rng.standard_normal(300), 0.7 + 0.05 * rng.standard_normal(600)])
    got = postprocess.apply(spec, np.array(["e"] * len(c), dtype=object), c)
    before, after = got[100:300], got[-300:]
    assert np.quantile(before, 0.99) < 0.95
    assert got[302:306].min() > 0.99  # right after the shift the recent scores are very unlikely
    assert np.quantile(after, 0.99) < 0.95  # then the long run has followed the entity
    assert abs(np.median(after) - np.median(before)) < 0.1


def test_bad_postprocess_is_refused(tmp_path):
    assert postprocess.check({**SPEC, "longAlpha": 1.5}) == ["postprocess: longAlpha must be in (0, 1)"]
    assert postprocess.check({**SPEC, "method": "other"}) == ["postprocess: unknown method 'other'"]


def test_training_with_postprocess_sets_thresholds_on_the_likelihood(tmp_path, train_frame):
    cfg = load_config(MODULES_DIR / "skab-envelope.json")
    cfg["module"] = "skab-envelope-likelihood"
    cfg["postprocess"] = {"warmup": 20}
    result = train(cfg, train_frame, tmp_path / "b")
    manifest = result.manifest
    assert manifest["postprocess"] == {**postprocess.DEFAULTS, "warmup": 20}
    module = load_bundle(tmp_path / "b")
    assert module.manifest["postprocess"]["warmup"] == 20
    t = manifest["thresholds"]
    assert 0 <= t["unsureAbove"] < t["anomalyAbove"] <= 1
    share = float(np.mean(result.holdout.verdict == "ANOMALY"))
    assert share < 0.05


def test_a_bundle_with_a_bad_postprocess_is_refused(tmp_path, train_frame):
    import json

    cfg = load_config(MODULES_DIR / "skab-rules.json")
    cfg["postprocess"] = {}
    train(cfg, train_frame, tmp_path / "b")
    path = tmp_path / "b" / "manifest.json"
    m = json.loads(path.read_text())
    m["postprocess"]["minStd"] = 0
    path.write_text(json.dumps(m))
    with pytest.raises(VigilScienceError) as e:
        load_bundle(tmp_path / "b")
    assert e.value.code == "VIGIL_BUNDLE_INVALID"
