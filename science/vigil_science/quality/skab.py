"""SKAB detection quality with SKAB's own protocol, through real bundles.

Protocol (waico/SKAB): in each of the 34 labelled files the first 400 rows are
the training part and the rest is the test part; F1, FAR and MAR are point-wise
over the test rows of all files pooled. Global candidates train one bundle on
the anomaly-free file plus every training part; per-entity candidates train one
bundle per file on its own training part (what the leaderboard's methods do).
Test labels are used for evaluation only: no threshold, feature or window is
fitted on them. Each candidate is reported at two operating points read from
its own bundle: its ANOMALY verdicts, and UNSURE-or-ANOMALY.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from .. import data
from ..frame import Frame
from ..generator import SIGNALS as GENERATED_SIGNALS
from .features import Enrichment, enrich
from .metrics import point_scores
from .protocol import Candidate, Result, row_counts, run_all

TRAIN_ROWS = 400
SIGNALS = GENERATED_SIGNALS  # SKAB's 8 pump signals (the kit's generator mimics the same layout)
# Enrichment features as the service computes them with its built-in defaults (window 60, EWMA alpha 0.1).
ENRICHMENT = Enrichment()
OPERATING_POINTS = ("ANOMALY", "UNSURE+")

# The published outlier-detection leaderboard: waico/SKAB README (commit b2c0d46, 2024-08-11); F1, FAR %, MAR %.
LEADERBOARD: list[tuple[str, float, float, float]] = [
    ("Conv-AE", 0.78, 13.55, 28.02),
    ("MSET", 0.78, 39.73, 14.13),
    ("T-squared+Q (PCA-based)", 0.76, 26.62, 24.92),
    ("LSTM-AE", 0.74, 29.96, 25.92),
    ("T-squared", 0.66, 19.21, 42.6),
    ("LSTM-VAE", 0.56, 9.13, 55.03),
    ("Vanilla LSTM", 0.54, 12.54, 59.53),
    ("Vanilla AE", 0.39, 2.59, 75.15),
    ("MSCRED", 0.36, 49.94, 69.88),
    ("Isolation forest", 0.29, 2.56, 82.89),
]

# Every configuration tried, in the order of docs/quality.md. Paths are relative to science/modules/quality/.
CANDIDATES: list[Candidate] = [
    Candidate("global predictive (reference)", "../skab-predictive.json", "global", "the shipped reference module"),
    Candidate("global envelope (reference)", "../skab-envelope.json", "global", "the shipped reference module"),
    Candidate("global iforest (reference)", "../skab-iforest.json", "global", "the shipped reference module"),
    Candidate("global rules (reference)", "../skab-rules.json", "global", "the shipped reference module"),
    Candidate("global T² EWMA, 6 signals", "skab-t2-ewma6.json", "global", "one bundle, anomaly-free + training parts"),
    Candidate("per-file T² raw, 8 signals", "skab-t2.json", "entity", "classic T² per file"),
    Candidate("per-file T² raw, 6 signals", "skab-t2-6.json", "entity", "without the slow thermal signals"),
    Candidate("per-file T² EWMA, 8 signals", "skab-t2-ewma.json", "entity", "signals smoothed by the EWMA feature"),
    Candidate("per-file T² EWMA, 6 signals", "skab-t2-ewma6.json", "entity", "smoothed, without the thermal signals"),
    Candidate(
        "per-file T² EWMA, 6 signals + thermal slopes", "skab-t2-ewma6-slope.json", "entity", "thermal signals as rates"
    ),
]


def load_skab(root: Path) -> tuple[Frame, list[Frame]]:
    """The anomaly-free file and the labelled files (sorted), each enriched as the service would."""
    free = data.load(root / "anomaly-free" / "anomaly-free.csv")[0]
    files = [f for p in labelled_files(root) for f in data.load(p)]
    return enrich(free, SIGNALS, ENRICHMENT), [enrich(f, SIGNALS, ENRICHMENT) for f in files]


def labelled_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.csv") if p.parent.name != "anomaly-free")


def split_rows(frames: list[Frame], train_rows: int = TRAIN_ROWS) -> list[int]:
    """Training rows per file: the first `train_rows` (all of a shorter file, which then has no test part)."""
    return [min(len(f), train_rows) for f in frames]


def select(results: list[Result], far_max: float = 0.15) -> Result | None:
    """The documented final choice: the highest F1 among the results with FAR <= far_max (ties: first listed)."""
    best = None
    for r in results:
        if r.scores.far <= far_max and (best is None or r.scores.f1 > best.scores.f1):
            best = r
    return best


def run(
    root: Path, workdir: Path, candidates: list[Candidate] = CANDIDATES, log: Callable[[str], None] = print
) -> tuple[list[Result], dict[str, int], dict[str, Any]]:
    """Every candidate through real bundles; pooled results, row counts and the per-file breakdown."""
    free, files = load_skab(root)
    train_rows = split_rows(files)
    results, details = run_all(
        candidates,
        files,
        train_rows,
        workdir / "skab",
        lambda _: OPERATING_POINTS,
        point_scores,
        log,
        extra=[free],
        source={"data": "SKAB", "firstRows": TRAIN_ROWS, "fullFiles": ["anomaly-free/anomaly-free.csv"]},
    )
    rows = {"files": len(files), "anomalyFreeRows": len(free), **row_counts(files, train_rows)}
    return results, rows, details


def table(results: list[Result], rows: dict[str, int]) -> str:
    lines = [
        f"SKAB, point-wise on the test part: {rows['files']} files, {rows['testRows']} test rows "
        f"({rows['testLabelled']} anomalous, {rows['testLabelled'] / rows['testRows']:.1%}); "
        f"training: first {TRAIN_ROWS} rows of each file ({rows['trainRows']} rows)"
        f" + the anomaly-free file ({rows['anomalyFreeRows']} rows) for global candidates.",
        "",
        "| method | scope | alarm at | F1 | FAR % | MAR % | TP | FP | FN | TN |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        s = r.scores
        lines.append(
            f"| Vigil: {r.label} | {r.scope} | {r.at} | {s.f1:.3f} | {100 * s.far:.2f} | "
            f"{100 * s.mar:.2f} | {s.tp} | {s.fp} | {s.fn} | {s.tn} |"
        )
    for name, f1, far, mar in LEADERBOARD:
        lines.append(f"| published: {name} | per file | — | {f1:.2f} | {far:.2f} | {mar:.2f} | | | | |")
    best = select(results)
    lines.append("")
    if best is None:
        lines.append("No Vigil configuration reaches FAR <= 15 %.")
    else:
        lines.append(
            f"Selected (highest F1 with FAR <= 15 %, chosen on the test labels among the rows above): "
            f"{best.candidate} [{best.at}]: F1 {best.scores.f1:.3f}, FAR {100 * best.scores.far:.2f} %, "
            f"MAR {100 * best.scores.mar:.2f} %."
        )
    return "\n".join(lines)
