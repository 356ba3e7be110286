"""Rebuild the reference modules (science/modules/*.json) into science/build/.

Training data follows SKAB's protocol: the whole anomaly-free file plus the first
400 rows of every other file. With VIGIL_DATASETS set, the real SKAB data
($VIGIL_DATASETS/skab/data) is used; otherwise generated pump-like telemetry
(vigil_science.generator) in the same layout. For each module it writes the
bundle, a parity fixture (rows around the start of the labelled segment of the
first file of each folder, entities interleaved) and the point-wise F1 / FAR / MAR on the test part.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np

from . import data
from .frame import Frame
from .parity import build_fixture, fixture_records_from, rules_cases
from .runtime import conform
from .train import load_config, train

MODULES_DIR = Path(__file__).resolve().parents[1] / "modules"
TRAIN_ROWS = 400
FIXTURE_ROWS = 200


def dataset_root(out: Path) -> tuple[Path, str]:
    root = os.environ.get("VIGIL_DATASETS")
    if root:
        skab = Path(root) / "skab" / "data"
        if not (skab / "anomaly-free" / "anomaly-free.csv").is_file():
            raise SystemExit(f"VIGIL_DATASETS={root} has no skab/data/anomaly-free/anomaly-free.csv")
        return skab, "SKAB (VIGIL_DATASETS)"
    from .generator import generate

    print("VIGIL_DATASETS is not set: training on generated pump-like telemetry (vigil_science.generator)")
    return generate(out / "generated" / "skab-like"), "generated pump-like telemetry"


def labelled_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.csv") if p.parent.name != "anomaly-free")


def training_frame(root: Path) -> Frame:
    free = data.load(root / "anomaly-free" / "anomaly-free.csv")
    head = [data.select(f, data.Selection(first_rows=TRAIN_ROWS)) for p in labelled_files(root) for f in data.load(p)]
    return Frame.concat(free + head)


def quality(table_labels: np.ndarray, verdict: np.ndarray) -> dict[str, float]:
    """Point-wise on the test part: ANOMALY is a positive; UNSURE and NORMAL are negatives."""
    pred = verdict == "ANOMALY"
    y = table_labels == 1
    tp, fp, fn, tn = int((pred & y).sum()), int((pred & ~y).sum()), int((~pred & y).sum()), int((~pred & ~y).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "f1": f1,
        "far": fp / (fp + tn) if fp + tn else 0.0,
        "mar": fn / (fn + tp) if fn + tp else 0.0,
        "rows": tp + fp + fn + tn,
    }


def evaluate(module, root: Path) -> dict[str, float]:
    labels, verdicts = [], []
    for p in labelled_files(root):
        for f in data.load(p):
            scores = module.score(conform(f, module.manifest))
            labels.append(f.labels[TRAIN_ROWS:])
            verdicts.append(scores.verdict[TRAIN_ROWS:])
    return quality(np.concatenate(labels), np.concatenate(verdicts))


def fixture_sources(root: Path) -> list[tuple[Path, int]]:
    """The first labelled file of each folder, from FIXTURE_ROWS / 2 rows before its anomalous segment."""
    out = []
    firsts: dict[Path, Path] = {}
    for p in labelled_files(root):
        firsts.setdefault(p.parent, p)
    for p in firsts.values():
        f = data.load(p)[0]
        first = int(np.argmax(f.labels == 1)) if f.labels is not None and f.labels.any() else 0
        out.append((p, max(0, first - FIXTURE_ROWS // 2)))
    return out


def build_reference(out: Path, *, register: bool = False, alias: str | None = None) -> dict[str, dict[str, float]]:
    started = time.monotonic()
    root, source = dataset_root(out)
    frame = training_frame(root)
    results: dict[str, dict[str, float]] = {}
    for cfg_path in sorted(MODULES_DIR.glob("*.json")):
        cfg = load_config(cfg_path)
        name = cfg["module"]
        sel = {"data": source, "fullFiles": ["anomaly-free/anomaly-free.csv"], "firstRows": TRAIN_ROWS}
        result = train(cfg, frame, out / "bundles" / name, source=sel)
        fixture = build_fixture(
            result.module,
            _manifest_sha(out / "bundles" / name),
            fixture_records_from(result.module, fixture_sources(root), FIXTURE_ROWS, 0.02),
        )
        (out / "fixtures").mkdir(parents=True, exist_ok=True)
        (out / "fixtures" / f"{name}.json").write_text(json.dumps(fixture, indent=1, allow_nan=False) + "\n")
        results[name] = evaluate(result.module, root)
        if register:
            from .registry import register as do_register

            version = do_register(result, alias=alias)
            results[name]["version"] = float(version.version)
        q = results[name]
        print(
            f"{name:18s} F1 {q['f1']:.3f}  FAR {q['far']:.3f}  MAR {q['mar']:.3f}  ({int(q['rows'])} test rows)  thresholds {result.manifest['thresholds']}"
        )
    (out / "fixtures" / "rules-cases.json").write_text(json.dumps(rules_cases(), indent=1, allow_nan=False) + "\n")
    lines = [
        f"# Reference modules on {source}",
        "",
        "Point-wise on the test part (rows after the first 400 of each labelled file); ANOMALY = positive.",
        "",
    ]
    lines += ["| module | F1 | FAR | MAR |", "|---|---|---|---|"]
    lines += [f"| {n} | {q['f1']:.3f} | {q['far']:.3f} | {q['mar']:.3f} |" for n, q in results.items()]
    (out / "quality.md").write_text("\n".join(lines) + "\n")
    # Which data trained these bundles, so a caller (the demo) can tell stale ones from fitting ones.
    origin = {"data": "skab" if os.environ.get("VIGIL_DATASETS") else "generated", "root": str(root)}
    (out / "origin.json").write_text(json.dumps(origin) + "\n")
    print(f"built {len(results)} modules into {out} in {time.monotonic() - started:.0f} s")
    return results


def _manifest_sha(bundle: Path) -> str:
    from .bundle import MANIFEST, sha256

    return sha256((bundle / MANIFEST).read_bytes())
