"""Detection quality measures: SKAB's point-wise F1 / FAR / MAR and event-level precision / recall.

Point-wise (SKAB's definitions, over every test row pooled): a row is positive
when the detector raises an alarm on it; FAR = FP / (FP + TN), MAR = FN / (FN + TP),
F1 = 2 TP / (2 TP + FP + FN).

Event-level (the drift study): an event is a maximal run of labelled rows; it is
detected when an alarm falls inside it or within `tolerance` rows after its end.
A false alarm is a maximal run of alarm rows that touches no event (nor its
tolerance). Precision = detected events / (detected events + false alarms),
recall = detected events / events. Because a flood of alarms after a level
shift is one run however long, the share of rows outside every event that carry
an alarm (`false_alarm_rate`) is reported beside them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class PointScores:
    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def rows(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    @property
    def f1(self) -> float:
        d = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / d if d else 0.0

    @property
    def far(self) -> float:
        d = self.fp + self.tn
        return self.fp / d if d else 0.0

    @property
    def mar(self) -> float:
        d = self.fn + self.tp
        return self.fn / d if d else 0.0

    def __add__(self, other: PointScores) -> PointScores:
        return PointScores(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn, self.tn + other.tn)

    def summary(self) -> dict[str, float]:
        return {**asdict(self), "rows": self.rows, "f1": self.f1, "far": self.far, "mar": self.mar}


def point_scores(labels: np.ndarray, alarms: np.ndarray) -> PointScores:
    y = np.asarray(labels).astype(bool)
    p = np.asarray(alarms).astype(bool)
    if y.shape != p.shape:
        raise ValueError(f"labels {y.shape} and alarms {p.shape} differ in shape")
    return PointScores(int((p & y).sum()), int((p & ~y).sum()), int((~p & y).sum()), int((~p & ~y).sum()))


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Maximal runs of True as half-open [start, end) row ranges."""
    b = np.asarray(mask).astype(np.int8)
    d = np.diff(np.concatenate([[0], b, [0]]))
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist(), strict=True))


@dataclass(frozen=True)
class EventScores:
    events: int
    detected: int
    false_alarms: int  # alarm runs outside every event (and its tolerance)
    alarm_rows: int
    false_alarm_rows: int  # alarm rows outside every event (and its tolerance)
    normal_rows: int  # rows outside every event (and its tolerance)
    rows: int

    @property
    def false_alarm_rate(self) -> float:
        """Share of the rows outside every event that carry an alarm (the flood a drifting stream causes)."""
        return self.false_alarm_rows / self.normal_rows if self.normal_rows else 0.0

    @property
    def precision(self) -> float:
        d = self.detected + self.false_alarms
        return self.detected / d if d else 0.0

    @property
    def recall(self) -> float:
        return self.detected / self.events if self.events else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __add__(self, other: EventScores) -> EventScores:
        return EventScores(
            self.events + other.events,
            self.detected + other.detected,
            self.false_alarms + other.false_alarms,
            self.alarm_rows + other.alarm_rows,
            self.false_alarm_rows + other.false_alarm_rows,
            self.normal_rows + other.normal_rows,
            self.rows + other.rows,
        )

    def summary(self) -> dict[str, float]:
        return {
            **asdict(self),
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "falseAlarmRate": self.false_alarm_rate,
        }


def event_scores(labels: np.ndarray, alarms: np.ndarray, tolerance: int = 0) -> EventScores:
    y = np.asarray(labels).astype(bool)
    a = np.asarray(alarms).astype(bool)
    if y.shape != a.shape:
        raise ValueError(f"labels {y.shape} and alarms {a.shape} differ in shape")
    if tolerance < 0:
        raise ValueError("tolerance must be >= 0")
    n = len(y)
    covered = np.zeros(n, dtype=bool)
    detected = 0
    events = runs(y)
    for start, end in events:
        stop = min(n, end + tolerance)
        covered[start:stop] = True
        detected += bool(a[start:stop].any())
    false_alarms = sum(1 for start, end in runs(a) if not covered[start:end].any())
    return EventScores(
        len(events), detected, false_alarms, int(a.sum()), int((a & ~covered).sum()), int((~covered).sum()), n
    )
