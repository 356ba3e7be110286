"""Quality metrics on tiny cases computed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from vigil_science.quality.metrics import EventScores, PointScores, event_scores, point_scores, runs


def test_point_scores_count_and_rates():
    labels = np.array([0, 0, 1, 1, 1, 0])
    alarms = np.array([0, 1, 1, 0, 1, 0])
    s = point_scores(labels, alarms)
    assert (s.tp, s.fp, s.fn, s.tn, s.rows) == (2, 1, 1, 2, 6)
    assert s.f1 == pytest.approx(2 * 2 / (2 * 2 + 1 + 1))  # precision 2/3, recall 2/3
    assert s.far == pytest.approx(1 / 3)  # FP / (FP + TN)
    assert s.mar == pytest.approx(1 / 3)  # FN / (FN + TP)


def test_point_scores_edge_cases():
    none = point_scores(np.zeros(4), np.zeros(4))
    assert (none.f1, none.far, none.mar) == (0.0, 0.0, 0.0)
    every = point_scores(np.array([1, 1, 0, 0]), np.ones(4))
    assert (every.far, every.mar) == (1.0, 0.0)
    assert every.f1 == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="shape"):
        point_scores(np.zeros(3), np.zeros(4))


def test_point_scores_pool_by_addition():
    a = point_scores(np.array([1, 0]), np.array([1, 1]))
    b = point_scores(np.array([1, 0, 0]), np.array([0, 0, 1]))
    assert a + b == PointScores(tp=1, fp=2, fn=1, tn=1)


def test_runs_are_half_open_maximal():
    assert runs(np.array([0, 1, 1, 0, 1])) == [(1, 3), (4, 5)]
    assert runs(np.array([1, 1])) == [(0, 2)]
    assert runs(np.zeros(3)) == []


def test_event_scores_with_tolerance():
    #                 0  1  2  3  4  5  6  7  8  9
    labels = np.array([0, 1, 1, 0, 0, 0, 1, 0, 0, 0])
    alarms = np.array([0, 0, 0, 1, 0, 0, 0, 0, 1, 1])
    s = event_scores(labels, alarms, tolerance=1)
    # event [1,3) is detected by the alarm at 3 (one row after its end); event [6,7) is missed;
    # the alarm run [8,10) touches no event window: one false alarm
    assert (s.events, s.detected, s.false_alarms) == (2, 1, 1)
    assert (s.precision, s.recall) == (0.5, 0.5)
    # rows outside every event window: 0, 4, 5, 8, 9; alarmed among them: 8, 9
    assert (s.normal_rows, s.false_alarm_rows, s.alarm_rows) == (5, 2, 3)
    assert s.false_alarm_rate == pytest.approx(0.4)


def test_event_scores_without_tolerance():
    labels = np.array([0, 1, 1, 0, 0, 0, 1, 0, 0, 0])
    alarms = np.array([0, 0, 0, 1, 0, 0, 0, 0, 1, 1])
    s = event_scores(labels, alarms)
    assert (s.detected, s.false_alarms) == (0, 2)  # the alarm at 3 is now outside the event
    assert (s.precision, s.recall, s.f1) == (0.0, 0.0, 0.0)


def test_event_scores_one_alarm_run_over_two_events_detects_both_and_is_no_false_alarm():
    labels = np.array([1, 0, 1, 0])
    alarms = np.array([1, 1, 1, 0])
    s = event_scores(labels, alarms)
    assert (s.events, s.detected, s.false_alarms) == (2, 2, 0)
    assert s.precision == 1.0


def test_event_scores_add_and_guard():
    a = event_scores(np.array([1, 0, 0]), np.array([1, 0, 1]))
    b = event_scores(np.array([0, 0]), np.array([1, 1]))
    total = a + b
    assert total == EventScores(
        events=1, detected=1, false_alarms=2, alarm_rows=4, false_alarm_rows=3, normal_rows=4, rows=5
    )
    assert total.precision == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="tolerance"):
        event_scores(np.zeros(2), np.zeros(2), tolerance=-1)
