# shellcheck shell=bash
# MLflow tracking server from PyPI, in the project virtualenv (.venv), with a
# SQLite backend store and artifacts under .vigil, served over HTTP
# (--serve-artifacts) so that clients never need the artifact directory.

MLFLOW_VENV="$ROOT/.venv"
MLFLOW_REQUIREMENTS="$ROOT/deploy/local/requirements-mlflow.txt"
MLFLOW_VERSION=$(sed -n 's/^mlflow==\([^ ;#]*\).*/\1/p' "$MLFLOW_REQUIREMENTS")
MLFLOW_DIR="$VIGIL_HOME/mlflow"

mlflow_address() { echo "$HOST:$MLFLOW_PORT"; }

mlflow_requires() {
  if [[ ! -x "$MLFLOW_VENV/bin/python" ]] && ! command -v python3.11 >/dev/null 2>&1; then
    echo 'python3:python3 python3-venv'
  fi
}

mlflow_healthy() { [[ $(curl -fsS --max-time 2 "http://$HOST:$MLFLOW_PORT/health" 2>/dev/null) == OK ]]; }

# Creates the virtualenv if missing and installs the pinned mlflow if the
# installed version differs (pip leaves other packages of the venv alone).
mlflow_install() {
  if [[ ! -x "$MLFLOW_VENV/bin/python" ]]; then
    local python
    python=$(command -v python3.11 || command -v python3) || die "mlflow: no python3.11 or python3 to create $MLFLOW_VENV"
    log "mlflow: creating the virtualenv $MLFLOW_VENV with $python"
    "$python" -m venv "$MLFLOW_VENV" || die "mlflow: $python -m venv $MLFLOW_VENV failed"
  fi
  local installed
  installed=$("$MLFLOW_VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("mlflow"))' 2>/dev/null || true)
  if [[ $installed != "$MLFLOW_VERSION" ]]; then
    log "mlflow: installing mlflow $MLFLOW_VERSION into $MLFLOW_VENV (found '${installed:-none}'; takes a few minutes)"
    "$MLFLOW_VENV/bin/python" -m pip install -q -r "$MLFLOW_REQUIREMENTS" >"$LOG_DIR/mlflow-install.log" 2>&1 ||
      die "mlflow: pip install -r $MLFLOW_REQUIREMENTS failed (see $LOG_DIR/mlflow-install.log)"
  fi
}

mlflow_launch() {
  claim_port mlflow "$MLFLOW_PORT"
  mlflow_install
  mkdir -p "$MLFLOW_DIR/artifacts"
  # One worker: the local stack serves a few clients, and each worker costs
  # ~250 MB. No job execution: it runs 7 huey consumer processes (~1 GB) for
  # GenAI features Vigil does not use (runs, models and the registry work
  # without). --allowed-hosts: the Host headers clients on this machine send,
  # on any port (MLflow's own loopback default), so a TCP relay in front of the
  # server (tests cut it to play an outage) is served like a direct client.
  launch mlflow env MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false "$MLFLOW_VENV/bin/mlflow" server \
    --host "$HOST" --port "$MLFLOW_PORT" --workers 1 \
    --backend-store-uri "sqlite:///$MLFLOW_DIR/mlflow.db" \
    --serve-artifacts --artifacts-destination "$MLFLOW_DIR/artifacts" \
    --default-artifact-root mlflow-artifacts:/ \
    --allowed-hosts "$HOST:*,localhost:*,$HOST,localhost"
}

mlflow_wait() { wait_until mlflow 180 mlflow_healthy; }

mlflow_stop() { stop_recorded mlflow 20; }
