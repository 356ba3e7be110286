"""Wilson intervals of the TypeScript quality package (packages/quality/src/wilson.ts)
against statsmodels' proportion_confint(method='wilson'), to 1e-9 on a grid of (k, n)."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from statsmodels.stats.proportion import proportion_confint

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "packages/quality/src/wilson-grid.ts"


def node() -> str:
    local = REPO / ".tools/node/bin/node"
    found = str(local) if local.exists() else shutil.which("node")
    if found is None:
        pytest.fail("no node on PATH and no .tools/node: the cross-check needs the TypeScript side")
    return found


def grid() -> list[tuple[int, int]]:
    sizes = [1, 2, 3, 5, 7, 10, 13, 20, 30, 50, 77, 100, 250, 1000, 12345]
    pairs = []
    for n in sizes:
        ks = sorted({0, 1, 2, n // 3, n // 2, n - 2, n - 1, n} & set(range(n + 1)))
        pairs.extend((k, n) for k in ks)
    return pairs


def test_wilson_matches_statsmodels_to_1e9():
    pairs = grid()
    done = subprocess.run(
        [node(), "--import", "tsx", str(SCRIPT)],
        input=json.dumps(pairs),
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
        check=True,
    )
    ours = json.loads(done.stdout)
    assert len(ours) == len(pairs)
    for (k, n), (lower, upper) in zip(pairs, ours):
        low, upp = proportion_confint(k, n, alpha=0.05, method="wilson")
        assert abs(lower - max(0.0, low)) < 1e-9, (k, n, lower, low)
        assert abs(upper - min(1.0, upp)) < 1e-9, (k, n, upper, upp)


def test_zero_of_thirty():
    low, upp = proportion_confint(0, 30, alpha=0.05, method="wilson")
    assert round(max(0.0, low), 4) == 0.0 and round(upp, 4) == 0.1135
