#!/usr/bin/env bash
# Runs Vigil's own services on this machine, beside the local stack:
#   services.sh start [name...]    start what is not running; wait until /readyz answers 200
#   services.sh stop [name...]     SIGTERM (graceful: commit what was processed), then wait
#   services.sh status [name...]   one line per service; exit 0 only if all are ready
# Logs: .vigil/logs/<name>.log; pids: .vigil/run/<name>.pid; ports: deploy/local/ports.env.
# The control service gets a bootstrap token in .vigil/control-bootstrap-token (made once, mode 600),
# which `./vigil ctl bootstrap NAME --save` uses to create the first administrator.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$ROOT/deploy/local/ports.env"
RUN="$ROOT/.vigil/run"; LOGS="$ROOT/.vigil/logs"
mkdir -p "$RUN" "$LOGS"
ALL=(ingest enrichment scoring incident sink feedback control)

# The stages serve /readyz on their metrics port; the control service on its API port.
port_of() {
  local var; var="$(echo "$1" | tr '[:lower:]' '[:upper:]')_METRICS_PORT"
  [ "$1" = control ] && var=CONTROL_PORT
  echo "${!var}"
}
BOOTSTRAP_TOKEN_FILE="$ROOT/.vigil/control-bootstrap-token"
bootstrap_token() {
  [ -s "$BOOTSTRAP_TOKEN_FILE" ] && return 0
  (umask 077; head -c 48 /dev/urandom | base64 | tr -d '=+/\n' >"$BOOTSTRAP_TOKEN_FILE")
}
pid_of() { local f="$RUN/$1.pid"; [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && cat "$f"; }
ready() { curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$(port_of "$1")/readyz" 2>/dev/null; }
present() { [ -f "$ROOT/services/$1/src/main.ts" ]; }

selected() {
  if [ $# -eq 0 ]; then for s in "${ALL[@]}"; do present "$s" && echo "$s"; done; return; fi
  for s in "$@"; do present "$s" || die "no service named '$s' (services/$s/src/main.ts)"; echo "$s"; done
}

start() {
  local name=$1
  if pid_of "$name" >/dev/null; then return 0; fi
  say "starting $name (log: .vigil/logs/$name.log)"
  # A simple command in the background, so $! is node itself and stop signals the service, not a shell.
  cd "$ROOT"
  if [ "$name" = control ]; then bootstrap_token; export CONTROL_BOOTSTRAP_TOKEN_FILE="$BOOTSTRAP_TOKEN_FILE"; fi
  nohup node --import tsx "services/$name/src/main.ts" >>"$LOGS/$name.log" 2>&1 &
  echo $! >"$RUN/$name.pid"
}

wait_ready() {
  local name=$1 deadline=$((SECONDS + ${VIGIL_SERVICE_START_TIMEOUT:-90}))
  until ready "$name"; do
    pid_of "$name" >/dev/null || { tail -n 30 "$LOGS/$name.log" >&2; die "$name exited while starting (see .vigil/logs/$name.log)"; }
    [ $SECONDS -lt $deadline ] || { tail -n 30 "$LOGS/$name.log" >&2; die "$name is not ready after ${VIGIL_SERVICE_START_TIMEOUT:-90}s"; }
    sleep 0.5
  done
}

stop() {
  local name=$1 pid
  pid=$(pid_of "$name") || { rm -f "$RUN/$name.pid"; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then say "$name did not stop in 30 s; killing"; kill -KILL "$pid" 2>/dev/null || true; fi
  rm -f "$RUN/$name.pid"
}

cmd=${1:-status}; shift || true
mapfile -t names < <(selected "$@")
case "$cmd" in
  start)
    for n in "${names[@]}"; do start "$n"; done
    for n in "${names[@]}"; do wait_ready "$n"; done
    say "services ready: ${names[*]}" ;;
  stop)
    for ((i = ${#names[@]} - 1; i >= 0; i--)); do stop "${names[$i]}"; done ;;
  status)
    ok=0
    printf '%-11s %-22s %s\n' SERVICE PORT STATE
    for n in "${names[@]}"; do
      if pid=$(pid_of "$n"); then
        if ready "$n"; then state="ready (pid $pid)"; else state="not ready (pid $pid)"; ok=1; fi
      else state="down"; ok=1; fi
      printf '%-11s %-22s %s\n' "$n" "127.0.0.1:$(port_of "$n")" "$state"
    done
    exit $ok ;;
  *) die "usage: services.sh start|stop|status [name...]" ;;
esac
