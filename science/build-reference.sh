#!/usr/bin/env bash
# Rebuild the reference modules (science/modules/*.json) into science/build/ in about a minute:
# bundles in build/bundles/<module>/, parity fixtures in build/fixtures/<module>.json, quality in build/quality.md.
# Trains on SKAB ($VIGIL_DATASETS/skab/data) when VIGIL_DATASETS is set, else on generated pump-like telemetry.
# Extra arguments go to `python -m vigil_science build-reference` (e.g. --register --alias challenger).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
py="$root/.venv/bin/python"
if [ ! -x "$py" ]; then
  python3.11 -m venv "$root/.venv"
fi
if ! "$py" -c 'import vigil_science, skl2onnx, onnxruntime' 2>/dev/null; then
  "$py" -m pip install -q -r "$here/requirements.txt"
  "$py" -m pip install -q -e "$here"
fi
cd "$root"
exec "$py" -m vigil_science build-reference --out "$here/build" "$@"
