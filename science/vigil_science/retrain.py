"""Scheduled retraining on a sliding time range, registered as a challenger.

A module fitted once drifts out of date. `retrain` fits the same module config on
the last `window` of history (ending now, or at `until`), from CSV files or from
the score store (the sink's `alerts` table in PostgreSQL), and registers the
bundle as a new MLflow version under a challenger alias. The scoring service
scores `name@challenger` beside `name@published` and the incident service sends
the challenger's incidents to `incidents.shadow`; publishing stays a separate,
deliberate step (moving the `published` alias), so this command refuses it.

Run once (cron, a systemd timer, a Kubernetes CronJob) or with `every` as a loop.
A window with too few rows is refused before anything is registered, so the
alias keeps pointing at the last good challenger.
"""

from __future__ import annotations

import re
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import data
from .errors import DATA_INVALID, RETRAIN_REFUSED, VigilScienceError
from .frame import Frame

_UNITS_MS = {"s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 7 * 86_400_000}
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")


def parse_duration(text: str) -> int:
    """`90s`, `15m`, `6h`, `7d`, `2w` → milliseconds."""
    match = _DURATION.match(text)
    if not match or int(match.group(1)) == 0:
        raise VigilScienceError(DATA_INVALID, f"{text!r} is not a duration such as 90s, 15m, 6h, 7d or 2w")
    return int(match.group(1)) * _UNITS_MS[match.group(2)]


@dataclass(frozen=True)
class Window:
    """Event-time range [time_from, time_to) in epoch ms."""

    time_from: int
    time_to: int

    def describe(self) -> dict[str, str]:
        iso = lambda ms: np.datetime64(ms, "ms").astype(str) + "Z"  # noqa: E731
        return {"windowFrom": iso(self.time_from), "windowTo": iso(self.time_to)}

    def __str__(self) -> str:
        d = self.describe()
        return f"{d['windowFrom']} to {d['windowTo']}"


def window_ending(until_ms: int, length_ms: int) -> Window:
    return Window(until_ms - length_ms, until_ms)


def check_alias(alias: str) -> None:
    if alias == "published":
        raise VigilScienceError(
            RETRAIN_REFUSED,
            "retrain registers challengers; publishing is a separate step (move the `published` alias in MLflow "
            "once the challenger's shadow incidents and quality are reviewed)",
        )


def check_rows(frame: Frame, min_rows: int, window: Window) -> None:
    per_entity = rows_per_entity(frame)
    if len(frame) < min_rows:
        raise VigilScienceError(
            RETRAIN_REFUSED,
            f"the window {window} holds {len(frame)} rows, fewer than --min-rows {min_rows}; "
            "nothing registered, the current challenger stays",
            rows=per_entity,
        )


@dataclass(frozen=True)
class History:
    """The rows of a window. `signals`: the store's value names (features excluded); None = CSV, every column."""

    frame: Frame
    window: Window
    signals: tuple[str, ...] | None = None


def pin_signals(cfg: dict[str, Any], signals: tuple[str, ...] | None) -> dict[str, Any]:
    """`inputs.values: "*"` → the store's signal names, so enrichment features are not taken for values.

    The runtime reads `inputs.values` from an alert's `values` map only; a feature listed there would be NaN
    in production although training saw it.
    """
    if signals is None or cfg["inputs"].get("values") != "*":
        return cfg
    return {**cfg, "inputs": {**cfg["inputs"], "values": list(signals)}}


def rows_per_entity(frame: Frame) -> dict[str, int]:
    entities, counts = np.unique(frame.entity.astype(str), return_counts=True)
    return {str(e): int(c) for e, c in zip(entities, counts, strict=True)}


def csv_window(paths: list[str], length_ms: int, until_ms: int | None) -> History:
    """The window of CSV history; without `until` it ends just after the newest row of the files."""
    frames = [f for p in paths for f in data.load(p)]
    newest = max(int(f.ts.max()) for f in frames if len(f))
    window = window_ending(until_ms if until_ms is not None else newest + 1, length_ms)
    selected = [data.select(f, data.Selection(time_from=window.time_from, time_to=window.time_to)) for f in frames]
    selected = [f for f in selected if len(f)]
    if not selected:
        raise VigilScienceError(RETRAIN_REFUSED, f"the window {window} holds no row of {paths}")
    return History(Frame.concat(selected), window)


def store_window(
    dsn: str,
    *,
    entity: str | None,
    entity_prefix: str | None,
    schema: str | None,
    length_ms: int,
    until_ms: int | None,
) -> History:
    """The window of the sink's `alerts` table: values and features as columns, labels from `labels`."""
    import psycopg

    if (entity is None) == (entity_prefix is None):
        raise VigilScienceError(DATA_INVALID, "give one of --entity or --entity-prefix with --store")
    window = window_ending(until_ms if until_ms is not None else int(time.time() * 1000), length_ms)
    where_entity = "a.entity = %(entity)s" if entity is not None else "starts_with(a.entity, %(prefix)s)"
    # The newest label of an alert decides; a later NORMAL relabel clears an ANOMALY.
    query = f"""
        SELECT a.entity, floor(extract(epoch FROM a.ts) * 1000)::bigint AS ts, a.signal_values, a.features, a.attrs,
               coalesce(l.label = 'ANOMALY', false) AS labelled_anomaly
        FROM alerts a
        LEFT JOIN LATERAL (
          SELECT label FROM labels WHERE labels.alert_id = a.alert_id ORDER BY labelled_at DESC LIMIT 1
        ) l ON true
        WHERE {where_entity} AND a.ts >= to_timestamp(%(from)s / 1000.0) AND a.ts < to_timestamp(%(to)s / 1000.0)
        ORDER BY a.entity, a.ts"""
    params = {"entity": entity, "prefix": entity_prefix, "from": window.time_from, "to": window.time_to}
    try:
        with psycopg.connect(dsn, connect_timeout=10) as conn:
            if schema:
                conn.execute("SELECT set_config('search_path', %s, false)", (schema,))
            rows = conn.execute(query, params).fetchall()
    except psycopg.Error as e:
        raise VigilScienceError(DATA_INVALID, f"reading the store at {_redacted(dsn)}: {e}") from e
    if not rows:
        who = entity if entity is not None else f"{entity_prefix}*"
        raise VigilScienceError(RETRAIN_REFUSED, f"the store has no alert of {who} from {window}")
    return History(frame_from_rows(rows), window, tuple(sorted({k for r in rows for k in r[2]})))


def frame_from_rows(rows: list[tuple[Any, ...]]) -> Frame:
    """(entity, ts, values, features, attrs, labelled_anomaly) rows → a Frame; an absent or null number is NaN."""
    numeric = sorted({k for r in rows for k in r[2]} | {k for r in rows for k in r[3]})
    attr_names = sorted({k for r in rows for k in r[4]})

    def number(row: tuple[Any, ...], name: str) -> float:
        v = row[2].get(name, row[3].get(name))
        return np.nan if v is None else float(v)

    return Frame(
        entity=np.array([r[0] for r in rows], dtype=object),
        ts=np.array([int(r[1]) for r in rows], dtype=np.int64),
        values={c: np.array([number(r, c) for r in rows], dtype=np.float64) for c in numeric},
        attrs={a: np.array([_text(r[4].get(a)) for r in rows], dtype=object) for a in attr_names},
        labels=np.array([1 if r[5] else 0 for r in rows], dtype=np.int8),
    )


def _text(v: Any) -> str | None:
    return None if v is None else str(v)  # attributes are strings, as data.read_csv makes them


def _redacted(dsn: str) -> str:
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", dsn)


def retrain_once(
    cfg: dict[str, Any],
    history: History,
    *,
    source: dict[str, Any],
    out: Path,
    min_rows: int,
    alias: str,
    model_name: str | None,
    drop_labelled: bool,
    register: Callable[..., Any] | None = None,
) -> Any:
    """Train on the window and register the version under `alias`; refused before training when it cannot be."""
    from .train import train

    frame, window = history.frame, history.window
    check_alias(alias)
    check_rows(frame, min_rows, window)
    described = {**source, **window.describe(), "rowsPerEntity": rows_per_entity(frame)}
    result = train(pin_signals(cfg, history.signals), frame, out, drop_labelled=drop_labelled, source=described)
    result.params.update({"retrain.windowFrom": described["windowFrom"], "retrain.windowTo": described["windowTo"]})
    result.params["retrain.rows"] = len(frame)
    if register is None:
        from .registry import register as register_version

        register = register_version
    return register(result, alias=alias, model_name=model_name)


class Schedule:
    """Runs a round now and then at every slot of `every_ms` (epoch-aligned: 1h = on the hour).

    SIGTERM/SIGINT set a flag: a round in progress finishes, and no new one starts. A round that
    overruns its period skips the slots it missed rather than starting again at once.
    """

    def __init__(self, every_ms: int, log: Callable[[str], None] = print) -> None:
        self.every_ms = every_ms
        self.log = log
        self.stopping = threading.Event()

    def stop(self, *_: object) -> None:
        self.stopping.set()

    def next_slot(self, now_ms: int) -> int:
        return (now_ms // self.every_ms + 1) * self.every_ms

    def run(self, round_fn: Callable[[], object], *, install_signals: bool = True, rounds: int | None = None) -> int:
        """Rounds until stopped (or `rounds` done); returns how many failed."""
        previous = {}
        if install_signals:
            for sig in (signal.SIGTERM, signal.SIGINT):
                previous[sig] = signal.signal(sig, self.stop)
        failures = done = 0
        try:
            while not self.stopping.is_set():
                try:
                    round_fn()
                except Exception as e:  # a failed round is reported and the schedule goes on
                    failures += 1
                    self.log(f"retrain round failed: {e}")
                done += 1
                if (rounds is not None and done >= rounds) or self.stopping.is_set():
                    break
                slot = self.next_slot(int(time.time() * 1000))
                self.log(f"next retrain at {np.datetime64(slot, 'ms')}Z")
                self.stopping.wait(max(0.0, slot / 1000 - time.time()))
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if self.stopping.is_set():
            self.log(f"retrain schedule stopped after {done} rounds ({failures} failed)")
        return failures
