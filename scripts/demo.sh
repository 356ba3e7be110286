#!/usr/bin/env bash
# The main job, called by `./vigil demo` after setup: the stack, the reference
# modules in MLflow, every service, then a labelled stream through the pipeline
# and a report of what happened (tools/demo). Safe to run again: each run streams
# fresh entities, and modules already published in MLflow are reused.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
started=$(date +%s)

if [ -n "${VIGIL_DATASETS:-}" ]; then
  [ -d "$VIGIL_DATASETS" ] || die "VIGIL_DATASETS=$VIGIL_DATASETS is not a folder"
  VIGIL_DATASETS="$(cd "$VIGIL_DATASETS" && pwd)"; export VIGIL_DATASETS
fi

say "── local stack"
bash deploy/local/stack.sh start || die "the local stack did not start (./vigil stack status)"

MLFLOW="${MLFLOW_TRACKING_URI:-http://127.0.0.1:5000}"
MODULES=(skab-predictive skab-envelope skab-rules skab-iforest)
published() { curl -fsS -o /dev/null "$MLFLOW/api/2.0/mlflow/registered-models/alias?name=$1&alias=published" 2>/dev/null; }
missing=0
for m in "${MODULES[@]}"; do published "$m" || missing=1; done
if [ "$missing" -eq 1 ] || [ ! -d science/build/bundles ]; then
  say "── training the reference modules and publishing them in MLflow (about a minute)"
  MLFLOW_TRACKING_URI="$MLFLOW" "$VENV/bin/python" -m vigil_science build-reference --out science/build --register --alias published \
    || die "training the reference modules failed"
else
  say "── reference modules already published in MLflow: reusing them"
fi

# Every published module scores; the isolation forest also scores as a challenger, so
# its incidents show up on incidents.shadow beside the actionable ones.
export SCORING_MODELS="${SCORING_MODELS:-skab-predictive@published,skab-envelope@published,skab-rules@published,skab-iforest@published}"

say "── services"
bash scripts/services.sh start || die "a service did not start (./vigil services status; logs in .vigil/logs/)"

say "── streaming a labelled dataset through the pipeline"
node --import tsx tools/demo/src/main.ts
say "demo finished in $(( $(date +%s) - started )) s; the stack and services keep running (./vigil services stop; ./vigil stack stop)"
