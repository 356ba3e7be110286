from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from vigil_science.build_reference import MODULES_DIR, training_frame
from vigil_science.frame import Frame
from vigil_science.generator import generate
from vigil_science.train import TrainResult, load_config, train


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("gen"), free_rows=1200, files=2, rows=900)


@pytest.fixture(scope="session")
def train_frame(generated: Path) -> Frame:
    return training_frame(generated)


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory, train_frame: Frame) -> dict[str, TrainResult]:
    """Every reference module, trained once on small generated data."""
    out = tmp_path_factory.mktemp("bundles")
    results = {}
    for path in sorted(MODULES_DIR.glob("*.json")):
        cfg = load_config(path)
        if cfg["module"] == "skab-predictive":  # keep the session fast: fewer trees
            cfg["elements"][-1]["params"] = {"n_estimators": 5, "max_depth": 4}
        results[cfg["module"]] = train(cfg, train_frame, out / cfg["module"])
    return results


def small_frame(
    values: dict[str, list[float]], entity: list[str] | None = None, attrs: dict[str, list[str | None]] | None = None
) -> Frame:
    n = len(next(iter(values.values())))
    return Frame(
        np.array(entity or ["e"] * n, dtype=object),
        np.arange(n, dtype=np.int64) * 1000,
        {k: np.array(v, dtype=np.float64) for k, v in values.items()},
        {k: np.array(v, dtype=object) for k, v in (attrs or {}).items()},
    )


def read_json(path: Path) -> dict:
    return json.loads(path.read_text())
