"""Calibration of raw scores into [0, 1] and the module's verdict.

The ECDF algorithm is the normative one of docs/bundle-format.md ("Calibration"):
the TypeScript runtime evaluates exactly the same float64 expression.
"""

from __future__ import annotations

from typing import Any

import numpy as np

DEFAULT_KNOTS = 1001


def ecdf_knots(scores: np.ndarray, n_knots: int = DEFAULT_KNOTS) -> list[float]:
    """Knots q_i = quantile(scores, i/m), i = 0..m, with numpy's linear method."""
    x = np.asarray(scores, dtype=np.float64)
    x = x[np.isfinite(x)]
    if x.size == 0:
        raise ValueError("cannot calibrate on no finite score")
    q = np.quantile(x, np.linspace(0.0, 1.0, n_knots), method="linear")
    return [float(v) for v in np.maximum.accumulate(q)]


def with_tail(knots: list[float], scores: np.ndarray, quantile: float, factor: float) -> list[float]:
    """Append one knot at max(top knot, factor x the `quantile` of the scores): a linear tail above the held-out max.

    Calibrated scores then reach 1 only at that knot, so a threshold of 1 means "factor times the held-out
    quantile" (SKAB's UCL = quantile x factor) while the scores below the held-out maximum keep their ECDF
    meaning, up to the factor m / (m + 1) of the one extra interval. Runtimes need nothing new: it is an ECDF.
    """
    if not 0 < quantile <= 1 or not factor >= 1:
        raise ValueError(f"tail: quantile must be in (0, 1] and factor >= 1, got {quantile}, {factor}")
    x = np.asarray(scores, dtype=np.float64)
    x = x[np.isfinite(x)]
    return [*knots, max(knots[-1], float(factor * np.quantile(x, quantile, method="linear")))]


def ecdf(knots: list[float], x: np.ndarray) -> np.ndarray:
    """F(x): 0 below q_0, 1 at or above q_m, else (j + (x - q_j) / (q_{j+1} - q_j)) / m with j = max{i : q_i <= x}."""
    q = np.asarray(knots, dtype=np.float64)
    m = len(q) - 1
    x = np.asarray(x, dtype=np.float64)
    j = np.searchsorted(q, x, side="right") - 1
    jj = np.clip(j, 0, max(m - 1, 0))
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = (jj + (x - q[jj]) / (q[np.minimum(jj + 1, m)] - q[jj])) / m
    out = np.where(j < 0, 0.0, np.where(j >= m, 1.0, frac))
    return np.where(np.isnan(x), np.nan, out)


def calibrate(calibration: dict[str, Any], raw: np.ndarray) -> np.ndarray:
    method = calibration["method"]
    if method == "ecdf":
        return ecdf(calibration["knots"], raw)
    if method == "identity":
        x = np.asarray(raw, dtype=np.float64)
        return np.where(np.isnan(x), np.nan, np.minimum(np.maximum(x, 0.0), 1.0))
    raise ValueError(f"unknown calibration method {method!r}")


def combine(spec: dict[str, Any], names: list[str], calibrated: dict[str, np.ndarray]) -> np.ndarray:
    """Combine element calibrated scores over the elements present in each row (NaN = missing)."""
    mat = np.column_stack([calibrated[n] for n in names])
    present = ~np.isnan(mat)
    if spec["method"] == "max":
        filled = np.where(present, mat, -np.inf)
        out = filled.max(axis=1)
    elif spec["method"] == "weighted_mean":
        # Summed in element order, as the runtime does: sum(w_i * c_i) / sum(w_i) over present elements.
        num = np.zeros(len(mat))
        den = np.zeros(len(mat))
        for k, n in enumerate(names):
            w = float(spec["weights"][n])
            num = np.where(present[:, k], num + w * mat[:, k], num)
            den = np.where(present[:, k], den + w, den)
        with np.errstate(invalid="ignore", divide="ignore"):
            out = num / den
    else:
        raise ValueError(f"unknown combine method {spec['method']!r}")
    return np.where(present.any(axis=1), out, np.nan)


def verdicts(calibrated: np.ndarray, thresholds: dict[str, float]) -> np.ndarray:
    out = np.full(calibrated.shape, "NORMAL", dtype=object)
    out[calibrated >= thresholds["unsureAbove"]] = "UNSURE"
    out[calibrated >= thresholds["anomalyAbove"]] = "ANOMALY"
    out[np.isnan(calibrated)] = "MISSING"
    return out
