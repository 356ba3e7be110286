"""The command line end to end on generated data, and the runtime semantics the parity fixtures pin down."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vigil_science.build_reference import MODULES_DIR
from vigil_science.cli import main
from vigil_science.parity import fixture_records_from
from vigil_science.records import records_to_frame


@pytest.fixture(scope="module")
def cli_bundle(tmp_path_factory, generated: Path) -> Path:
    out = tmp_path_factory.mktemp("cli") / "iforest"
    code = main([
        "train", "--config", str(MODULES_DIR / "skab-iforest.json"),
        "--full-data", str(generated / "anomaly-free"), "--data", str(generated / "valve"),
        "--first-rows", "400", "--out", str(out), "--zip",
    ])  # fmt: skip
    assert code == 0
    return out


def test_train_writes_bundle_and_zip_with_the_selection_recorded(cli_bundle: Path):
    manifest = json.loads((cli_bundle / "manifest.json").read_text())
    assert cli_bundle.with_suffix(".zip").is_file()
    assert manifest["training"]["source"]["first_rows"] == 400
    assert manifest["training"]["rows"]["total"] == 1200 + 2 * 400
    assert manifest["training"]["entities"] == 3


def test_score_csv_has_one_row_per_record_and_labels_only_as_passthrough(tmp_path, cli_bundle, generated):
    out = tmp_path / "scores.csv"
    assert (
        main(["score", "--bundle", str(cli_bundle), "--data", str(generated / "valve" / "0.csv"), "--out", str(out)])
        == 0
    )
    table = pd.read_csv(out)
    assert len(table) == 900 and set(table["verdict"]) <= {"NORMAL", "UNSURE", "ANOMALY"}
    assert {"raw", "calibrated", "iforest.raw", "iforest.calibrated", "label"} <= set(table.columns)
    anomalous = table[table["label"] == 1]["calibrated"].mean()
    normal = table[(table["label"] == 0) & (table.index >= 400)]["calibrated"].mean()
    assert anomalous > normal


def test_parity_fixture_round_trips_through_records(tmp_path, cli_bundle, generated):
    out = tmp_path / "fixture.json"
    argv = [
        "parity-fixture",
        "--bundle",
        str(cli_bundle),
        "--data",
        str(generated / "valve"),
        "--rows",
        "30",
        "--start",
        "500",
        "--out",
        str(out),
    ]
    assert main(argv) == 0
    fixture = json.loads(out.read_text())
    assert fixture["format"] == "vigil.parity/v1" and fixture["tolerance"] == 1e-5
    assert len(fixture["rows"]) == 60 and [r["record"]["entity"] for r in fixture["rows"][:2]] == ["valve/0", "valve/1"]
    first = fixture["rows"][0]
    assert set(first["expected"]) >= {"raw", "calibrated", "verdict", "elements", "contributors", "inputs"}
    assert "anomaly" not in first["record"]["values"] and "label" not in json.dumps(first["record"])


def test_bad_bundle_gives_exit_code_2_and_a_clear_message(tmp_path, capsys):
    (tmp_path / "manifest.json").write_text("{}")
    assert main(["verify", "--bundle", str(tmp_path)]) == 2
    assert "VIGIL_BUNDLE_FORMAT" in capsys.readouterr().err


def assert_close(a, b, path="row"):
    if isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for key in a:
            assert_close(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_close(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert abs(a - b) <= 1e-12, f"{path}: {a} != {b}"
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


def test_scoring_one_record_at_a_time_with_k_rows_of_history_equals_batch(trained, generated):
    """The documented runtime: per entity keep the last history.rows raw records; nothing else carries over."""
    module = trained["skab-predictive"].module
    k = module.manifest["history"]["rows"]
    records = fixture_records_from(module, [(generated / "valve", 480)], 25, missing_share=0.1)
    batch = module.score(records_to_frame(records, module.manifest))
    history: dict[str, list[dict]] = {}
    for i, rec in enumerate(records):
        past = history.setdefault(rec["entity"], [])
        one = module.score(records_to_frame([*past, rec], module.manifest))
        assert_close(one.row(len(past)), batch.row(i))
        past.append(rec)
        del past[:-k]


def test_drop_labelled_keeps_labelled_rows_out_of_training(tmp_path, generated):
    out = tmp_path / "env"
    argv = [
        "train",
        "--config",
        str(MODULES_DIR / "skab-envelope.json"),
        "--data",
        str(generated / "valve"),
        "--drop-labelled",
        "--out",
        str(out),
    ]
    assert main(argv) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    labelled = sum(int(pd.read_csv(p, sep=";")["anomaly"].sum()) for p in (generated / "valve").glob("*.csv"))
    rows = manifest["training"]["rows"]
    assert rows["fit"] + rows["holdout"] == rows["total"] - labelled
    assert np.isfinite(manifest["thresholds"]["anomalyAbove"])
