#!/usr/bin/env bash
# Detection quality through real bundles (docs/quality.md): SKAB with its own protocol beside the
# published leaderboard, and the drift study on the Microsoft cloud-monitoring series.
#   bash bench/quality/run.sh                 both studies (about 2 minutes on 2 cores)
#   bash bench/quality/run.sh --only skab     one study; --keep-bundles DIR keeps the trained bundles
# Needs VIGIL_DATASETS (e.g. ../shared/datasets) and the project virtualenv (./vigil setup).
# Prints the tables and writes bench/results/quality-<UTC time>.{json,md} (ignored by git).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
if [ -z "${VIGIL_DATASETS:-}" ]; then
  echo "bench/quality: VIGIL_DATASETS is not set (point it at the datasets, e.g. ../shared/datasets)" >&2
  exit 2
fi
if [ ! -x "$ROOT/.venv/bin/python" ]; then
  echo "bench/quality: no virtualenv at $ROOT/.venv (run ./vigil setup)" >&2
  exit 2
fi
exec "$ROOT/.venv/bin/python" -m vigil_science.quality --datasets "$VIGIL_DATASETS" --out "$ROOT/bench/results" "$@"
