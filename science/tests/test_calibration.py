from __future__ import annotations

import numpy as np
import pytest

from vigil_science.calibration import calibrate, combine, ecdf, ecdf_knots, verdicts


def test_ecdf_is_monotone_bounded_and_matches_the_share_below():
    rng = np.random.default_rng(0)
    train = rng.gamma(2.0, size=5000)
    knots = ecdf_knots(train, 1001)
    x = np.linspace(-1, 30, 20001)
    f = ecdf(knots, x)
    assert np.all(np.diff(f) >= 0) and f.min() == 0.0 and f.max() == 1.0
    probe = rng.gamma(2.0, size=200)
    share_below = np.array([(train < v).mean() for v in probe])
    assert np.abs(ecdf(knots, probe) - share_below).max() < 2e-3


def test_ecdf_exact_algorithm():
    knots = [0.0, 1.0, 1.0, 3.0, 7.0]  # m = 4, a tie at 1.0
    got = ecdf(knots, np.array([-1.0, 0.0, 0.5, 1.0, 2.0, 7.0, 8.0, np.nan]))
    want = [0.0, 0.0, 0.125, 0.5, 0.625, 1.0, 1.0]
    np.testing.assert_array_equal(got[:7], want)
    assert np.isnan(got[7])


def test_identity_clamps_and_keeps_nan():
    got = calibrate({"method": "identity"}, np.array([-0.5, 0.3, 1.7, np.nan]))
    np.testing.assert_array_equal(got[:3], [0.0, 0.3, 1.0])
    assert np.isnan(got[3])


def test_combine_skips_missing_elements():
    c = {"a": np.array([0.2, np.nan, np.nan]), "b": np.array([0.9, 0.4, np.nan])}
    got = combine({"method": "max"}, ["a", "b"], c)
    np.testing.assert_array_equal(got[:2], [0.9, 0.4])
    assert np.isnan(got[2])
    got = combine({"method": "weighted_mean", "weights": {"a": 1.0, "b": 3.0}}, ["a", "b"], c)
    assert got[0] == pytest.approx((0.2 + 2.7) / 4) and got[1] == pytest.approx(0.4) and np.isnan(got[2])


def test_verdicts_use_inclusive_thresholds():
    t = {"unsureAbove": 0.9, "anomalyAbove": 0.99}
    got = verdicts(np.array([0.5, 0.9, 0.95, 0.99, 1.0, np.nan]), t)
    assert got.tolist() == ["NORMAL", "UNSURE", "UNSURE", "ANOMALY", "ANOMALY", "MISSING"]
