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

# The reference modules under the aliases of the scoring service's default SCORING_MODELS
# (services/scoring/src/config.ts), trained on the kind of data this run streams (real SKAB or generated).
bash scripts/reference-models.sh --fit-data || die "the reference modules are not registered in MLflow"

say "── services"
# A scoring service left running by an earlier run may score another set of modules.
bash scripts/services.sh stop scoring >/dev/null 2>&1 || true
bash scripts/services.sh start || die "a service did not start (./vigil services status; logs in .vigil/logs/)"

say "── streaming a labelled dataset through the pipeline"
node --import tsx tools/demo/src/main.ts
say "demo finished in $(( $(date +%s) - started )) s; the stack and services keep running (./vigil services stop; ./vigil stack stop)"
