"""Bundle format vigil.module/v1: write, zip, load and verify (docs/bundle-format.md).

Loading order (the TypeScript runtime follows the same): read manifest.json →
JSON Schema → format → every `files` entry present with its sha256 → semantic
checks (columns, kinds, thresholds, calibration) → ONNX sessions with the
declared input and outputs → selfTest reproduced within its tolerance.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

import jsonschema

from . import postprocess
from .elements import KINDS
from .elements.base import session_for
from .errors import (
    BUNDLE_FILE_MISSING,
    BUNDLE_FORMAT,
    BUNDLE_HASH_MISMATCH,
    BUNDLE_INVALID,
    BUNDLE_SELF_TEST,
    VigilScienceError,
)
from .preprocess import check_steps, history_rows
from .records import records_to_frame
from .runtime import Module, input_columns

FORMAT = "vigil.module/v1"
MANIFEST = "manifest.json"
REFERENCE = "reference.json"


def schema_path() -> Path:
    override = os.environ.get("VIGIL_SCHEMAS_DIR")
    base = Path(override) if override else Path(__file__).resolve().parents[2] / "schemas"
    return base / "bundle" / "manifest.schema.json"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def dumps(obj: Any) -> bytes:
    """Canonical JSON: sorted keys, shortest round-trip floats, no NaN (null instead)."""
    return (json.dumps(obj, sort_keys=True, indent=1, allow_nan=False) + "\n").encode()


def write_bundle(out: Path, manifest: dict[str, Any], files: dict[str, bytes]) -> Path:
    """Write files, hash them into manifest["files"], write manifest.json last."""
    out.mkdir(parents=True, exist_ok=True)
    hashes = {}
    for rel, data in sorted(files.items()):
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        hashes[rel] = sha256(data)
    manifest = {**manifest, "files": hashes}
    (out / MANIFEST).write_bytes(dumps(manifest))
    return out


def zip_bundle(bundle_dir: Path, zip_path: Path) -> Path:
    """A zip whose root holds manifest.json and the listed files (no enclosing folder)."""
    manifest = json.loads((bundle_dir / MANIFEST).read_text())
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.write(bundle_dir / MANIFEST, MANIFEST)
        for rel in sorted(manifest["files"]):
            z.write(bundle_dir / rel, rel)
    return zip_path


class _Source:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.zip = zipfile.ZipFile(path) if path.is_file() else None

    def read(self, rel: str) -> bytes:
        try:
            if self.zip is not None:
                return self.zip.read(rel)
            return (self.path / rel).read_bytes()
        except (KeyError, FileNotFoundError, IsADirectoryError) as e:
            raise VigilScienceError(BUNDLE_FILE_MISSING, f"{self.path}: missing file {rel}", file=rel) from e


def _safe_rel(rel: str) -> bool:
    p = PurePosixPath(rel)
    return not p.is_absolute() and ".." not in p.parts and "\\" not in rel and rel not in ("", MANIFEST)


def check_manifest(m: dict[str, Any]) -> None:
    """Everything a JSON Schema cannot say: references between parts of the manifest."""

    def bad(msg: str) -> VigilScienceError:
        return VigilScienceError(BUNDLE_INVALID, msg, module=m.get("module"))

    inputs = input_columns(m)
    if len(set(inputs)) != len(inputs):
        raise bad("input values and features must have distinct names")
    try:
        columns = check_steps(m["preprocess"], inputs, m["inputs"]["attrs"])
    except VigilScienceError as e:
        raise bad(str(e).split(": ", 1)[1]) from e
    if m["history"]["rows"] != history_rows(m["preprocess"]):
        raise bad(f"history.rows must be {history_rows(m['preprocess'])} (the largest lag/diff)")
    names = [e["name"] for e in m["elements"]]
    if len(set(names)) != len(names):
        raise bad("element names must be unique")
    for rel in m["files"]:
        if not _safe_rel(rel):
            raise bad(f"files: {rel!r} is not a safe relative path")
    if REFERENCE not in m["files"]:
        raise bad(f"files must list {REFERENCE}")
    for e in m["elements"]:
        kind = KINDS.get(e["kind"])
        if kind is None:
            raise bad(f"element {e['name']}: unknown kind {e['kind']!r}; known: {sorted(KINDS)}")
        unknown = [c for c in e["inputs"] if c not in columns]
        if unknown:
            raise bad(f"element {e['name']}: unknown input columns {unknown}")
        has_onnx = getattr(kind, "has_onnx", kind.trainable)
        if ("onnx" in e) != has_onnx:
            raise bad(f"element {e['name']}: kind {e['kind']} {'needs' if has_onnx else 'takes no'} onnx")
        if "onnx" in e and e["onnx"]["path"] not in m["files"]:
            raise bad(f"element {e['name']}: {e['onnx']['path']} is not listed in files")
        try:
            kind.check(e, set(columns))
        except ValueError as err:
            raise bad(str(err)) from err
    for where, cal in [(f"element {e['name']}", e["calibration"]) for e in m["elements"]] + [
        ("combine", m["combine"]["calibration"])
    ]:
        if cal["method"] == "ecdf" and any(b < a for a, b in zip(cal["knots"], cal["knots"][1:], strict=False)):
            raise bad(f"{where}: calibration knots must be non-decreasing")
    if m["combine"]["method"] == "weighted_mean" and sorted(m["combine"].get("weights", {})) != sorted(names):
        raise bad("combine.weights must give one weight per element")
    for problem in postprocess.check(m["postprocess"]) if "postprocess" in m else []:
        raise bad(problem)
    t = m["thresholds"]
    if not 0 <= t["unsureAbove"] < t["anomalyAbove"] <= 1:
        raise bad(f"thresholds must satisfy 0 <= unsureAbove < anomalyAbove <= 1, got {t}")


def _check_session(entry: dict[str, Any], session: Any) -> None:
    spec = entry["onnx"]
    ins = session.get_inputs()
    want_type = "tensor(float)" if spec["dtype"] == "float32" else "tensor(double)"
    if (
        len(ins) != 1
        or ins[0].name != spec["input"]
        or ins[0].type != want_type
        or ins[0].shape[1] != len(entry["inputs"])
    ):
        raise VigilScienceError(
            BUNDLE_INVALID,
            f"element {entry['name']}: the ONNX graph must take one {want_type} input {spec['input']!r} of width {len(entry['inputs'])}",
        )
    outs = {o.name for o in session.get_outputs()}
    absent = [o for o in spec["outputs"].values() if o not in outs]
    if absent:
        raise VigilScienceError(BUNDLE_INVALID, f"element {entry['name']}: the ONNX graph lacks outputs {absent}")


def run_self_test(module: Module) -> None:
    test = module.manifest["selfTest"]
    got = module.score(records_to_frame(test["records"], module.manifest))
    tol = test["tolerance"]
    for i, want in enumerate(test["expected"]):
        have = got.row(i)
        pairs = [("raw", have["raw"], want["raw"]), ("calibrated", have["calibrated"], want["calibrated"])]
        pairs += [
            (f"{a['name']}.raw", a["raw"], b["raw"]) for a, b in zip(have["elements"], want["elements"], strict=True)
        ]
        for what, a, b in pairs:
            if (a is None) != (b is None) or (a is not None and abs(a - b) > tol):
                raise VigilScienceError(
                    BUNDLE_SELF_TEST, f"selfTest record {i}: {what} is {a}, expected {b}", module=module.name
                )
        if have["verdict"] != want["verdict"]:
            raise VigilScienceError(
                BUNDLE_SELF_TEST, f"selfTest record {i}: verdict {have['verdict']}, expected {want['verdict']}"
            )


def load_bundle(path: str | Path, *, self_test: bool = True) -> Module:
    """Load and verify a bundle directory or zip; raise VigilScienceError with a clear reason otherwise."""
    src = _Source(Path(path))
    raw = src.read(MANIFEST)
    try:
        manifest = json.loads(raw)
    except json.JSONDecodeError as e:
        raise VigilScienceError(BUNDLE_INVALID, f"{path}: manifest.json is not JSON ({e})") from e
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        got = manifest.get("format") if isinstance(manifest, dict) else None
        raise VigilScienceError(BUNDLE_FORMAT, f"{path}: format {got!r} is not {FORMAT!r}")
    schema = json.loads(schema_path().read_text())
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(manifest), key=lambda e: list(e.path))
    if errors:
        where = "/".join(str(p) for p in errors[0].path) or "(root)"
        raise VigilScienceError(BUNDLE_INVALID, f"{path}: manifest.json at {where}: {errors[0].message}")
    contents = {}
    for rel, digest in manifest["files"].items():
        data = src.read(rel)
        if sha256(data) != digest:
            raise VigilScienceError(
                BUNDLE_HASH_MISMATCH, f"{path}: sha256 of {rel} is {sha256(data)}, manifest says {digest}", file=rel
            )
        contents[rel] = data
    check_manifest(manifest)
    sessions = {}
    for e in manifest["elements"]:
        if "onnx" in e:
            try:
                sessions[e["name"]] = session_for(contents[e["onnx"]["path"]])
            except Exception as err:  # onnxruntime raises its own exception types
                raise VigilScienceError(
                    BUNDLE_INVALID, f"element {e['name']}: onnxruntime cannot load the graph ({err})"
                ) from err
            _check_session(e, sessions[e["name"]])
    module = Module(manifest, sessions)
    if self_test:
        run_self_test(module)
    return module


def read_bundle_file(path: str | Path, rel: str) -> bytes:
    """The bytes of one file of a bundle directory or zip."""
    return _Source(Path(path)).read(rel)
