"""The enrichment service's per-signal window features, computed offline over a Frame.

Definitions are those of services/enrichment/README.md ("Features"), so that a
module trained on these columns reads the same `features` keys the live
pipeline attaches to every alert: per signal `<s>`, over the entity's records
in row order, `last`, `diff`, `mean` / `std` of the last `window` values
*before* this one, `zscore = (value - mean) / max(std, min_std)`, and per EWMA
name `ewma` (after taking the value in: before + alpha (value - before); the
first value starts it) and `<name>_resid` (value - EWMA before). A record whose
signal is absent (NaN) gets none of its features and does not move its state.
A feature that is undefined or not finite is NaN (the service leaves it out).
Not computed here: `sdiff` and the `_entity.*` features. Windows use pandas'
rolling sums, equal to the service's to ~1e-12 relative; EWMAs use the exact
update expression of the service.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..frame import Frame

PER_SIGNAL = ("last", "diff", "mean", "std", "zscore")


@dataclass(frozen=True)
class Enrichment:
    """A source's feature settings (the subset of ENRICHMENT_CONFIG these features depend on)."""

    window: int = 60
    ewma: dict[str, float] = field(default_factory=lambda: {"ewma": 0.1})
    min_std: float = 0.0

    def names(self, signal: str) -> list[str]:
        out = [f"{signal}.{f}" for f in PER_SIGNAL]
        for name in self.ewma:
            out += [f"{signal}.{name}", f"{signal}.{name}_resid"]
        return out


def ewma_series(x: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """EWMA after each value and the residual against the EWMA before it (NaN for the first value)."""
    after = np.empty(len(x))
    resid = np.full(len(x), np.nan)
    before = None
    for i, v in enumerate(x.tolist()):
        if before is None:
            before = v
        else:
            resid[i] = v - before
            before = before + alpha * (v - before)
        after[i] = before
    return after, resid


def signal_features(x: np.ndarray, settings: Enrichment) -> dict[str, np.ndarray]:
    """Features of one signal of one entity; `x` holds only the records that carry the signal (finite values)."""
    s = pd.Series(x, dtype=np.float64)
    prev = s.shift(1)
    mean = prev.rolling(settings.window, min_periods=1).mean().to_numpy()
    std = prev.rolling(settings.window, min_periods=2).std(ddof=1).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.maximum(std, settings.min_std)
        zscore = np.where(sd > 0, (x - mean) / sd, np.nan)
    out = {"last": prev.to_numpy(), "diff": x - prev.to_numpy(), "mean": mean, "std": std, "zscore": zscore}
    for name, alpha in settings.ewma.items():
        out[name], out[f"{name}_resid"] = ewma_series(x, alpha)
    return {k: np.where(np.isfinite(v), v, np.nan) for k, v in out.items()}


def enrich(frame: Frame, signals: list[str], settings: Enrichment) -> Frame:
    """A copy of `frame` whose values also hold `<s>.<feature>` for each signal, per entity in row order."""
    n = len(frame)
    values = dict(frame.values)
    for sig in signals:
        cols = {f"{sig}.{k}": np.full(n, np.nan) for k in (*PER_SIGNAL, *_ewma_keys(settings))}
        raw = frame.values[sig]
        for ent in dict.fromkeys(frame.entity.tolist()):
            idx = np.flatnonzero((frame.entity == ent) & np.isfinite(raw))
            if idx.size == 0:
                continue
            for k, v in signal_features(raw[idx], settings).items():
                cols[f"{sig}.{k}"][idx] = v
        values |= cols
    return Frame(frame.entity, frame.ts, values, frame.attrs, frame.labels)


def _ewma_keys(settings: Enrichment) -> list[str]:
    return [k for name in settings.ewma for k in (name, f"{name}_resid")]
