"""Reading telemetry CSV files into Frames (one entity per file) and selecting training slices.

Formats: SKAB (`;`-separated, `datetime` column, `anomaly`/`changepoint` labels),
the Microsoft cloud-monitoring series (`TimeStamp,Value,Label`), and generic CSV
with a time column (ts, timestamp, datetime, time or date). Label columns are
never inputs: `anomaly`/`label` become Frame.labels, other label-like columns
(`changepoint`, ...) are dropped. Naive times are taken as UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import DATA_INVALID, VigilScienceError
from .frame import Frame

TIME_COLUMNS = ("ts", "timestamp", "datetime", "time", "date")
LABEL_COLUMNS = ("anomaly", "label", "is_anomaly")
DROPPED_COLUMNS = ("changepoint", "id", "entity", "source")


def _times_ms(col: pd.Series) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(col):
        return col.to_numpy(dtype=np.int64)
    parsed = pd.to_datetime(col, utc=True, format="mixed")
    return (parsed - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(milliseconds=1)


def read_csv(path: Path, entity: str) -> Frame:
    with path.open(encoding="utf-8") as fh:
        header = fh.readline()
    sep = ";" if header.count(";") > header.count(",") else ","
    try:
        df = pd.read_csv(path, sep=sep)
    except (OSError, ValueError) as e:
        raise VigilScienceError(DATA_INVALID, f"{path}: cannot read CSV ({e})", path=str(path)) from e
    if df.empty:
        raise VigilScienceError(DATA_INVALID, f"{path}: no rows", path=str(path))
    by_lower = {c.lower(): c for c in df.columns}
    time_col = next((by_lower[t] for t in TIME_COLUMNS if t in by_lower), None)
    if time_col is None:
        raise VigilScienceError(DATA_INVALID, f"{path}: no time column (one of {TIME_COLUMNS})", path=str(path))
    label_col = next((by_lower[t] for t in LABEL_COLUMNS if t in by_lower), None)
    skip = {time_col, label_col} | {by_lower[d] for d in DROPPED_COLUMNS if d in by_lower}
    values: dict[str, np.ndarray] = {}
    attrs: dict[str, np.ndarray] = {}
    for c in df.columns:
        if c in skip:
            continue
        if pd.api.types.is_numeric_dtype(df[c]):
            values[c] = df[c].to_numpy(dtype=np.float64)
        else:
            attrs[c] = np.array([None if pd.isna(v) else str(v) for v in df[c]], dtype=object)
    n = len(df)
    labels = None if label_col is None else (df[label_col].fillna(0).to_numpy() > 0).astype(np.int8)
    return Frame(
        np.full(n, entity, dtype=object), np.asarray(_times_ms(df[time_col]), dtype=np.int64), values, attrs, labels
    )


def entity_of(path: Path) -> str:
    """A file's entity: its folder's name and its stem, e.g. `valve1/0` (SKAB) or `ms-series/app1-01`."""
    return f"{path.parent.name}/{path.stem}"


def load(path: str | Path) -> list[Frame]:
    """One Frame per CSV file (a file, or every *.csv under a folder, sorted), entity = entity_of(file)."""
    p = Path(path)
    if p.is_file():
        return [read_csv(p, entity_of(p))]
    if not p.is_dir():
        raise VigilScienceError(DATA_INVALID, f"{p}: no such file or folder", path=str(p))
    files = sorted(f for f in p.rglob("*.csv") if f.is_file())
    if not files:
        raise VigilScienceError(DATA_INVALID, f"{p}: no CSV file under it", path=str(p))
    return [read_csv(f, entity_of(f)) for f in files]


@dataclass(frozen=True)
class Selection:
    """A markup-like slice of each entity's history. At most one of the three ways is used."""

    time_from: int | None = None  # epoch ms, inclusive
    time_to: int | None = None  # epoch ms, exclusive
    first_share: float | None = None
    first_rows: int | None = None

    def describe(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def parse_time(text: str | None) -> int | None:
    if text is None:
        return None
    ts = pd.Timestamp(text)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts
    return int(ts.value // 1_000_000)


def select(frame: Frame, sel: Selection) -> Frame:
    n = len(frame)
    if sel.first_rows is not None:
        idx = np.arange(min(n, sel.first_rows))
    elif sel.first_share is not None:
        if not 0 < sel.first_share <= 1:
            raise VigilScienceError(DATA_INVALID, "--first-share must be in (0, 1]")
        idx = np.arange(int(np.floor(n * sel.first_share)))
    else:
        keep = np.ones(n, dtype=bool)
        if sel.time_from is not None:
            keep &= frame.ts >= sel.time_from
        if sel.time_to is not None:
            keep &= frame.ts < sel.time_to
        idx = np.flatnonzero(keep)
    return frame.take(idx)


def load_selected(paths: list[str | Path], sel: Selection, full: list[str | Path] = ()) -> Frame:
    """`full` files are used whole (e.g. SKAB's anomaly-free file), `paths` through the selection."""
    frames = [f for p in full for f in load(p)] + [select(f, sel) for p in paths for f in load(p)]
    frames = [f for f in frames if len(f)]
    entities = [f.entity[0] for f in frames]
    if len(set(entities)) != len(entities):
        raise VigilScienceError(
            DATA_INVALID, f"two files map to the same entity: {sorted(e for e in entities if entities.count(e) > 1)}"
        )
    if not frames:
        raise VigilScienceError(DATA_INVALID, f"the selection {sel.describe()} leaves no row")
    try:
        return Frame.concat(frames)
    except ValueError as e:
        raise VigilScienceError(DATA_INVALID, str(e)) from e
