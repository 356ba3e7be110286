"""Parity fixtures: records as the runtime will see them, and what the Python scorer makes of them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from . import data
from .bundle import MANIFEST, read_bundle_file, sha256
from .records import frame_to_records, records_to_frame
from .runtime import Module, conform

FIXTURE_FORMAT = "vigil.parity/v1"
TOLERANCE = 1e-5


def fixture_records_from(
    module: Module, sources: list[tuple[str | Path, int]], rows: int, missing_share: float, seed: int = 7
) -> list[dict[str, Any]]:
    """`rows` consecutive rows of every file from its start row, interleaved round-robin across entities.

    A deterministic `missing_share` of values is left out of the records so the runtime's imputation
    (and its history of absent values) is exercised as well.
    """
    per_entity = []
    for path, start in sources:
        for f in data.load(path):
            f = conform(f, module.manifest)
            recs = frame_to_records(f, module.manifest, np.arange(start, min(len(f), start + rows)))
            for k, rec in enumerate(recs):
                rec["id"] = f"{rec['entity']}#{start + k}"
            per_entity.append(recs)
    rng = np.random.default_rng(seed)
    out = []
    for i in range(max((len(r) for r in per_entity), default=0)):
        for recs in per_entity:
            if i < len(recs):
                rec = recs[i]
                for group in ("values", "features"):
                    for c in list(rec[group]):
                        if rng.random() < missing_share:
                            del rec[group][c]
                out.append(rec)
    return out


def build_fixture(module: Module, manifest_sha256: str, records: list[dict[str, Any]]) -> dict[str, Any]:
    frame = records_to_frame(records, module.manifest)
    scores = module.score(frame)
    row = module.preprocess(frame)
    out_rows = []
    for i, rec in enumerate(records):
        expected = scores.row(i)
        expected["inputs"] = {
            e["name"]: [None if np.isnan(row[c][i]) else float(row[c][i]) for c in e["inputs"]]
            for e in module.manifest["elements"]
        }
        out_rows.append({"record": rec, "expected": expected})
    return {
        "format": FIXTURE_FORMAT,
        "module": module.name,
        "manifestSha256": manifest_sha256,
        "tolerance": TOLERANCE,
        "entities": sorted({r["entity"] for r in records}),
        "rows": out_rows,
    }


def write_fixture(
    module: Module,
    bundle: str | Path,
    path: str | Path,
    rows: int,
    out: Path,
    *,
    start: int = 0,
    missing_share: float = 0.02,
) -> dict[str, Any]:
    fixture = build_fixture(
        module,
        sha256(read_bundle_file(bundle, MANIFEST)),
        fixture_records_from(module, [(path, start)], rows, missing_share),
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(fixture, indent=1, allow_nan=False) + "\n")
    return fixture


RULES_CASE_ROWS = [
    {"a": 2.5, "b": -4.0, "z": 0.0, "n": None},
    {"a": -1.0, "b": 3.0, "z": 0.0, "n": 7.0},
]
RULES_CASE_EXPRESSIONS: list[Any] = [
    1.5,
    True,
    False,
    "a",
    "n",
    {"add": ["a", "b"]},
    {"add": ["a", "b", 10]},
    {"add": ["a", "n"]},
    {"mul": ["a", "b", 0.5]},
    {"sub": ["a", "b"]},
    {"div": ["b", "a"]},
    {"div": ["z", "a"]},
    {"abs": "b"},
    {"neg": "a"},
    {"abs": {"sub": ["b", "a"]}},
    {"min": ["a", "b"]},
    {"max": ["a", "b", 1]},
    {"min": ["a", "n"]},
    {"max": ["n", "a"]},
    {"gt": ["a", "b"]},
    {"ge": ["a", 2.5]},
    {"lt": ["a", "b"]},
    {"le": ["b", -4]},
    {"eq": ["z", 0]},
    {"ne": ["a", "b"]},
    {"eq": ["n", "n"]},
    {"ne": ["n", 1]},
    {"gt": ["n", 0]},
    {"le": ["n", 0]},
    {"missing": "n"},
    {"missing": "a"},
    {"not": {"missing": "n"}},
    {"all": [{"gt": ["a", 0]}, {"lt": ["b", 0]}]},
    {"all": [{"gt": ["a", 0]}]},
    {"any": [{"gt": ["n", 0]}, {"eq": ["z", 0]}]},
    {"any": [{"gt": ["n", 0]}, False]},
    {"not": {"all": [{"gt": ["a", 0]}, {"not": {"lt": ["b", 0]}}]}},
    {"gt": [{"abs": {"sub": ["a", {"mul": ["b", 2]}]}}, 10]},
]


def rules_cases() -> dict[str, Any]:
    """Expression conformance cases for the TypeScript rules evaluator: every operator, NaN (null) included."""
    from . import rules as expr

    cases = []
    for row in RULES_CASE_ROWS:
        cols = {k: np.array([np.nan if v is None else v], dtype=np.float64) for k, v in row.items()}
        for e in RULES_CASE_EXPRESSIONS:
            kind = expr.check(e, set(cols))
            got = expr.evaluate(e, cols, 1)[0]
            value: Any = bool(got) if kind == expr.BOOL else (None if np.isnan(got) else float(got))
            cases.append({"row": row, "expr": e, "type": kind, "expected": value})
    bad = [{"expr": {"gt": ["a"]}}, {"expr": {"eval": ["a"]}}, {"expr": {"all": ["a"]}}, {"expr": {"add": [True, 1]}}]
    bad += [
        {"expr": {"gt": ["nope", 1]}},
        {"expr": {"gt": ["a", 1], "lt": ["a", 2]}},
        {"expr": {"missing": {"abs": "a"}}},
    ]
    return {"format": "vigil.rules-cases/v1", "columns": sorted(RULES_CASE_ROWS[0]), "cases": cases, "invalid": bad}
