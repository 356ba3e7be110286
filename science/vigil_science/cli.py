"""Command line: train, retrain, score, parity-fixture, build-reference, verify."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import data
from .bundle import load_bundle, zip_bundle
from .errors import VigilScienceError


def _selection(args: argparse.Namespace) -> data.Selection:
    ways = [
        args.time_from is not None or args.time_to is not None,
        args.first_share is not None,
        args.first_rows is not None,
    ]
    if sum(ways) > 1:
        raise VigilScienceError(data.DATA_INVALID, "use one of --from/--to, --first-share, --first-rows")
    return data.Selection(
        data.parse_time(args.time_from), data.parse_time(args.time_to), args.first_share, args.first_rows
    )


def cmd_train(args: argparse.Namespace) -> int:
    from .train import load_config, train

    cfg = load_config(args.config)
    sel = _selection(args)
    frame = data.load_selected(args.data, sel, full=args.full_data or [])
    out = Path(args.out or Path("science/build/bundles") / cfg["module"])
    source = {"data": [str(Path(p)) for p in args.data], "fullData": args.full_data or [], **sel.describe()}
    result = train(cfg, frame, out, drop_labelled=args.drop_labelled, source=source)
    if args.zip:
        zip_bundle(out, out.with_suffix(".zip"))
    print(
        f"bundle {out} thresholds {result.manifest['thresholds']} holdout anomaly share {result.metrics['holdout_anomaly_share']:.4f}"
    )
    if args.register:
        from .registry import register

        version = register(result, alias=args.alias, model_name=args.model_name)
        print(
            f"registered {args.model_name or cfg['module']} version {version.version} (run {version.run_id}){' alias ' + args.alias if args.alias else ''}"
        )
    return 0


def _retrain_problems(args: argparse.Namespace) -> list[str]:
    """Every problem with the options at once, found before the first round (a loop would only repeat them)."""
    problems = []
    if (args.data is None) == (args.store is None):
        problems.append("give the history as --data FILES or --store POSTGRES_URL (one of them)")
    if args.store is not None and (args.entity is None) == (args.entity_prefix is None):
        problems.append("with --store give one of --entity or --entity-prefix")
    if args.store is None:
        store_only = (("--entity", args.entity), ("--entity-prefix", args.entity_prefix), ("--schema", args.schema))
        given = [option for option, value in store_only if value]
        if given:
            problems.append(f"{', '.join(given)} only apply with --store")
    if args.every is not None and args.until is not None:
        problems.append("--every with --until would retrain on the same window each round; leave --until out")
    if args.min_rows < 1:
        problems.append("--min-rows must be at least 1")
    return problems


def cmd_retrain(args: argparse.Namespace) -> int:
    from .retrain import Schedule, check_alias, csv_window, parse_duration, retrain_once, store_window
    from .train import load_config

    check_alias(args.alias)
    problems = _retrain_problems(args)
    if problems:
        raise VigilScienceError(data.DATA_INVALID, "; ".join(problems))
    cfg = load_config(args.config)
    length = parse_duration(args.window)
    every = None if args.every is None else parse_duration(args.every)
    until = data.parse_time(args.until)
    out = Path(args.out or Path("science/build/bundles") / f"{cfg['module']}-retrained")

    def one_round() -> None:
        if args.store is not None:
            history = store_window(
                args.store,
                entity=args.entity,
                entity_prefix=args.entity_prefix,
                schema=args.schema,
                length_ms=length,
                until_ms=until,
            )
            source = {"store": "alerts", "entity": args.entity or f"{args.entity_prefix}*"}
        else:
            history = csv_window(args.data, length, until)
            source = {"data": [str(Path(p)) for p in args.data]}
        version = retrain_once(
            cfg,
            history,
            source=source,
            out=out,
            min_rows=args.min_rows,
            alias=args.alias,
            model_name=args.model_name,
            drop_labelled=args.drop_labelled,
        )
        w = history.window.describe()
        print(
            f"registered {args.model_name or cfg['module']} version {version.version} alias {args.alias}: "
            f"{len(history.frame)} rows from {w['windowFrom']} to {w['windowTo']}",
            flush=True,
        )

    if every is None:
        one_round()
        return 0
    # Ends only on SIGTERM/SIGINT, between rounds: a clean stop (failed rounds are in the log).
    Schedule(every, log=lambda m: print(m, flush=True)).run(one_round)
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    from .scoring import score_csv

    score_csv(load_bundle(args.bundle), args.data, args.out)
    return 0


def cmd_parity(args: argparse.Namespace) -> int:
    from .parity import write_fixture

    fixture = write_fixture(
        load_bundle(args.bundle),
        args.bundle,
        args.data,
        args.rows,
        Path(args.out),
        start=args.start,
        missing_share=args.missing_share,
    )
    print(f"parity fixture {args.out}: {len(fixture['rows'])} rows, {len(fixture['entities'])} entities")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    module = load_bundle(args.bundle)
    print(json.dumps({"module": module.name, "ok": True, "files": module.manifest["files"]}, indent=1))
    return 0


def cmd_build_reference(args: argparse.Namespace) -> int:
    from .build_reference import build_reference

    build_reference(Path(args.out), register=args.register, alias=args.alias)
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m vigil_science", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    t = sub.add_parser("train", help="train a module and write its bundle")
    t.add_argument("--config", required=True, help="module config JSON (science/modules/<name>.json)")
    t.add_argument(
        "--data", required=True, action="append", help="CSV file or folder (repeatable); one entity per file"
    )
    t.add_argument(
        "--full-data", action="append", help="CSV file or folder used whole, whatever the selection (repeatable)"
    )
    t.add_argument("--from", dest="time_from", help="start of the training range (inclusive; RFC 3339, naive = UTC)")
    t.add_argument("--to", dest="time_to", help="end of the training range (exclusive)")
    t.add_argument("--first-share", type=float, help="train on the first share of each file's rows")
    t.add_argument("--first-rows", type=int, help="train on the first N rows of each file")
    t.add_argument(
        "--drop-labelled", action="store_true", help="leave rows labelled anomalous out of fitting and calibration"
    )
    t.add_argument("--out", help="bundle directory (default science/build/bundles/<module>)")
    t.add_argument("--zip", action="store_true", help="also write <out>.zip")
    t.add_argument(
        "--register", action="store_true", help="log an MLflow run to MLFLOW_TRACKING_URI and register a version"
    )
    t.add_argument("--alias", help="with --register: set this alias (e.g. challenger) on the new version")
    t.add_argument("--model-name", help="with --register: registered model name (default: the module's name)")
    t.set_defaults(func=cmd_train)

    r = sub.add_parser(
        "retrain",
        help="train on the last --window of history and register it as a challenger (once, or --every)",
        description="Retrain a module on a sliding time range (CSV files or the score store) and register the "
        "version under a challenger alias, which scores in shadow beside the published one. Refuses to publish.",
    )
    r.add_argument("--config", required=True, help="module config JSON")
    r.add_argument("--window", required=True, help="length of the history to train on: 90s, 15m, 6h, 7d, 2w")
    r.add_argument("--until", help="end of the window (RFC 3339; default: now, or after the newest CSV row)")
    r.add_argument("--data", action="append", help="CSV file or folder (repeatable)")
    r.add_argument("--store", help="PostgreSQL URL of the score store (the sink's alerts and labels tables)")
    r.add_argument("--schema", help="with --store: the store's schema (default: the connection's search_path)")
    r.add_argument("--entity", help="with --store: one entity")
    r.add_argument("--entity-prefix", help="with --store: every entity starting with this")
    r.add_argument("--min-rows", type=int, default=200, help="refuse a window with fewer rows (default 200)")
    r.add_argument(
        "--drop-labelled",
        action="store_true",
        help="leave rows labelled anomalous out of fitting and calibration (CSV: the label column; store: the "
        "alert's newest human label in `labels` is ANOMALY; the published model's verdicts are not used)",
    )
    r.add_argument("--alias", default="challenger", help="alias of the new version (default challenger; never published)")
    r.add_argument("--model-name", help="registered model name (default: the module's name)")
    r.add_argument(
        "--every",
        help="loop: a round now, then one per period slot (1h = on the hour) until SIGTERM/SIGINT; a failed round "
        "is logged and the next slot tried; default: run once (cron, systemd timer, CronJob)",
    )
    r.add_argument("--out", help="bundle directory (default science/build/bundles/<module>-retrained)")
    r.set_defaults(func=cmd_retrain)

    s = sub.add_parser("score", help="reference scorer: per-row scores of a CSV with a bundle")
    s.add_argument("--bundle", required=True)
    s.add_argument("--data", required=True)
    s.add_argument("--out", help="CSV to write (default: stdout)")
    s.set_defaults(func=cmd_score)

    f = sub.add_parser("parity-fixture", help="input records and expected outputs for the TypeScript parity test")
    f.add_argument("--bundle", required=True)
    f.add_argument("--data", required=True)
    f.add_argument("--rows", type=int, default=200, help="rows per entity")
    f.add_argument("--start", type=int, default=0, help="first row of each file")
    f.add_argument(
        "--missing-share", type=float, default=0.02, help="share of values left out of records (exercises impute)"
    )
    f.add_argument("--out", required=True)
    f.set_defaults(func=cmd_parity)

    v = sub.add_parser("verify", help="load a bundle: schema, hashes, semantic checks, ONNX load, self test")
    v.add_argument("--bundle", required=True)
    v.set_defaults(func=cmd_verify)

    b = sub.add_parser("build-reference", help="rebuild the reference modules and their parity fixtures")
    b.add_argument("--out", default="science/build")
    b.add_argument("--register", action="store_true")
    b.add_argument("--alias")
    b.set_defaults(func=cmd_build_reference)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except VigilScienceError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into head & co.
        sys.stderr.close()
        return 0
