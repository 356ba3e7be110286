"""Bundles: written, hashed, verified; a bad bundle is refused with a clear error."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import numpy as np
import pytest

from vigil_science.bundle import load_bundle, schema_path, zip_bundle
from vigil_science.errors import (
    BUNDLE_FILE_MISSING,
    BUNDLE_FORMAT,
    BUNDLE_HASH_MISMATCH,
    BUNDLE_INVALID,
    BUNDLE_SELF_TEST,
    VigilScienceError,
)
from vigil_science.records import records_to_frame


@pytest.fixture
def bundle(tmp_path: Path, trained) -> Path:
    src = trained["skab-envelope"].bundle_dir
    return Path(shutil.copytree(src, tmp_path / "b"))


def rewrite_manifest(bundle: Path, change) -> None:
    m = json.loads((bundle / "manifest.json").read_text())
    change(m)
    (bundle / "manifest.json").write_text(json.dumps(m))


def refused(bundle: Path, code: str, match: str) -> None:
    with pytest.raises(VigilScienceError, match=match) as e:
        load_bundle(bundle)
    assert e.value.code == code


def test_every_reference_module_writes_a_bundle_that_loads_and_validates(trained):
    schema = json.loads(schema_path().read_text())
    for name, result in trained.items():
        manifest = json.loads((result.bundle_dir / "manifest.json").read_text())
        jsonschema.validate(manifest, schema)
        assert manifest["format"] == "vigil.module/v1" and manifest["module"] == name
        assert set(manifest["files"]) == {"reference.json"} | {
            e["onnx"]["path"] for e in manifest["elements"] if "onnx" in e
        }
        assert load_bundle(result.bundle_dir).name == name
        t = manifest["thresholds"]
        assert 0 <= t["unsureAbove"] < t["anomalyAbove"] <= 1


def test_reference_json_holds_histograms_quantiles_and_score_quantiles(trained):
    ref = json.loads((trained["skab-predictive"].bundle_dir / "reference.json").read_text())
    assert ref["training"]["rows"]["fit"] > 0 and ref["training"]["from"] < ref["training"]["to"]
    temp = ref["inputs"]["Temperature"]
    assert len(temp["quantiles"]["q"]) == 101 and sum(temp["histogram"]["counts"]) == temp["count"]
    assert set(ref["scores"]["elements"]) == {"current", "pressure", "temperature", "flow"}
    assert "combined" in ref["scores"] and "calibrated" in ref["scores"]


def test_zipped_bundle_loads(tmp_path, bundle):
    z = zip_bundle(bundle, tmp_path / "b.zip")
    assert load_bundle(z).name == "skab-envelope"


def test_hash_mismatch_is_refused(bundle):
    onnx_file = bundle / "elements" / "envelope.onnx"
    onnx_file.write_bytes(onnx_file.read_bytes() + b"\0")
    refused(bundle, BUNDLE_HASH_MISMATCH, "sha256 of elements/envelope.onnx")


def test_missing_file_is_refused(bundle):
    (bundle / "reference.json").unlink()
    refused(bundle, BUNDLE_FILE_MISSING, "missing file reference.json")


def test_unknown_format_is_refused(bundle):
    rewrite_manifest(bundle, lambda m: m.update(format="vigil.module/v2"))
    refused(bundle, BUNDLE_FORMAT, "is not 'vigil.module/v1'")


def test_schema_violation_is_refused_with_its_place(bundle):
    rewrite_manifest(bundle, lambda m: m["thresholds"].update(anomalyAbove="high"))
    refused(bundle, BUNDLE_INVALID, "thresholds/anomalyAbove")


def test_inverted_thresholds_are_refused(bundle):
    rewrite_manifest(bundle, lambda m: m["thresholds"].update(unsureAbove=0.999, anomalyAbove=0.5))
    refused(bundle, BUNDLE_INVALID, "unsureAbove < anomalyAbove")


def test_unknown_input_column_is_refused(bundle):
    rewrite_manifest(bundle, lambda m: m["elements"][0]["inputs"].__setitem__(0, "Nope"))
    refused(bundle, BUNDLE_INVALID, "unknown input columns")


def test_unsafe_file_path_is_refused(bundle):
    def change(m):
        m["files"]["../escape"] = "0" * 64

    rewrite_manifest(bundle, change)
    with pytest.raises(VigilScienceError) as e:
        load_bundle(bundle)
    assert e.value.code in (BUNDLE_INVALID, BUNDLE_FILE_MISSING)


def test_self_test_mismatch_is_refused(bundle):
    rewrite_manifest(bundle, lambda m: m["selfTest"]["expected"][0].update(calibrated=0.123456))
    refused(bundle, BUNDLE_SELF_TEST, "selfTest record 0")


def test_self_test_records_reproduce(trained):
    module = trained["skab-iforest"].module
    test = module.manifest["selfTest"]
    got = module.score(records_to_frame(test["records"], module.manifest))
    for i, want in enumerate(test["expected"]):
        assert abs(got.row(i)["calibrated"] - want["calibrated"]) <= 1e-12


def test_history_rows_is_the_largest_lag(trained):
    assert trained["skab-predictive"].manifest["history"] == {"rows": 1}
    assert trained["skab-envelope"].manifest["history"] == {"rows": 0}


def test_calibrated_scores_are_in_unit_interval(trained):
    for result in trained.values():
        c = result.holdout.calibrated
        assert np.nanmin(c) >= 0 and np.nanmax(c) <= 1
