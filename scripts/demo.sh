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
# Two reference modules are published (their incidents are actionable); two run as challengers,
# scored on the same stream with their incidents on incidents.shadow, as a new model would be.
PUBLISHED=(skab-predictive skab-rules)
CHALLENGERS=(skab-envelope skab-iforest)
alias_version() { # model alias → version number, or nothing
  curl -fsS "$MLFLOW/api/2.0/mlflow/registered-models/alias?name=$1&alias=$2" 2>/dev/null |
    "$VENV/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["model_version"]["version"])' 2>/dev/null
}
missing=0
for m in "${PUBLISHED[@]}"; do [ -n "$(alias_version "$m" published)" ] || missing=1; done
for m in "${CHALLENGERS[@]}"; do [ -n "$(alias_version "$m" challenger)" ] || missing=1; done
# The modules must have been trained on the kind of data this run streams (real SKAB or generated).
want_origin=$([ -n "${VIGIL_DATASETS:-}" ] && echo skab || echo generated)
have_origin=$("$VENV/bin/python" -c 'import json; print(json.load(open("science/build/origin.json"))["data"])' 2>/dev/null || true)
if [ "$have_origin" != "$want_origin" ]; then missing=1; fi
if [ "$missing" -eq 1 ] || [ ! -d science/build/bundles ]; then
  say "── training the reference modules and registering them in MLflow (about a minute)"
  MLFLOW_TRACKING_URI="$MLFLOW" "$VENV/bin/python" -m vigil_science build-reference --out science/build --register --alias published \
    || die "training the reference modules failed"
  for m in "${CHALLENGERS[@]}"; do
    version=$(alias_version "$m" published)
    [ -n "$version" ] || die "MLflow has no published version of $m after training"
    curl -fsS -o /dev/null -X POST -H 'Content-Type: application/json' "$MLFLOW/api/2.0/mlflow/registered-models/alias" \
      -d "{\"name\": \"$m\", \"alias\": \"challenger\", \"version\": \"$version\"}" || die "could not set alias challenger on $m"
    curl -fsS -o /dev/null -X DELETE -H 'Content-Type: application/json' "$MLFLOW/api/2.0/mlflow/registered-models/alias" \
      -d "{\"name\": \"$m\", \"alias\": \"published\"}" \
      || die "could not remove alias published from $m"
  done
else
  say "── reference modules already registered in MLflow: reusing them"
fi

# The scoring service's default SCORING_MODELS is this arrangement (services/scoring/src/config.ts).

say "── services"
# A scoring service left running by an earlier run may score another set of modules.
bash scripts/services.sh stop scoring >/dev/null 2>&1 || true
bash scripts/services.sh start || die "a service did not start (./vigil services status; logs in .vigil/logs/)"

say "── streaming a labelled dataset through the pipeline"
node --import tsx tools/demo/src/main.ts
say "demo finished in $(( $(date +%s) - started )) s; the stack and services keep running (./vigil services stop; ./vigil stack stop)"
