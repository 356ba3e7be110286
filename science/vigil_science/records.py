"""Between Frames and records in the alert shape the runtime sees: {entity, ts, values, features, attrs}."""

from __future__ import annotations

from typing import Any

import numpy as np

from .frame import Frame


def records_to_frame(records: list[dict[str, Any]], manifest: dict[str, Any]) -> Frame:
    """Absent or null values/features -> NaN, absent attrs -> None; rows keep the records' order."""
    cols = {}
    for group in ("values", "features"):
        for c in manifest["inputs"][group]:
            cols[c] = np.array([_num(r.get(group, {}).get(c)) for r in records], dtype=np.float64)
    attrs = {
        a: np.array([r.get("attrs", {}).get(a) for r in records], dtype=object) for a in manifest["inputs"]["attrs"]
    }
    return Frame(
        np.array([r["entity"] for r in records], dtype=object),
        np.array([int(r["ts"]) for r in records], dtype=np.int64),
        cols,
        attrs,
    )


def _num(v: Any) -> float:
    return np.nan if v is None else float(v)


def frame_to_records(frame: Frame, manifest: dict[str, Any], index: np.ndarray) -> list[dict[str, Any]]:
    """Records for the given rows; a NaN value is left out of its map, as a producer would omit it."""
    out = []
    for i in index:
        rec: dict[str, Any] = {"entity": str(frame.entity[i]), "ts": int(frame.ts[i])}
        for group in ("values", "features"):
            rec[group] = {
                c: float(frame.values[c][i])
                for c in manifest["inputs"][group]
                if c in frame.values and np.isfinite(frame.values[c][i])
            }
        rec["attrs"] = {
            a: str(frame.attrs[a][i])
            for a in manifest["inputs"]["attrs"]
            if a in frame.attrs and frame.attrs[a][i] is not None
        }
        out.append(rec)
    return out
