"""The in-memory shape of a sequence of records: what the runtime sees, column-wise.

Rows are records in processing order. Rows of one entity need not be contiguous
(parity fixtures interleave entities); history-dependent steps (lag, diff) look
back within the same entity only, in row order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Frame:
    entity: np.ndarray  # object array of str, one per row
    ts: np.ndarray  # int64 epoch milliseconds (event time)
    values: dict[str, np.ndarray]  # numeric inputs (values and features), float64, NaN = absent
    attrs: dict[str, np.ndarray] = field(default_factory=dict)  # object arrays of str or None
    labels: np.ndarray | None = None  # 0/1 ground truth; never an input

    def __len__(self) -> int:
        return len(self.ts)

    def take(self, index: np.ndarray) -> Frame:
        return Frame(
            entity=self.entity[index],
            ts=self.ts[index],
            values={k: v[index] for k, v in self.values.items()},
            attrs={k: v[index] for k, v in self.attrs.items()},
            labels=None if self.labels is None else self.labels[index],
        )

    @staticmethod
    def concat(frames: list[Frame]) -> Frame:
        if not frames:
            raise ValueError("no frames to concatenate")
        keys = list(frames[0].values)
        attr_keys = list(frames[0].attrs)
        for f in frames[1:]:
            if list(f.values) != keys:
                raise ValueError(f"frames disagree on columns: {keys} vs {list(f.values)}")
        labels = None
        if any(f.labels is not None for f in frames):  # a file without labels counts as unlabelled normal
            labels = np.concatenate(
                [f.labels if f.labels is not None else np.zeros(len(f), dtype=np.int8) for f in frames]
            )
        return Frame(
            entity=np.concatenate([f.entity for f in frames]),
            ts=np.concatenate([f.ts for f in frames]),
            values={k: np.concatenate([f.values[k] for f in frames]) for k in keys},
            attrs={k: np.concatenate([f.attrs[k] for f in frames]) for k in attr_keys},
            labels=labels,
        )
