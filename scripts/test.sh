#!/usr/bin/env bash
# Runs every test of the project against the real local stack and ends with one
# summary line: "vigil: N passed, N failed". Called by `./vigil test` after setup.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
RESULTS="$ROOT/.vigil/test-results"
rm -rf "$RESULTS" && mkdir -p "$RESULTS"
started=$(date +%s)
status=0
checks_failed=0 # lint and typecheck: not test runners, each counts as one failure in the summary

if [ -z "${VIGIL_DATASETS:-}" ]; then
  say "VIGIL_DATASETS is unset: real-data tests use the project's generated telemetry"
elif [ ! -d "$VIGIL_DATASETS" ]; then
  die "VIGIL_DATASETS=$VIGIL_DATASETS is not a folder"
else
  VIGIL_DATASETS="$(cd "$VIGIL_DATASETS" && pwd)"; export VIGIL_DATASETS
fi

step() { say "── $*"; }

step "local stack"
bash "$ROOT/deploy/local/stack.sh" start || die "the local stack did not start (see the messages above; ./vigil stack status)"

step "lint and format check (biome)"
biome check . || { say "lint failed"; status=1; checks_failed=$((checks_failed + 1)); }
step "typecheck (tsc)"
tsc -p tsconfig.json || { say "typecheck failed"; status=1; checks_failed=$((checks_failed + 1)); }

# Listed here rather than globbed, so that node_modules and fixtures stay out.
mapfile -t unit_tests < <(find packages services tools test bench deploy -path '*/node_modules' -prune -o \
  -name '*.test.ts' ! -name '*.int.test.ts' -print 2>/dev/null | sort)
mapfile -t int_tests < <(find packages services tools test bench deploy -path '*/node_modules' -prune -o \
  -name '*.int.test.ts' -print 2>/dev/null | sort)

run_node_tests() { # name concurrency files...
  local name=$1 concurrency=$2; shift 2
  [ $# -gt 0 ] || return 0
  step "$name tests ($# files)"
  node --import tsx --test --test-concurrency="$concurrency" --test-timeout=600000 \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$RESULTS/$name.tap" "$@" || status=1
}

run_node_tests unit 2 "${unit_tests[@]}"

if [ -d "$ROOT/science/tests" ]; then
  step "Python science kit tests (pytest)"
  (cd "$ROOT/science" && "$VENV/bin/python" -m pytest -q -p no:cacheprovider --junitxml="$RESULTS/pytest.xml" tests) || status=1
fi

run_node_tests integration 1 "${int_tests[@]}"

# One summary line over every runner.
passed=0; failed=0
for tap in "$RESULTS"/*.tap; do
  [ -f "$tap" ] || continue
  p=$(grep -E '^# pass [0-9]+' "$tap" | tail -1 | awk '{print $3}')
  f=$(grep -E '^# (fail|cancelled) [0-9]+' "$tap" | awk '{s+=$3} END {print s+0}')
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done
if [ -f "$RESULTS/pytest.xml" ]; then
  read -r pp pf < <("$VENV/bin/python" - "$RESULTS/pytest.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else list(root)
t = sum(int(s.get("tests", 0)) for s in suites); f = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
sk = sum(int(s.get("skipped", 0)) for s in suites)
print(t - f - sk, f + sk)
PY
  )
  passed=$((passed + pp)); failed=$((failed + pf))
fi
if [ "$checks_failed" -gt 0 ]; then
  failed=$((failed + checks_failed)); say "lint or typecheck failed: counted as $checks_failed failure(s)"
fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; say "a test runner crashed outside its tests: counted as 1 failure"; fi
say "finished in $(( $(date +%s) - started )) s"
echo "vigil: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$status" -eq 0 ]
