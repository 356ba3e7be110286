"""Unit tests of the retraining logic: durations, windows, refusals, the store's row shape, the schedule."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import numpy as np
import pytest

from vigil_science.build_reference import MODULES_DIR
from vigil_science.cli import main
from vigil_science.errors import VigilScienceError
from vigil_science.retrain import (
    RETRAIN_REFUSED,
    History,
    Schedule,
    Window,
    check_alias,
    check_rows,
    csv_window,
    frame_from_rows,
    parse_duration,
    pin_signals,
    retrain_once,
    window_ending,
)
from vigil_science.train import load_config


def test_parse_duration_reads_the_units_and_refuses_the_rest():
    assert parse_duration("90s") == 90_000
    assert parse_duration("15m") == 900_000
    assert parse_duration(" 6h ") == 6 * 3_600_000
    assert parse_duration("7d") == 7 * 86_400_000
    assert parse_duration("2w") == 14 * 86_400_000
    for bad in ("", "7", "d", "1.5h", "0h", "-1d", "3y"):
        with pytest.raises(VigilScienceError, match="not a duration"):
            parse_duration(bad)


def test_a_window_ends_at_its_end_and_describes_itself_in_utc():
    window = window_ending(86_400_000, 3_600_000)
    assert window == Window(82_800_000, 86_400_000)
    assert window.describe() == {"windowFrom": "1970-01-01T23:00:00.000Z", "windowTo": "1970-01-02T00:00:00.000Z"}


def test_publishing_is_refused_and_other_aliases_pass():
    with pytest.raises(VigilScienceError) as refused:
        check_alias("published")
    assert refused.value.code == RETRAIN_REFUSED
    check_alias("challenger")
    check_alias("nightly")


def test_a_thin_window_is_refused_naming_its_rows():
    frame = frame_from_rows([("a", i, {"x": 1.0}, {}, {}, False) for i in range(5)])
    with pytest.raises(VigilScienceError) as refused:
        check_rows(frame, 6, Window(0, 10))
    assert refused.value.code == RETRAIN_REFUSED and refused.value.context["rows"] == {"a": 5}
    check_rows(frame, 5, Window(0, 10))


def test_csv_window_keeps_the_last_stretch_of_every_file(generated: Path):
    files = [str(generated / "valve")]
    history = csv_window(files, 600_000, None)
    frame, window = history.frame, history.window
    assert history.signals is None
    assert window.time_to - window.time_from == 600_000
    assert frame.ts.min() >= window.time_from and frame.ts.max() < window.time_to
    # Each generated valve file covers 900 s of its own day: the newest file's last 600 s are the window.
    assert len(frame) == 600 and set(frame.entity) == {"valve/1"}
    until = int(frame.ts.max()) - 100_000
    earlier = csv_window(files, 600_000, until).frame
    assert earlier.ts.max() < until and len(earlier) == 600


def test_csv_window_without_rows_is_refused(generated: Path):
    with pytest.raises(VigilScienceError) as refused:
        csv_window([str(generated / "valve")], 60_000, 1_000)
    assert refused.value.code == RETRAIN_REFUSED


def test_store_rows_become_columns_with_nan_for_absent_numbers_and_labels():
    frame = frame_from_rows(
        [
            ("p/1", 1_000, {"Current": 1.5, "Pressure": None}, {"Current.zscore": 0.2}, {"site": "a"}, False),
            ("p/1", 2_000, {"Current": 1.6}, {}, {}, True),
        ]
    )
    assert list(frame.entity) == ["p/1", "p/1"] and list(frame.ts) == [1_000, 2_000]
    assert sorted(frame.values) == ["Current", "Current.zscore", "Pressure"]
    assert list(frame.values["Current"]) == [1.5, 1.6]
    assert np.isnan(frame.values["Pressure"]).all()
    assert frame.values["Current.zscore"][0] == 0.2 and np.isnan(frame.values["Current.zscore"][1])
    assert list(frame.attrs["site"]) == ["a", None]
    assert list(frame.labels) == [0, 1]
    assert list(frame_from_rows([("p/1", 0, {}, {}, {"unit": 7}, False)]).attrs["unit"]) == ["7"]


def test_a_star_of_values_means_the_stores_signals_not_its_features():
    cfg = {"module": "m", "inputs": {"values": "*", "features": ["Current.zscore"]}, "elements": []}
    pinned = pin_signals(cfg, ("Current", "Pressure"))
    assert pinned["inputs"] == {"values": ["Current", "Pressure"], "features": ["Current.zscore"]}
    assert cfg["inputs"]["values"] == "*"  # the loaded config stays as it is for the next round
    assert pin_signals(cfg, None) is cfg  # CSV: every numeric column is a value
    listed = {"module": "m", "inputs": {"values": ["Current"]}, "elements": []}
    assert pin_signals(listed, ("Current", "Pressure")) is listed


def test_retrain_once_trains_on_the_window_and_hands_the_window_to_the_registry(generated: Path, tmp_path: Path):
    cfg = load_config(MODULES_DIR / "skab-envelope.json")
    history = csv_window([str(generated / "valve")], 600_000, None)
    window = history.window
    calls = []
    retrain_once(
        cfg,
        history,
        source={"data": ["valve"]},
        out=tmp_path / "bundle",
        min_rows=100,
        alias="challenger",
        model_name="m",
        drop_labelled=True,
        register=lambda result, **kw: calls.append((result, kw)),
    )
    [(result, kw)] = calls
    assert kw == {"alias": "challenger", "model_name": "m"}
    assert result.params["retrain.windowFrom"] == window.describe()["windowFrom"]
    assert result.params["retrain.rows"] == 600
    source = result.manifest["training"]["source"]
    assert source["windowTo"] == window.describe()["windowTo"] and source["rowsPerEntity"] == {"valve/1": 600}
    with pytest.raises(VigilScienceError):
        retrain_once(
            cfg, history, source={}, out=tmp_path / "b2", min_rows=601, alias="challenger",
            model_name="m", drop_labelled=False, register=lambda *a, **k: pytest.fail("registered a thin window"),
        )


def test_retrain_once_trains_a_star_config_on_the_signals_only(generated: Path, tmp_path: Path):
    cfg = load_config(MODULES_DIR / "skab-envelope.json")
    cfg["inputs"]["values"] = "*"
    history = csv_window([str(generated / "valve")], 600_000, None)
    signals = tuple(sorted(history.frame.values))
    history.frame.values["Current.zscore"] = np.zeros(len(history.frame))  # an enrichment feature from the store
    calls = []
    retrain_once(
        cfg, History(history.frame, history.window, signals), source={}, out=tmp_path / "bundle", min_rows=100,
        alias="challenger", model_name="m", drop_labelled=False, register=lambda r, **kw: calls.append(r),
    )
    assert calls[0].manifest["inputs"]["values"] == list(signals)


def test_the_schedule_runs_rounds_until_told_and_a_failing_round_does_not_end_it():
    log: list[str] = []
    outcomes = iter([RuntimeError("store down"), None, None])

    def one_round() -> None:
        outcome = next(outcomes)
        if outcome is not None:
            raise outcome

    schedule = Schedule(1, log=log.append)
    failures = schedule.run(one_round, install_signals=False, rounds=3)
    assert failures == 1
    assert log[0] == "retrain round failed: store down"
    assert sum(m.startswith("next retrain at") for m in log) == 2

    stopped = Schedule(3_600_000, log=log.append)
    stopped.stop()
    assert stopped.run(lambda: pytest.fail("ran after stop"), install_signals=False) == 0


def test_after_a_round_the_schedule_waits_for_the_next_slot_skipping_missed_ones():
    hourly = Schedule(3_600_000)
    assert hourly.next_slot(0) == 3_600_000
    assert hourly.next_slot(3_600_000) == 7_200_000
    assert hourly.next_slot(3 * 3_600_000 + 5) == 4 * 3_600_000  # a round that overran two slots: the next one


def test_sigterm_during_a_round_lets_it_finish_and_ends_the_schedule():
    before = signal.getsignal(signal.SIGTERM)
    rounds: list[int] = []

    def one_round() -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.05)  # the handler runs here; the round still completes
        rounds.append(1)

    log: list[str] = []
    started = time.monotonic()
    assert Schedule(3_600_000, log=log.append).run(one_round) == 0
    assert rounds == [1] and time.monotonic() - started < 5  # no hour's wait, no second round
    assert log == ["retrain schedule stopped after 1 rounds (0 failed)"]
    assert signal.getsignal(signal.SIGTERM) is before


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        ([], "--data FILES or --store"),
        (["--store", "postgres://x", "--data", "d"], "--data FILES or --store"),
        (["--store", "postgres://x"], "one of --entity or --entity-prefix"),
        (["--store", "postgres://x", "--entity", "a", "--entity-prefix", "b"], "one of --entity or --entity-prefix"),
        (["--data", "d", "--entity", "a", "--schema", "s"], "--entity, --schema only apply with --store"),
        (["--data", "d", "--every", "1h", "--until", "2026-01-01"], "--every with --until"),
        (["--data", "d", "--min-rows", "0"], "--min-rows must be at least 1"),
        (["--data", "d", "--alias", "published"], "publishing is a separate step"),
    ],
)
def test_retrain_options_are_refused_before_anything_is_read(extra, problem, capsys):
    # The config does not exist: each refusal comes before it would be read.
    assert main(["retrain", "--config", "/nonexistent.json", "--window", "1h", *extra]) == 2
    assert problem in capsys.readouterr().err
