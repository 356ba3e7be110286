#!/usr/bin/env bash
# The local stack of real components, on loopback, without Docker:
#   Kafka (KRaft), Apicurio Registry, Redis, PostgreSQL, Prometheus, MLflow.
#
#   stack.sh start [component...]   start what is not running, wait until healthy
#   stack.sh stop [component...]    stop (reverse order)
#   stack.sh status [component...]  one line per component; exit 0 only if all are up
#   stack.sh logs <component> [-f]  the end of a component's log
#   stack.sh reset                  stop and delete all data (keeps downloads)
#
# Data, logs and pid files live under <repo>/.vigil (ignored by git); see
# docs/stack.md. Ports come from deploy/local/ports.env.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)
VIGIL_HOME=${VIGIL_HOME:-$ROOT/.vigil}
RUN_DIR="$VIGIL_HOME/run"
LOG_DIR="$VIGIL_HOME/logs"
CACHE_DIR="$VIGIL_HOME/cache"

# VIGIL_HOME and VIGIL_PORTS_FILE (another ports.env) let a second stack run
# beside the shared one, e.g. to try a change of this script.
# shellcheck source=ports.env
source "${VIGIL_PORTS_FILE:-$SCRIPT_DIR/ports.env}"
# shellcheck source=lib/common.sh
source "$SCRIPT_DIR/lib/common.sh"
for component_file in kafka registry redis postgres prometheus mlflow; do
  # shellcheck source=/dev/null
  source "$SCRIPT_DIR/lib/$component_file.sh"
done

# Start order: Kafka and Redis first (everything else waits for them).
COMPONENTS=(redis kafka postgres prometheus registry mlflow)

usage() {
  sed -n '2,12s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
  exit 2
}

# Validates component names; prints the selection in start order.
select_components() {
  if (($# == 0)); then
    printf '%s\n' "${COMPONENTS[@]}"
    return
  fi
  local name c found
  for name in "$@"; do
    found=0
    for c in "${COMPONENTS[@]}"; do
      if [[ $c == "$name" ]]; then found=1; fi
    done
    ((found == 1)) || die "unknown component '$name' (known: ${COMPONENTS[*]})"
  done
  for c in "${COMPONENTS[@]}"; do
    for name in "$@"; do
      if [[ $c == "$name" ]]; then echo "$c"; fi
    done
  done
}

# Runs a step in a subshell with errexit really on (it is ignored inside an
# `if` condition); the exit code lands in STEP_RC.
STEP_RC=0
run_step() {
  set +e
  (
    set -e
    "$@"
  )
  STEP_RC=$?
  set -e
}

component_state() {
  local c=$1 pid
  if pid=$(live_pid "$c"); then
    if "${c}_healthy"; then echo "up (pid $pid)"; else echo "starting or unhealthy (pid $pid)"; fi
  elif "${c}_healthy"; then
    echo "up (not started by stack.sh)"
  else
    echo "down"
  fi
}

cmd_status() {
  local selected c all_up=0
  select_components "$@" >/dev/null
  mapfile -t selected < <(select_components "$@")
  printf '%-11s %-22s %s\n' COMPONENT ADDRESS STATE
  for c in "${selected[@]}"; do
    local state
    state=$(component_state "$c")
    printf '%-11s %-22s %s\n' "$c" "$("${c}_address")" "$state"
    [[ $state == up* ]] || all_up=1
  done
  return $all_up
}

cmd_start() {
  local started_at=$SECONDS selected c waiting=()
  failed=()
  TOPICS_DONE=0
  select_components "$@" >/dev/null
  mapfile -t selected < <(select_components "$@")
  mkdir -p "$RUN_DIR" "$LOG_DIR" "$CACHE_DIR"

  local specs=() spec_fn
  for c in "${selected[@]}"; do
    spec_fn="${c}_requires"
    mapfile -t -O "${#specs[@]}" specs < <("$spec_fn")
  done
  require_commands "${specs[@]}"

  for c in "${selected[@]}"; do
    if live_pid "$c" >/dev/null; then
      log "$c: already running"
      waiting+=("$c")
    elif "${c}_healthy"; then
      log "$c: already up on $("${c}_address") (not started by stack.sh), left alone"
    else
      run_step "${c}_launch"
      if ((STEP_RC == 0)); then
        log "$c: starting"
        waiting+=("$c")
      else
        failed+=("$c")
      fi
    fi
  done

  for c in "${waiting[@]}"; do
    run_step "${c}_wait"
    if ((STEP_RC != 0)); then
      failed+=("$c")
      continue
    fi
    log "$c: healthy on $("${c}_address")"
    # Topics as soon as Kafka is up: the other components can come later.
    if [[ $c == kafka ]]; then ensure_topics; fi
  done
  # Kafka that was left alone (started by another clone) gets the topics too.
  if [[ " ${selected[*]} " == *" kafka "* && $TOPICS_DONE == 0 ]] && kafka_healthy; then ensure_topics; fi

  echo
  cmd_status "${selected[@]}" || true
  echo "total time: $((SECONDS - started_at))s"
  if ((${#failed[@]} > 0)); then
    die "failed: ${failed[*]} (see the messages above and $LOG_DIR)"
  fi
}

ensure_topics() {
  TOPICS_DONE=1
  run_step create_topics
  if ((STEP_RC != 0)); then failed+=("kafka-topics"); fi
}

create_topics() {
  [[ -d "$SCRIPT_DIR/node_modules/kafkajs" ]] ||
    die "kafka topics: deploy/local has no node_modules; run pnpm install in $ROOT first"
  (cd "$ROOT" && KAFKA_BROKERS="$HOST:$KAFKA_PORT" node --import tsx "$SCRIPT_DIR/create-topics.ts")
}

cmd_stop() {
  local selected i
  select_components "$@" >/dev/null
  mapfile -t selected < <(select_components "$@")
  for ((i = ${#selected[@]} - 1; i >= 0; i--)); do
    "${selected[i]}_stop"
    log "${selected[i]}: stopped"
  done
}

cmd_logs() {
  (($# >= 1)) || die "usage: stack.sh logs <component> [-f]"
  select_components "$1" >/dev/null
  local file="$LOG_DIR/$1.log"
  [[ $1 == kafka ]] && file="$LOG_DIR/kafka-server.log"
  [[ -f $file ]] || die "$1: no log yet ($file)"
  if [[ ${2:-} == -f ]]; then tail -n 100 -f "$file"; else tail -n 100 "$file"; fi
}

cmd_reset() {
  cmd_stop
  local d
  for d in "$VIGIL_HOME"/*; do
    [[ $d == "$CACHE_DIR" ]] && continue
    rm -rf "$d"
  done
  log "deleted all data under $VIGIL_HOME (kept the download cache $CACHE_DIR)"
}

(($# >= 1)) || usage
command=$1
shift
case $command in
start) cmd_start "$@" ;;
stop) cmd_stop "$@" ;;
status) cmd_status "$@" ;;
logs) cmd_logs "$@" ;;
reset) cmd_reset ;;
*) usage ;;
esac
