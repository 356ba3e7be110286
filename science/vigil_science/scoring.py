"""`score`: per-row scores of CSV data with a bundle, through the reference scorer."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from . import data
from .frame import Frame
from .runtime import Module, ModuleScores, conform


def load_for(module: Module, path: str | Path) -> Frame:
    """Every file under `path`, all rows, conformed to the module's inputs, one entity per file."""
    return Frame.concat([conform(f, module.manifest) for f in data.load(path)])


def scores_table(frame: Frame, scores: ModuleScores) -> pd.DataFrame:
    cols: dict[str, object] = {"entity": frame.entity, "ts": frame.ts}
    if frame.labels is not None:
        cols["label"] = frame.labels  # ground truth passed through for evaluation, never an input
    cols |= {
        "raw": scores.raw,
        "calibrated": scores.calibrated,
        "verdict": scores.verdict,
        "missing_reason": scores.missing_reason,
    }
    for e in scores.elements:
        cols[f"{e.name}.raw"] = e.result.raw
        cols[f"{e.name}.calibrated"] = e.calibrated
        cols[f"{e.name}.missing_reason"] = e.result.missing
    cols["contributors"] = np.array([";".join(f"{s}:{w:.6g}" for s, w in c) for c in scores.contributors], dtype=object)
    return pd.DataFrame(cols)


def score_csv(module: Module, path: str | Path, out: str | Path | None) -> pd.DataFrame:
    frame = load_for(module, path)
    table = scores_table(frame, module.score(frame))
    if out is None:
        table.to_csv(sys.stdout, index=False, float_format="%.17g")
    else:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(out, index=False, float_format="%.17g")
    return table
