#!/usr/bin/env bash
# Makes the reference modules (science/modules/) serve under the aliases the scoring service
# reads, in the stack's MLflow:
#   reference-models.sh [--fit-data] [model@alias...]
# The default arrangement is the scoring service's default SCORING_MODELS: skab-predictive and
# skab-rules published (their incidents are actionable), skab-envelope and skab-iforest as
# challengers (scored on the same stream, their incidents on incidents.shadow, as a new model
# would be). When every alias exists, nothing is touched: the versions registered are reused.
# When any is missing, every module is trained again (vigil_science build-reference, about a
# minute), registered, and the aliases set on the new versions.
# --fit-data (the demo): also train again when science/build is missing or was trained on
# another kind of data than this run's (real SKAB when VIGIL_DATASETS is set, else generated);
# the demo streams from science/build and wants modules trained on what it streams.
# Callers run one at a time (a lock), so two of them on a fresh stack train once.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

fit_data=0
refs=()
for arg in "$@"; do
  case "$arg" in
    --fit-data) fit_data=1 ;;
    *@*) refs+=("$arg") ;;
    *) die "usage: reference-models.sh [--fit-data] [model@alias...]" ;;
  esac
done
[ ${#refs[@]} -gt 0 ] || refs=(skab-predictive@published skab-rules@published skab-envelope@challenger skab-iforest@challenger)
for ref in "${refs[@]}"; do
  [ -f "science/modules/${ref%@*}.json" ] || die "$ref: ${ref%@*} is not a reference module (science/modules/${ref%@*}.json)"
done
[ -x "$VENV/bin/python" ] || die "no Python virtualenv in .venv/ (./vigil setup)"

MLFLOW="${MLFLOW_TRACKING_URI:-http://127.0.0.1:5000}"
alias_version() { # model alias → version number, or nothing
  curl -fsS "$MLFLOW/api/2.0/mlflow/registered-models/alias?name=$1&alias=$2" 2>/dev/null |
    "$VENV/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["model_version"]["version"])' 2>/dev/null
}
alias_call() { # method model alias [version]
  local body="{\"name\": \"$2\", \"alias\": \"$3\"${4:+, \"version\": \"$4\"}}"
  curl -fsS -o /dev/null -X "$1" -H 'Content-Type: application/json' "$MLFLOW/api/2.0/mlflow/registered-models/alias" -d "$body"
}

mkdir -p "$ROOT/.vigil/run"
exec 9>"$ROOT/.vigil/run/reference-models.lock"
flock -w 900 9 || die "another reference-models.sh held its lock for 15 minutes"

missing=0
for ref in "${refs[@]}"; do [ -n "$(alias_version "${ref%@*}" "${ref#*@}")" ] || missing=1; done
if [ "$fit_data" -eq 1 ]; then
  want_origin=$([ -n "${VIGIL_DATASETS:-}" ] && echo skab || echo generated)
  have_origin=$("$VENV/bin/python" -c 'import json; print(json.load(open("science/build/origin.json"))["data"])' 2>/dev/null || true)
  if [ "$have_origin" != "$want_origin" ] || [ ! -d science/build/bundles ]; then missing=1; fi
fi
if [ "$missing" -eq 0 ]; then
  say "── reference modules already registered in MLflow: reusing them"
  exit 0
fi

say "── training the reference modules and registering them in MLflow (about a minute)"
MLFLOW_TRACKING_URI="$MLFLOW" "$VENV/bin/python" -m vigil_science build-reference --out science/build --register --alias published \
  || die "training the reference modules failed"
# Every module is now published at its new version; move the other aliases there, and take
# `published` away from the modules that only run under another alias.
for ref in "${refs[@]}"; do
  model=${ref%@*} alias=${ref#*@}
  [ "$alias" != published ] || continue
  version=$(alias_version "$model" published)
  [ -n "$version" ] || die "MLflow has no published version of $model after training"
  alias_call POST "$model" "$alias" "$version" || die "could not set alias $alias on $model"
done
for ref in "${refs[@]}"; do
  model=${ref%@*}
  [[ " ${refs[*]} " == *" $model@published "* ]] && continue
  [ -n "$(alias_version "$model" published)" ] || continue # listed under two aliases: done already
  alias_call DELETE "$model" published || die "could not remove alias published from $model"
done
