# shellcheck shell=bash
# Helpers shared by the component files. Sourced by stack.sh, which sets
# ROOT, VIGIL_HOME, RUN_DIR, LOG_DIR, CACHE_DIR and sources ports.env first.

HOST=127.0.0.1

log() { printf '%s\n' "$*" >&2; }
die() {
  printf 'stack: %s\n' "$*" >&2
  exit 1
}

is_root() { [[ $(id -u) -eq 0 ]]; }

# True when something accepts TCP connections on HOST:$1.
port_open() {
  timeout 1 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null
}

# "pid/name" of whatever listens on HOST:$1, for error messages.
port_holder() {
  local line
  line=$(ss -Hltnp "sport = :$1" 2>/dev/null | head -n 1)
  if [[ -z $line ]]; then
    echo "unknown process"
  else
    sed -n 's/.*users:((\("[^"]*",pid=[0-9]*\).*/\1/p' <<<"$line" | tr -d '"' | sed 's/,pid=/ pid /'
  fi
}

pid_file() { echo "$RUN_DIR/$1.pid"; }

# The pid recorded for component $1 if that process is alive, else nothing.
# A zombie (dead, not yet reaped) counts as dead.
live_pid() {
  local file pid state
  file=$(pid_file "$1")
  [[ -f $file ]] || return 1
  pid=$(tr -dc '0-9' <"$file")
  [[ -n $pid ]] || return 1
  state=$(ps -o stat= -p "$pid" 2>/dev/null) || return 1
  [[ -n $state && $state != Z* ]] || return 1
  echo "$pid"
}

# Starts "$@" detached from this shell (own session, so closing the terminal
# or the calling job does not stop it), output to the component's log file.
launch() {
  local name=$1
  shift
  setsid nohup "$@" >>"$LOG_DIR/$name.log" 2>&1 </dev/null &
  echo $! >"$(pid_file "$name")"
}

# Refuses to start component $1 on port $2 when a process that stack.sh did
# not start already listens there: using a foreign server (say the distro's
# own PostgreSQL cluster) would silently give the wrong data and settings.
claim_port() {
  if port_open "$2"; then
    die "$1: port $HOST:$2 is already taken by $(port_holder "$2"), which stack.sh did not start; stop it first"
  fi
}

# wait_until NAME SECONDS CHECK...: polls CHECK until it succeeds; on timeout
# or when the component's process dies, prints the end of its log and fails.
wait_until() {
  local name=$1 seconds=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    if ! live_pid "$name" >/dev/null; then
      log "---- last lines of $LOG_DIR/$name.log ----"
      tail -n 30 "$LOG_DIR/$name.log" >&2 || true
      die "$name: the process exited before it became healthy (log: $LOG_DIR/$name.log)"
    fi
    if ((SECONDS >= deadline)); then
      log "---- last lines of $LOG_DIR/$name.log ----"
      tail -n 30 "$LOG_DIR/$name.log" >&2 || true
      die "$name: not healthy after ${seconds}s (log: $LOG_DIR/$name.log)"
    fi
    sleep 0.5
  done
}

# Stops the recorded process of component $1: SIGTERM, then SIGKILL after $2 s.
# launch() made it a session leader, so the signal goes to its whole process
# group (MLflow's server runs its workers as child processes).
stop_recorded() {
  local name=$1 grace=${2:-20} pid target
  if ! pid=$(live_pid "$name"); then
    rm -f "$(pid_file "$name")"
    return 0
  fi
  target=$pid
  if [[ $(ps -o pgid= -p "$pid" | tr -d ' ') == "$pid" ]]; then target=-$pid; fi
  kill -TERM -- "$target" 2>/dev/null || true
  local deadline=$((SECONDS + grace))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      log "$name: still running after ${grace}s, sending SIGKILL"
      kill -KILL -- "$target" 2>/dev/null || true
      break
    fi
    sleep 0.3
  done
  rm -f "$(pid_file "$name")"
}

http_ok() {
  curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null
}

# ---- packages -------------------------------------------------------------

# require_commands "cmd:debian-package [package...]" ...: installs the packages of missing
# commands with apt-get when root; otherwise names them and fails.
APT_UPDATED=0
require_commands() {
  local missing_pkgs=() missing_cmds=() spec cmd pkgs
  for spec in "$@"; do
    cmd=${spec%%:*}
    read -ra pkgs <<<"${spec#*:}"
    if ! command -v "$cmd" >/dev/null 2>&1; then
      missing_cmds+=("$cmd")
      missing_pkgs+=("${pkgs[@]}")
    fi
  done
  ((${#missing_pkgs[@]} == 0)) && return 0
  if ! is_root; then
    die "missing ${missing_cmds[*]}; install them with: sudo apt-get install -y ${missing_pkgs[*]}"
  fi
  log "installing ${missing_pkgs[*]} (for ${missing_cmds[*]}) with apt-get"
  if ((APT_UPDATED == 0)); then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq || die "apt-get update failed"
    APT_UPDATED=1
  fi
  # policy-rc.d keeps the packages' own services (a PostgreSQL cluster on
  # 5432, redis on 6379, prometheus on 9090) from starting on our ports.
  local policy=/usr/sbin/policy-rc.d created_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1
  fi
  local rc=0
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing_pkgs[@]}" >&2 || rc=$?
  ((created_policy == 1)) && rm -f "$policy"
  ((rc == 0)) || die "apt-get install ${missing_pkgs[*]} failed"
}
