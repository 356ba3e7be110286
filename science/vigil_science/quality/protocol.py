"""Training and scoring candidate modules through real bundles, globally or one bundle per entity.

Every score in the quality benchmarks comes from a bundle written by the kit's
`train` and loaded back with `load_bundle` (manifest schema, hashes, semantic
checks, ONNX sessions, selfTest), then `Module.score` — the reference scorer
that the TypeScript runtime reproduces within 1e-5. Each entity's whole series
is scored in row order (history from its first row); evaluation reads the rows
after the training part only.

Scopes:
- `global`: one bundle trained on the pooled training rows of every entity
  (plus any `extra` frames, e.g. SKAB's anomaly-free file);
- `entity`: one bundle per entity, trained and calibrated on that entity's own
  training rows only (a model per entity, as SKAB's per-file methods do).
"""

from __future__ import annotations

import copy
import functools
import json
import operator
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ..errors import VigilScienceError
from ..frame import Frame
from ..train import train

Scope = Literal["global", "entity"]
Point = (
    str | float
)  # an operating point: a verdict ("ANOMALY", "UNSURE+") or a global threshold on the calibrated score
Measure = Callable[[np.ndarray, np.ndarray], Any]  # (labels, alarms) of the test rows -> scores with + and summary()
MODULES_DIR = Path(__file__).resolve().parents[2] / "modules" / "quality"


@dataclass(frozen=True)
class Candidate:
    """A module configuration evaluated in one scope. `name` labels the table row."""

    name: str
    config: str  # path, absolute or relative to science/modules/quality/
    scope: Scope
    note: str = ""

    def load(self) -> dict[str, Any]:
        path = Path(self.config)
        path = path if path.is_absolute() else MODULES_DIR / path
        return json.loads(path.read_text())


@dataclass
class Scored:
    """One entity's scores over its whole series (row order), from the bundle that scored it."""

    entity: str
    train_rows: int
    calibrated: np.ndarray  # module calibrated score, NaN when missing
    verdict: np.ndarray  # NORMAL | UNSURE | ANOMALY | MISSING
    labels: np.ndarray
    thresholds: dict[str, float] = field(default_factory=dict)
    failed: str | None = None  # why no bundle could be trained: the entity then raises no alarm

    def test(self) -> slice:
        return slice(self.train_rows, len(self.labels))

    def alarms(self, at: str | float) -> np.ndarray:
        """Alarms on the test rows: a verdict name ('ANOMALY', 'UNSURE+') or calibrated >= a global threshold."""
        t = self.test()
        if at == "ANOMALY":
            return self.verdict[t] == "ANOMALY"
        if at == "UNSURE+":
            return np.isin(self.verdict[t], ["UNSURE", "ANOMALY"])
        c = self.calibrated[t]
        return np.where(np.isnan(c), False, c >= float(at))


def module_name(base: str, entity: str) -> str:
    """The per-entity module name: `<base>.<entity>` with characters outside [A-Za-z0-9_.-] as '-'."""
    return f"{base}.{re.sub(r'[^A-Za-z0-9_.-]', '-', entity)}"


def _scored(module: Any, frame: Frame, train_rows: int) -> Scored:
    s = module.score(frame)
    return Scored(
        str(frame.entity[0]), train_rows, s.calibrated, s.verdict, _labels(frame), dict(module.manifest["thresholds"])
    )


def _failed(frame: Frame, train_rows: int, reason: str) -> Scored:
    n = len(frame)
    return Scored(
        str(frame.entity[0]),
        train_rows,
        np.full(n, np.nan),
        np.full(n, "MISSING", dtype=object),
        _labels(frame),
        {},
        reason,
    )


def _labels(frame: Frame) -> np.ndarray:
    return np.zeros(len(frame), dtype=np.int8) if frame.labels is None else frame.labels


def run_candidate(
    cand: Candidate,
    frames: list[Frame],
    train_rows: list[int],
    workdir: Path,
    *,
    extra: list[Frame] = (),
    drop_labelled: bool = False,
    source: dict[str, Any] | None = None,
) -> list[Scored]:
    """Train `cand` on the first `train_rows[i]` rows of each frame (plus `extra` when global), score every frame."""
    if len(frames) != len(train_rows):
        raise ValueError("one training row count per frame")
    cfg = cand.load()
    out = workdir / re.sub(r"[^A-Za-z0-9_.-]+", "-", cand.name)  # a folder per candidate, for --keep-bundles
    heads = [f.take(np.arange(k)) for f, k in zip(frames, train_rows, strict=True)]
    if cand.scope == "global":
        try:
            result = train(
                cfg, Frame.concat(list(extra) + heads), out / cfg["module"], drop_labelled=drop_labelled, source=source
            )
        except VigilScienceError as e:
            return [_failed(f, k, str(e)) for f, k in zip(frames, train_rows, strict=True)]
        return [_scored(result.module, f, k) for f, k in zip(frames, train_rows, strict=True)]
    scored = []
    for f, k, head in zip(frames, train_rows, heads, strict=True):
        ecfg = copy.deepcopy(cfg)
        ecfg["module"] = module_name(cfg["module"], str(f.entity[0]))
        try:
            # train() returns the bundle it wrote, loaded back and verified (load_bundle), ready to score
            result = train(ecfg, head, out / ecfg["module"], drop_labelled=drop_labelled, source=source)
        except VigilScienceError as e:
            scored.append(_failed(f, k, str(e)))
            continue
        scored.append(_scored(result.module, f, k))
    return scored


@dataclass(frozen=True)
class Result:
    """A candidate's scores over every entity pooled, at one operating point."""

    candidate: str
    scope: str
    at: Point
    scores: Any  # metrics.PointScores or metrics.EventScores
    entities: int
    failed: int  # entities without a bundle (they raise no alarm)

    @property
    def label(self) -> str:
        return f"{self.candidate} ({self.failed} without a bundle)" if self.failed else self.candidate

    def row(self) -> dict[str, Any]:
        return {
            "candidate": self.candidate,
            "scope": self.scope,
            "at": self.at,
            "entities": self.entities,
            "failed": self.failed,
            **self.scores.summary(),
        }


def evaluate(name: str, scope: str, scored: list[Scored], points: Sequence[Point], measure: Measure) -> list[Result]:
    """Pool `measure` over the test rows of every entity, at each operating point."""
    failed = sum(s.failed is not None for s in scored)
    return [
        Result(
            name,
            scope,
            at,
            functools.reduce(operator.add, (measure(s.labels[s.test()], s.alarms(at)) for s in scored)),
            len(scored),
            failed,
        )
        for at in points
    ]


def per_entity(scored: list[Scored], points: Sequence[Point], measure: Measure) -> dict[str, list[dict[str, Any]]]:
    """Each entity's figures at each operating point (the JSON results' breakdown)."""
    return {
        str(at): [
            {"entity": s.entity, "failed": s.failed, **measure(s.labels[s.test()], s.alarms(at)).summary()}
            for s in scored
        ]
        for at in points
    }


def row_counts(frames: list[Frame], train_rows: list[int]) -> dict[str, int]:
    """Rows in the training parts, in the test parts, and labelled rows in the test parts."""
    pairs = list(zip(frames, train_rows, strict=True))
    return {
        "trainRows": int(sum(train_rows)),
        "testRows": int(sum(len(f) - k for f, k in pairs)),
        "testLabelled": int(sum(int(_labels(f)[k:].sum()) for f, k in pairs)),
    }


def run_all(
    candidates: list[Candidate],
    frames: list[Frame],
    train_rows: list[int],
    workdir: Path,
    points: Callable[[Candidate], Sequence[Point]],
    measure: Measure,
    log: Callable[[str], None],
    **train_options: Any,
) -> tuple[list[Result], dict[str, dict[str, list[dict[str, Any]]]]]:
    """Every candidate trained, scored and evaluated in turn; the pooled results and the per-entity breakdown."""
    results: list[Result] = []
    details: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for cand in candidates:
        started = time.monotonic()
        scored = run_candidate(cand, frames, train_rows, workdir, **train_options)
        for s in scored:
            if s.failed:
                log(f"  {cand.name}: {s.entity}: no bundle ({s.failed})")
        results += evaluate(cand.name, cand.scope, scored, points(cand), measure)
        details[cand.name] = per_entity(scored, points(cand), measure)
        log(f"  {cand.name}: {len(scored)} entities scored in {time.monotonic() - started:.0f} s")
    return results, details
