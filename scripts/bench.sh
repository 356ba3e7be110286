#!/usr/bin/env bash
# Runs the benchmarks under bench/src/ against the local stack, each printing its table.
#   ./vigil bench               every benchmark entry file (bench/src/*.ts)
#   ./vigil bench ingest [...]  one benchmark, with its own options (see the file's header)
#   ./vigil bench quality [...] detection quality on the real datasets (bench/quality/run.sh; needs VIGIL_DATASETS)
#   ./vigil bench compare ...   one benchmark under several revisions and Node versions, side by side (bench/compare.sh)
# A top-level file marked `@bench-worker` is a child process of a benchmark, not one itself;
# shared helpers live in bench/src/lib/. Results are also saved under bench/results/ (ignored).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

entries() {
  local file
  for file in bench/src/*.ts; do
    grep -q '@bench-worker' "$file" && continue
    basename "$file" .ts
  done
}

if [ "${1:-}" = compare ]; then
  shift
  exec bash "$ROOT/bench/compare.sh" "$@"
fi

wants_help=false
for arg in "$@"; do [ "$arg" = --help ] || [ "$arg" = -h ] && wants_help=true; done

if [ "$wants_help" = false ] && ! bash "$ROOT/deploy/local/stack.sh" status >/dev/null 2>&1; then
  bash "$ROOT/deploy/local/stack.sh" start >&2 || die "the local stack did not start (./vigil stack status)"
fi

if [ "${1:-}" = quality ]; then
  shift
  exec bash "$ROOT/bench/quality/run.sh" "$@"
fi

if [ $# -gt 0 ]; then
  name=$1
  shift
  if [ ! -f "bench/src/$name.ts" ] || grep -q '@bench-worker' "bench/src/$name.ts"; then
    die "no benchmark named '$name' (have: $(entries | tr '\n' ' ')quality)"
  fi
  exec node --import tsx "bench/src/$name.ts" "$@"
fi

failed=()
for name in $(entries); do
  say "── benchmark: $name"
  node --import tsx "bench/src/$name.ts" || failed+=("$name")
done
if [ -n "${VIGIL_DATASETS:-}" ]; then
  say "── benchmark: quality"
  bash "$ROOT/bench/quality/run.sh" || failed+=(quality)
else
  say "── benchmark: quality skipped: it reads the real datasets and VIGIL_DATASETS is unset"
fi
if [ ${#failed[@]} -gt 0 ]; then
  die "failed: ${failed[*]}"
fi
say "every benchmark ran: $(entries | tr '\n' ' ')"
