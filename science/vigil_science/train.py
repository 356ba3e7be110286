"""Training a module from a config and a Frame: fit, export, calibrate on held-out normal rows, write the bundle."""

from __future__ import annotations

import json
import platform
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__, postprocess
from .bundle import FORMAT, REFERENCE, dumps, load_bundle, write_bundle
from .calibration import DEFAULT_KNOTS, calibrate, ecdf_knots, with_tail
from .elements import KINDS, ElementResult
from .elements.base import session_for
from .errors import CONFIG_INVALID, TRAINING_FAILED, VigilScienceError
from .frame import Frame
from .preprocess import fit_steps, history_rows
from .records import frame_to_records, records_to_frame
from .reference import reference_stats
from .runtime import Module, ModuleScores

SELF_TEST_RECORDS = 5
SELF_TEST_TOLERANCE = 1e-5


@dataclass
class TrainResult:
    bundle_dir: Path
    module: Module
    manifest: dict[str, Any]
    holdout: ModuleScores  # scores of the held-out normal rows, from the written bundle
    metrics: dict[str, float] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)


def load_config(path: str | Path) -> dict[str, Any]:
    try:
        cfg = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise VigilScienceError(CONFIG_INVALID, f"{path}: cannot read config ({e})") from e
    for key in ("module", "inputs", "elements"):
        if key not in cfg:
            raise VigilScienceError(CONFIG_INVALID, f"{path}: config lacks {key!r}")
    return cfg


def _resolve_inputs(cfg: dict[str, Any], frame: Frame) -> dict[str, list[str]]:
    ins = cfg["inputs"]
    values = list(frame.values) if ins.get("values") == "*" else list(ins.get("values", []))
    features = list(ins.get("features", []))
    attrs = list(ins.get("attrs", []))
    missing = [c for c in values + features if c not in frame.values] + [a for a in attrs if a not in frame.attrs]
    if missing:
        raise VigilScienceError(CONFIG_INVALID, f"the data has no columns {missing} (labels are never inputs)")
    return {"values": values, "features": features, "attrs": attrs}


def holdout_mask(frame: Frame, share: float) -> np.ndarray:
    """The last `share` of each entity's rows (row order) are held out for calibration."""
    mask = np.zeros(len(frame), dtype=bool)
    for ent in dict.fromkeys(frame.entity):
        idx = np.flatnonzero(frame.entity == ent)
        k = int(np.floor(len(idx) * share))
        if k:
            mask[idx[-k:]] = True
    return mask


def _thresholds(cfg: dict[str, Any], calibrated: np.ndarray) -> dict[str, float]:
    t = cfg.get("thresholds", {"unsureQuantile": 0.98, "anomalyQuantile": 0.995})
    if "anomalyAbove" in t:
        out = {"unsureAbove": float(t["unsureAbove"]), "anomalyAbove": float(t["anomalyAbove"])}
    else:
        x = calibrated[np.isfinite(calibrated)]
        out = {
            "unsureAbove": float(np.quantile(x, t["unsureQuantile"])),
            "anomalyAbove": float(np.quantile(x, t["anomalyQuantile"])),
        }
    if not 0 <= out["unsureAbove"] < out["anomalyAbove"] <= 1:
        raise VigilScienceError(
            TRAINING_FAILED,
            f"thresholds {out} do not satisfy 0 <= unsureAbove < anomalyAbove <= 1; give fixed thresholds or other quantiles",
        )
    return out


def _element_matrix(row: dict[str, np.ndarray], columns: list[str], mask: np.ndarray) -> np.ndarray:
    x = np.column_stack([row[c][mask] for c in columns])
    return x[np.isfinite(x).all(axis=1)]


def train(
    cfg: dict[str, Any], frame: Frame, out: Path, *, drop_labelled: bool = False, source: dict[str, Any] | None = None
) -> TrainResult:
    """Train every element of `cfg` on `frame` (already the selected slice) and write the bundle to `out`."""
    tcfg = {"holdoutShare": 0.3, "knots": DEFAULT_KNOTS, **cfg.get("training", {})}
    inputs = _resolve_inputs(cfg, frame)
    in_cols = inputs["values"] + inputs["features"]
    usable = np.ones(len(frame), dtype=bool)
    if drop_labelled and frame.labels is not None:
        usable = frame.labels == 0  # labelled rows stay in the sequence (history) but train nothing
    held = holdout_mask(frame, float(tcfg["holdoutShare"]))
    fit_mask, hold_mask = usable & ~held, usable & held
    if fit_mask.sum() < 10 or hold_mask.sum() < 10:
        raise VigilScienceError(
            TRAINING_FAILED, f"too few rows: {int(fit_mask.sum())} to fit, {int(hold_mask.sum())} held out"
        )

    steps, row, provenance = fit_steps(cfg.get("preprocess", []), frame, in_cols, fit_mask)
    columns = list(row)
    entries, blobs, infos = [], {}, {}
    for ecfg in cfg["elements"]:
        kind = KINDS.get(ecfg.get("kind", ""))
        if kind is None or "name" not in ecfg:
            raise VigilScienceError(
                CONFIG_INVALID,
                f"element {ecfg.get('name')!r}: unknown kind {ecfg.get('kind')!r}; known: {sorted(KINDS)}",
            )
        try:
            cols = kind.inputs(ecfg, columns, provenance)
            x = _element_matrix(row, cols, fit_mask) if kind.trainable else np.zeros((0, len(cols)))
            fitted = kind.fit(ecfg, x, cols, row)
        except ValueError as e:
            raise VigilScienceError(CONFIG_INVALID, str(e)) from e
        if fitted.onnx is not None:
            blobs[fitted.entry["onnx"]["path"]] = fitted.onnx
        entries.append(fitted.entry)
        infos[ecfg["name"]] = {**fitted.info, "fit_rows": int(x.shape[0])}

    # Calibrate each element on the held-out rows, scored by the same path as the runtime; the whole
    # slice is scored so that held-out rows keep their history.
    hold_idx = np.flatnonzero(hold_mask)
    hold = frame.take(hold_idx)
    sessions = {e["name"]: session_for(blobs[e["onnx"]["path"]]) for e in entries if "onnx" in e}
    hold_row = {c: v[hold_mask] for c, v in row.items()}
    for e in entries:
        if getattr(KINDS[e["kind"]], "stateful", False):  # learns per entity: replay the slice, keep held-out rows
            full = KINDS[e["kind"]].evaluate(e, row, len(frame), None, entity=frame.entity)
            res = ElementResult(full.raw[hold_idx], full.missing[hold_idx], [])
        else:
            res = KINDS[e["kind"]].evaluate(e, hold_row, len(hold), sessions.get(e["name"]))
        if KINDS[e["kind"]].trainable:
            knots = ecdf_knots(res.raw, int(tcfg["knots"]))
            if knots[0] == knots[-1]:  # the ECDF gives 1 at its top knot: every such record would be ANOMALY
                raise VigilScienceError(
                    TRAINING_FAILED,
                    f"element {e['name']}: every held-out score equals {knots[0]}, so the calibration cannot tell "
                    "normal from anomalous; train on a selection where the inputs vary",
                )
            if "tail" in tcfg:  # optional: a knot beyond the held-out maximum (docs/bundle-format.md, Training)
                knots = with_tail(knots, res.raw, float(tcfg["tail"]["quantile"]), float(tcfg["tail"]["factor"]))
            e["calibration"] = {"method": "ecdf", "knots": knots}
        else:
            e["calibration"] = {"method": "identity"}
    combine = {k: v for k, v in cfg.get("combine", {"method": "max"}).items() if k != "calibrate"}
    combine.setdefault("method", "max")
    wants = cfg.get("combine", {}).get("calibrate", len(entries) >= 2)
    combine["calibration"] = {"method": "identity"}
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "module": cfg["module"],
        "description": cfg.get("description", ""),
        "createdAt": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "inputs": inputs,
        "history": {"rows": history_rows(steps)},
        "preprocess": steps,
        "elements": entries,
        "combine": combine,
        "thresholds": {"unsureAbove": 0.0, "anomalyAbove": 1.0},
    }
    first = Module(manifest, sessions).score(frame).take(hold_idx)
    if wants:
        combine["calibration"] = {"method": "ecdf", "knots": ecdf_knots(first.raw, int(tcfg["knots"]))}
    calibrated = calibrate(combine["calibration"], first.raw)
    if "postprocess" in cfg:  # thresholds apply to the post-processed score, replayed over the whole slice
        manifest["postprocess"] = {**postprocess.DEFAULTS, **cfg["postprocess"]}
        calibrated = Module(manifest, sessions).score(frame).take(hold_idx).calibrated
    manifest["thresholds"] = _thresholds(cfg, calibrated)
    scored = Module(manifest, sessions).score(frame).take(hold_idx)

    ts_fit = frame.ts[usable]
    manifest["training"] = {
        "kit": f"vigil_science {__version__}",
        "python": platform.python_version(),
        "libraries": _versions(),
        "source": source or {},
        "dropLabelled": bool(drop_labelled),
        "holdoutShare": float(tcfg["holdoutShare"]),
        "rows": {"total": len(frame), "fit": int(fit_mask.sum()), "holdout": int(hold_mask.sum())},
        "entities": len(set(frame.entity.tolist())),
        "from": _iso(int(ts_fit.min())),
        "to": _iso(int(ts_fit.max())),
        "thresholdRule": cfg.get("thresholds", {"unsureQuantile": 0.98, "anomalyQuantile": 0.995}),
        "elements": infos,
        "config": cfg,
    }
    manifest["selfTest"] = _self_test(manifest, sessions, hold)
    reference = reference_stats(manifest, frame, row, fit_mask, scored)
    blobs[REFERENCE] = dumps(reference)
    write_bundle(out, manifest, blobs)
    module = load_bundle(out)  # what we wrote must load, verify and pass its own self test
    written = module.manifest
    holdout = module.score(frame).take(hold_idx)
    metrics = _metrics(written, holdout, infos)
    params = {
        "module": cfg["module"],
        "elements": ",".join(e["name"] for e in entries),
        "combine": combine["method"],
        **_flat("source", source or {}),
    }
    params |= {
        "rows_fit": int(fit_mask.sum()),
        "rows_holdout": int(hold_mask.sum()),
        "drop_labelled": drop_labelled,
        "holdout_share": tcfg["holdoutShare"],
    }
    return TrainResult(out, module, written, holdout, metrics, params)


def _self_test(manifest: dict[str, Any], sessions: dict[str, Any], hold: Frame) -> dict[str, Any]:
    first = hold.entity[0]
    idx = np.flatnonzero(hold.entity == first)[:SELF_TEST_RECORDS]
    records = frame_to_records(hold, manifest, idx)
    got = Module(manifest, sessions).score(records_to_frame(records, manifest))
    return {"tolerance": SELF_TEST_TOLERANCE, "records": records, "expected": [got.row(i) for i in range(len(records))]}


def _metrics(manifest: dict[str, Any], scores: ModuleScores, infos: dict[str, Any]) -> dict[str, float]:
    out: dict[str, float] = {
        "threshold_unsure_above": manifest["thresholds"]["unsureAbove"],
        "threshold_anomaly_above": manifest["thresholds"]["anomalyAbove"],
        "holdout_rows": float(len(scores.raw)),
        "holdout_anomaly_share": float(np.mean(scores.verdict == "ANOMALY")),
        "holdout_unsure_share": float(np.mean(scores.verdict == "UNSURE")),
        "holdout_missing_share": float(np.mean(scores.verdict == "MISSING")),
    }
    for e in scores.elements:
        raw = e.result.raw[np.isfinite(e.result.raw)]
        if raw.size:
            out[f"{e.name}_raw_p50"] = float(np.quantile(raw, 0.5))
            out[f"{e.name}_raw_p99"] = float(np.quantile(raw, 0.99))
    for name, info in infos.items():
        for k, v in info.items():
            if isinstance(v, (int, float)):
                out[f"{name}_{k}"] = float(v)
    return out


def _flat(prefix: str, d: dict[str, Any]) -> dict[str, Any]:
    return {f"{prefix}_{k}": (json.dumps(v) if isinstance(v, (list, dict)) else v) for k, v in d.items()}


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _versions() -> dict[str, str]:
    import onnx
    import onnxruntime
    import skl2onnx
    import sklearn

    return {
        "scikit-learn": sklearn.__version__,
        "skl2onnx": skl2onnx.__version__,
        "onnx": onnx.__version__,
        "onnxruntime": onnxruntime.__version__,
        "numpy": np.__version__,
    }
