"""`python -m vigil_science.quality`: the SKAB quality benchmark and the drift study (docs/quality.md)."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from .. import __version__
from . import drift, skab

REPO = Path(__file__).resolve().parents[3]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m vigil_science.quality",
        description="Detection quality through real bundles: SKAB (point-wise F1/FAR/MAR beside the published "
        "leaderboard) and the drift study on the Microsoft cloud-monitoring series (event-level precision/recall).",
    )
    ap.add_argument(
        "--datasets", default=os.environ.get("VIGIL_DATASETS"), help="datasets root (default $VIGIL_DATASETS)"
    )
    ap.add_argument("--only", choices=["skab", "drift"], help="run one study only")
    ap.add_argument("--out", default=str(REPO / "bench" / "results"), help="results folder (default bench/results)")
    ap.add_argument(
        "--keep-bundles", metavar="DIR", help="write the trained bundles here instead of a temporary folder"
    )
    args = ap.parse_args(argv)
    if not args.datasets:
        print("VIGIL_DATASETS is not set and --datasets not given: the quality benchmark needs the real datasets")
        return 2
    root = Path(args.datasets)
    skab_root, ms_root = root / "skab" / "data", root / "ms-cloud-monitoring" / "data"
    for needed, p in (("skab", skab_root), ("drift", ms_root)):
        if args.only in (None, needed) and not p.is_dir():
            print(f"{p}: no such folder (the {needed} study needs it)")
            return 2

    started = time.monotonic()
    stamp = datetime.now(UTC)
    report: dict[str, object] = {
        "format": "vigil.quality/v1",
        "date": stamp.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "command": "python -m vigil_science.quality " + " ".join(argv if argv is not None else sys.argv[1:]),
        "kit": f"vigil_science {__version__}",
        "python": platform.python_version(),
        "host": {"cpus": os.cpu_count(), "machine": platform.machine()},
    }
    tables = []
    with tempfile.TemporaryDirectory(prefix="vigil-quality-") as tmp:
        work = Path(args.keep_bundles) if args.keep_bundles else Path(tmp)
        if args.only in (None, "skab"):
            print("SKAB: training and scoring every candidate ...", flush=True)
            results, rows, details = skab.run(skab_root, work, log=_log)
            tables.append("## SKAB\n\n" + skab.table(results, rows))
            best = skab.select(results)
            report["skab"] = {
                "rows": rows,
                "results": [r.row() for r in results],
                "leaderboard": [
                    {"method": n, "f1": f, "far": a / 100, "mar": m / 100} for n, f, a, m in skab.LEADERBOARD
                ],
                "selected": None if best is None else best.row(),
                "perFile": details,
            }
        if args.only in (None, "drift"):
            print("Drift study: training and scoring every candidate ...", flush=True)
            results, rows, details = drift.run(ms_root, work, log=_log)
            tables.append("## Drift (Microsoft cloud monitoring)\n\n" + drift.table(results, rows))
            report["drift"] = {"rows": rows, "results": [r.row() for r in results], "perSeries": details}
    report["seconds"] = round(time.monotonic() - started, 1)
    text = "\n\n".join(tables)
    print("\n" + text + f"\n\n({report['seconds']} s)")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    name = f"quality-{stamp.strftime('%Y-%m-%dT%H-%M-%SZ')}"
    (out / f"{name}.json").write_text(json.dumps(report, indent=1, allow_nan=False) + "\n")
    (out / f"{name}.md").write_text(f"# Detection quality ({report['date']})\n\n`{report['command']}`\n\n{text}\n")
    print(f"results: {out / name}.json, {out / name}.md")
    return 0


def _log(line: str) -> None:
    print(line, flush=True)


if __name__ == "__main__":
    sys.exit(main())
