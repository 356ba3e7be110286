"""The quality benchmarks' training/scoring protocol and selection code on a tiny synthetic dataset."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from vigil_science.calibration import ecdf, with_tail
from vigil_science.errors import TRAINING_FAILED, VigilScienceError
from vigil_science.frame import Frame
from vigil_science.quality import drift, skab
from vigil_science.quality.__main__ import main
from vigil_science.quality.metrics import PointScores, event_scores, point_scores
from vigil_science.quality.protocol import (
    Candidate,
    Result,
    Scored,
    evaluate,
    module_name,
    per_entity,
    row_counts,
    run_candidate,
)
from vigil_science.train import train

ROWS, TRAIN, START, STOP = 300, 150, 220, 260  # each entity: normal, then a shifted segment [START, STOP)


def synthetic(entity: str, level: float, seed: int, constant: bool = False) -> Frame:
    rng = np.random.default_rng(seed)
    a = np.full(ROWS, level) if constant else level + rng.normal(0, 1, ROWS)
    b = np.full(ROWS, 2.0) if constant else 2 * level + rng.normal(0, 1, ROWS)
    labels = np.zeros(ROWS, dtype=np.int8)
    labels[START:STOP] = 1
    a[START:STOP] += 0 if constant else 8.0
    return Frame(
        np.full(ROWS, entity, dtype=object),
        1_600_000_000_000 + np.arange(ROWS, dtype=np.int64) * 1000,
        {"a": a, "b": b},
        labels=labels,
    )


def envelope_config(tmp_path: Path) -> Path:
    cfg = {
        "module": "synthetic-t2",
        "inputs": {"values": ["a", "b"], "features": [], "attrs": []},
        "preprocess": [{"op": "impute", "columns": "*", "strategy": "median"}, {"op": "scale", "columns": "*"}],
        "elements": [
            {"name": "envelope", "kind": "elliptic_envelope", "inputs": "*", "params": {"support_fraction": 1.0}}
        ],
        "combine": {"method": "max"},
        "thresholds": {"unsureAbove": 0.999, "anomalyAbove": 1.0},
        "training": {"holdoutShare": 0.3, "tail": {"quantile": 0.99, "factor": 2}},
    }
    path = tmp_path / "synthetic-t2.json"
    path.write_text(json.dumps(cfg))
    return path


@pytest.fixture(scope="module")
def frames() -> list[Frame]:
    # very different levels: a global model could not serve all three; one per entity can
    return [synthetic("site/x", 0.0, 1), synthetic("site/y", 50.0, 2), synthetic("site/z", -30.0, 3)]


def test_per_entity_candidate_trains_one_bundle_per_entity_on_its_own_rows(tmp_path, frames):
    cand = Candidate("t2", str(envelope_config(tmp_path)), "entity")
    scored = run_candidate(cand, frames, [TRAIN] * 3, tmp_path / "work")
    assert [s.entity for s in scored] == ["site/x", "site/y", "site/z"]
    for s, f in zip(scored, frames, strict=True):
        bundle = tmp_path / "work" / "t2" / module_name("synthetic-t2", s.entity)
        manifest = json.loads((bundle / "manifest.json").read_text())
        assert manifest["module"] == f"synthetic-t2.{s.entity.replace('/', '-')}"
        assert manifest["training"]["rows"]["total"] == TRAIN  # its own first rows only
        assert len(manifest["elements"][0]["calibration"]["knots"]) == 1002  # 1001 ECDF knots + the tail knot
        assert s.failed is None and s.thresholds == {"unsureAbove": 0.999, "anomalyAbove": 1.0}
        assert len(s.labels[s.test()]) == ROWS - TRAIN
        alarms = s.alarms("ANOMALY")
        test_labels = f.labels[TRAIN:]
        assert alarms[test_labels == 1].mean() > 0.9  # the shift is caught
        assert alarms[test_labels == 0].mean() < 0.05
    anomaly, _ = evaluate("t2", "entity", scored, skab.OPERATING_POINTS, point_scores)
    assert (anomaly.at, anomaly.entities, anomaly.failed) == ("ANOMALY", 3, 0)
    assert anomaly.scores.rows == 3 * (ROWS - TRAIN)
    assert anomaly.scores.f1 > 0.9


def test_global_candidate_trains_one_bundle_on_every_training_part_and_extra_frames(tmp_path, frames):
    cand = Candidate("t2-global", str(envelope_config(tmp_path)), "global")
    extra = synthetic("free/0", 0.0, 9)
    scored = run_candidate(cand, frames, [TRAIN] * 3, tmp_path / "work", extra=[extra])
    manifest = json.loads((tmp_path / "work" / "t2-global" / "synthetic-t2" / "manifest.json").read_text())
    assert manifest["training"]["rows"]["total"] == ROWS + 3 * TRAIN
    assert manifest["training"]["entities"] == 4
    assert len({id(s) for s in scored}) == 3 and all(s.failed is None for s in scored)


def test_an_entity_without_a_usable_bundle_raises_no_alarm_and_is_counted(tmp_path):
    flat = synthetic("site/flat", 1.0, 4, constant=True)
    cand = Candidate("t2", str(envelope_config(tmp_path)), "entity")
    [s] = run_candidate(cand, [flat], [TRAIN], tmp_path / "work")
    assert s.failed is not None and TRAINING_FAILED in s.failed
    assert not s.alarms("ANOMALY").any() and not s.alarms(0.5).any()
    assert evaluate("t2", "entity", [s], ["ANOMALY"], point_scores)[0].failed == 1
    assert per_entity([s], ["ANOMALY"], point_scores)["ANOMALY"][0]["failed"] == s.failed


def test_split_rows():
    short = synthetic("s/0", 0.0, 5).take(np.arange(120))
    assert skab.split_rows([synthetic("s/1", 0.0, 6), short], 200) == [200, 120]
    assert drift.split_rows([synthetic("s/1", 0.0, 6)], 0.3) == [90]
    counts = row_counts([synthetic("s/1", 0.0, 6), short], [200, 120])
    assert counts == {"trainRows": 320, "testRows": ROWS - 200, "testLabelled": STOP - START}


def _scored(labels: list[int], verdict: list[str], train_rows: int = 0) -> Scored:
    calibrated = np.array([{"NORMAL": 0.1, "UNSURE": 0.9995, "ANOMALY": 1.0}[v] for v in verdict])
    return Scored("e", train_rows, calibrated, np.array(verdict, dtype=object), np.array(labels, dtype=np.int8))


def test_operating_points_read_the_bundle_verdicts_on_the_test_rows_only():
    s = _scored([1, 1, 0, 1, 0], ["ANOMALY", "ANOMALY", "UNSURE", "UNSURE", "NORMAL"], train_rows=1)
    np.testing.assert_array_equal(s.alarms("ANOMALY"), [True, False, False, False])
    np.testing.assert_array_equal(s.alarms("UNSURE+"), [True, True, True, False])
    np.testing.assert_array_equal(s.alarms(0.999), [True, True, True, False])
    np.testing.assert_array_equal(s.alarms(1.0), [True, False, False, False])
    a, u = evaluate("c", "entity", [s], skab.OPERATING_POINTS, point_scores)
    assert a.scores == PointScores(tp=1, fp=0, fn=1, tn=2)
    assert u.scores == PointScores(tp=2, fp=1, fn=0, tn=1)


def test_event_level_evaluation_at_one_global_threshold():
    s = _scored([0, 1, 1, 0, 0, 0], ["NORMAL", "ANOMALY", "NORMAL", "NORMAL", "UNSURE", "UNSURE"])
    [r] = evaluate("c", "entity", [s, s], [0.999], lambda y, a: event_scores(y, a, 0))
    assert (r.scores.events, r.scores.detected, r.scores.false_alarms) == (2, 2, 2)
    assert r.row()["at"] == 0.999 and r.row()["precision"] == 0.5


def _result(name: str, tp: int, fp: int, tn: int) -> Result:
    """10 anomalous test rows, of which `tp` alarmed; `fp` of the `fp + tn` normal rows alarmed."""
    return Result(name, "entity", "ANOMALY", PointScores(tp=tp, fp=fp, fn=10 - tp, tn=tn), 1, 0)


def test_select_takes_the_best_f1_within_the_false_alarm_budget():
    loose = _result("loose", 10, 50, 50)  # F1 20/70 = 0.286, FAR 50 %
    tight = _result("tight", 6, 1, 99)  # F1 12/17 = 0.706, FAR 1 %
    wide = _result("wide", 8, 10, 90)  # F1 16/28 = 0.571, FAR 10 %
    wider = _result("wider", 9, 12, 88)  # F1 18/31 = 0.581, FAR 12 %
    assert skab.select([loose, tight, wide, wider]) is tight
    assert skab.select([loose, wide, wider]) is wider
    assert skab.select([loose]) is None
    assert skab.select([loose], far_max=0.5) is loose
    twin = _result("twin", 6, 1, 99)
    assert skab.select([tight, twin]) is tight  # ties: the first listed


def test_table_lists_every_result_and_the_leaderboard():
    rows = {"files": 1, "testRows": 10, "testLabelled": 4, "trainRows": 5, "anomalyFreeRows": 7}
    text = skab.table([_result("tight", 6, 1, 99)], rows)
    assert "| Vigil: tight | entity | ANOMALY | 0.706 | 1.00 | 40.00 | 6 | 1 | 4 | 99 |" in text
    assert "| published: Conv-AE | per file | — | 0.78 | 13.55 | 28.02 |" in text
    assert "Selected" in text


def test_tail_knot_is_factor_times_the_quantile_and_never_below_the_top():
    scores = np.arange(1.0, 101.0)
    knots = [1.0, 50.5, 100.0]
    tail = with_tail(knots, scores, 0.99, 2.0)
    assert tail[:3] == knots and tail[3] == pytest.approx(2 * np.quantile(scores, 0.99))
    assert with_tail(knots, scores, 0.5, 1.0)[3] == 100.0
    c = ecdf(tail, np.array([100.0, tail[3], 1e9]))
    assert c[0] == pytest.approx(2 / 3) and c[1] == 1.0 and c[2] == 1.0
    with pytest.raises(ValueError, match="factor"):
        with_tail(knots, scores, 0.99, 0.5)


def test_training_refuses_constant_held_out_scores(tmp_path):
    cfg = json.loads(envelope_config(tmp_path).read_text())
    with pytest.raises(VigilScienceError) as e:
        train(cfg, synthetic("site/flat", 1.0, 4, constant=True), tmp_path / "flat")
    assert e.value.code == TRAINING_FAILED and "every held-out score equals" in str(e.value)


def test_cli_needs_the_datasets(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("VIGIL_DATASETS", raising=False)
    assert main(["--out", str(tmp_path)]) == 2
    assert "VIGIL_DATASETS" in capsys.readouterr().out
    assert main(["--datasets", str(tmp_path / "none"), "--only", "skab"]) == 2
