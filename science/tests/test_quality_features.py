"""The offline twin of the enrichment service's window features, against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest

from vigil_science.frame import Frame
from vigil_science.quality.features import Enrichment, enrich, ewma_series, signal_features

NAN = np.nan


def test_ewma_starts_at_the_first_value_and_resid_uses_the_value_before():
    after, resid = ewma_series(np.array([1.0, 3.0, 3.0]), 0.5)
    np.testing.assert_array_equal(after, [1.0, 2.0, 2.5])
    np.testing.assert_array_equal(resid, [NAN, 2.0, 1.0])


def test_window_features_use_the_values_before_this_one():
    f = signal_features(np.array([1.0, 2.0, 3.0, 4.0]), Enrichment(window=2, ewma={}))
    np.testing.assert_array_equal(f["last"], [NAN, 1, 2, 3])
    np.testing.assert_array_equal(f["diff"], [NAN, 1, 1, 1])
    np.testing.assert_allclose(f["mean"], [NAN, 1, 1.5, 2.5])
    s = np.sqrt(0.5)  # sample std (n - 1) of two values one apart
    np.testing.assert_allclose(f["std"], [NAN, NAN, s, s])
    np.testing.assert_allclose(f["zscore"], [NAN, NAN, 1.5 / s, 1.5 / s])


def test_zscore_on_zero_spread_is_left_out_unless_min_std():
    x = np.array([5.0, 5.0, 5.0, 6.0])
    assert np.isnan(signal_features(x, Enrichment(window=3, ewma={}))["zscore"]).all()
    z = signal_features(x, Enrichment(window=3, ewma={}, min_std=0.5))["zscore"]
    np.testing.assert_allclose(z, [NAN, NAN, 0.0, 2.0])


def test_enrich_keeps_entities_apart_and_skips_absent_values():
    frame = Frame(
        np.array(["a", "b", "a", "a", "b", "a"], dtype=object),
        np.arange(6, dtype=np.int64) * 1000,
        {"v": np.array([1.0, 10.0, 3.0, NAN, 20.0, 5.0])},
    )
    out = enrich(frame, ["v"], Enrichment(window=60, ewma={"ewma": 0.5}))
    np.testing.assert_array_equal(out.values["v.last"], [NAN, NAN, 1.0, NAN, 10.0, 3.0])
    np.testing.assert_array_equal(out.values["v.ewma"], [1.0, 10.0, 2.0, NAN, 15.0, 3.5])
    np.testing.assert_array_equal(out.values["v.ewma_resid"], [NAN, NAN, 2.0, NAN, 10.0, 3.0])
    assert out.values["v.mean"][5] == pytest.approx(2.0)  # a's values before: 1 and 3 (the absent one skipped)
    np.testing.assert_array_equal(out.values["v"], frame.values["v"])  # inputs pass through


def test_feature_names():
    assert Enrichment(ewma={"ewma": 0.1, "ewma_slow": 0.01}).names("t") == [
        "t.last",
        "t.diff",
        "t.mean",
        "t.std",
        "t.zscore",
        "t.ewma",
        "t.ewma_resid",
        "t.ewma_slow",
        "t.ewma_slow_resid",
    ]
