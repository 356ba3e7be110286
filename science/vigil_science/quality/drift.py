"""Drift study on the Microsoft cloud-monitoring series: a static module against adaptive ones.

Each of the 60 univariate series is one entity. Every module is trained on the
first share of each series (a markup-like selection; rows labelled anomalous in
it train nothing) and scores the whole series in order through its bundle.
Evaluation covers the rest of each series, at event level (metrics.event_scores),
with ONE global threshold on the calibrated score for every series: the sweep
reports each threshold of THRESHOLDS in turn.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .. import data
from ..frame import Frame
from .features import Enrichment, enrich
from .metrics import EventScores, event_scores
from .protocol import Candidate, Result, row_counts, run_all

TRAIN_SHARE = 0.3
TOLERANCE = 3  # rows after an event's end during which an alarm still detects it
THRESHOLDS = (0.99, 0.999, 1.0)  # global thresholds on the calibrated score (ECDF with a tail: 0.999 ~ held-out max)
# The likelihood post-processing maps ECDF scores (uniform on normal rows) through a normal CDF of a z-score whose
# numerator is at most 1 - mean ~ 0.5 over a spread ~ 0.29: its output stays below ~0.96, so its sweep is lower.
LIKELIHOOD_THRESHOLDS = (0.8, 0.9, 0.95)
ENRICHMENT = Enrichment()  # the service defaults: window 60, EWMA alpha 0.1

CANDIDATES: list[Candidate] = [
    Candidate("static (value), per series", "ms-static.json", "entity", "fitted once on the first share"),
    Candidate("adaptive (z-score + EWMA residual), per series", "ms-adaptive.json", "entity", "enrichment features"),
    Candidate("adaptive (z-score), one bundle for all series", "ms-adaptive-zscore.json", "global", "dimensionless"),
    Candidate("static + likelihood post-processing, per series", "ms-static-likelihood.json", "entity", "long-run"),
    Candidate("adaptive + likelihood post-processing, per series", "ms-adaptive-likelihood.json", "entity", "long-run"),
]
SWEEPS = {c.name: LIKELIHOOD_THRESHOLDS for c in CANDIDATES if "likelihood" in c.config}


def load_series(root: Path) -> list[Frame]:
    return [enrich(f, ["Value"], ENRICHMENT) for f in data.load(root)]


def split_rows(frames: list[Frame], share: float = TRAIN_SHARE) -> list[int]:
    return [int(len(f) * share) for f in frames]


def measure(labels: np.ndarray, alarms: np.ndarray) -> EventScores:
    return event_scores(labels, alarms, TOLERANCE)


def run(
    root: Path, workdir: Path, candidates: list[Candidate] = CANDIDATES, log: Callable[[str], None] = print
) -> tuple[list[Result], dict[str, int], dict[str, Any]]:
    """Every candidate through real bundles; pooled results, row counts and the per-series breakdown."""
    series = load_series(root)
    train_rows = split_rows(series)
    results, details = run_all(
        candidates,
        series,
        train_rows,
        workdir / "drift",
        lambda c: SWEEPS.get(c.name, THRESHOLDS),
        measure,
        log,
        drop_labelled=True,
        source={"data": "ms-cloud-monitoring", "firstShare": TRAIN_SHARE},
    )
    rows = {"series": len(series), **row_counts(series, train_rows)}
    return results, rows, details


def table(results: list[Result], rows: dict[str, int]) -> str:
    events = results[0].scores.events if results else 0
    lines = [
        f"Microsoft cloud monitoring, event level: {rows['series']} series, trained on the first {TRAIN_SHARE:.0%} of each "
        f"({rows['trainRows']} rows), evaluated on the rest ({rows['testRows']} rows, {events} labelled events); "
        f"an alarm up to {TOLERANCE} rows after an event still detects it.",
        "",
        "| module | scope | global threshold (calibrated ≥) | events detected | false alarms (runs) | precision | recall | F1 | normal rows alarmed % |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        s = r.scores
        lines.append(
            f"| {r.label} | {r.scope} | {r.at:g} | {s.detected} / {s.events} | {s.false_alarms} | "
            f"{s.precision:.3f} | {s.recall:.3f} | {s.f1:.3f} | {100 * s.false_alarm_rate:.2f} |"
        )
    return "\n".join(lines)
