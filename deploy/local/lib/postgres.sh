# shellcheck shell=bash
# PostgreSQL from the Debian package, as a private cluster under .vigil (not
# the distro's cluster), with the role and database `vigil` (password vigil).
# PostgreSQL refuses to run as root, so as root it runs as the `postgres` OS
# user, which then owns its directories.

PG_DIR="$VIGIL_HOME/postgres"
PG_DATA="$PG_DIR/data"
PG_LOG="$LOG_DIR/postgres.log"

postgres_address() { echo "$HOST:$POSTGRES_PORT"; }

# The newest installed server's bin directory.
pg_bin() {
  local newest
  newest=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  [[ -x "$newest/initdb" ]] || die "postgres: no PostgreSQL server found under /usr/lib/postgresql (apt-get install postgresql)"
  echo "$newest"
}

postgres_requires() {
  printf '%s\n' psql:postgresql-client pg_isready:postgresql-client
  if ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then echo initdb:postgresql; fi
}

# The Unix socket directory: private, under .vigil unless that path is too
# long for a socket name (108 bytes), then under /tmp.
pg_socket_dir() {
  local dir="$RUN_DIR/postgres"
  if ((${#dir} > 80)); then dir="/tmp/vigil-pg-$(printf '%s' "$VIGIL_HOME" | md5sum | cut -c1-12)"; fi
  echo "$dir"
}

# Runs a command as the server's OS user.
as_pg_user() {
  if is_root; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_prepare_dirs() {
  local socket_dir
  socket_dir=$(pg_socket_dir)
  mkdir -p "$PG_DIR" "$socket_dir"
  touch "$PG_LOG"
  if is_root; then
    id postgres >/dev/null 2>&1 || die "postgres: running as root needs the OS user 'postgres' (created by the postgresql package)"
    chown postgres: "$PG_DIR" "$socket_dir" "$PG_LOG"
  fi
  chmod 700 "$PG_DIR" "$socket_dir"
}

# Accepting connections (what start waits for before creating the role).
postgres_ready() {
  pg_isready -q -h "$HOST" -p "$POSTGRES_PORT" -t 2 >/dev/null 2>&1
}

# Usable by Vigil: vigil/vigil logs in to the database vigil over TCP. A
# server that only answers pg_isready (the distro's own cluster) is not.
postgres_healthy() {
  postgres_ready &&
    PGPASSWORD=vigil PGCONNECT_TIMEOUT=2 psql -X -q -At -h "$HOST" -p "$POSTGRES_PORT" -U vigil -d vigil \
      -c 'select 1' >/dev/null 2>&1
}

postgres_launch() {
  claim_port postgres "$POSTGRES_PORT"
  local bin socket_dir
  bin=$(pg_bin)
  socket_dir=$(pg_socket_dir)
  pg_prepare_dirs
  if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
    # Local socket connections are trusted (the socket directory is private
    # to the server's user); TCP needs a password.
    as_pg_user "$bin/initdb" -D "$PG_DATA" -U postgres -E UTF8 --no-locale \
      --auth-local=trust --auth-host=scram-sha-256 >>"$PG_LOG" 2>&1 ||
      die "postgres: initdb failed (see $PG_LOG)"
  fi
  as_pg_user "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 start -o \
    "-c listen_addresses=$HOST -p $POSTGRES_PORT -k $socket_dir -c max_connections=200 -c shared_buffers=128MB" \
    >/dev/null 2>>"$LOG_DIR/postgres-ctl.log" || die "postgres: pg_ctl start failed (see $PG_LOG and $LOG_DIR/postgres-ctl.log)"
  head -n 1 "$PG_DATA/postmaster.pid" >"$(pid_file postgres)"
}

# Waits for the server, then creates the role and database if missing.
postgres_wait() {
  wait_until postgres 60 postgres_ready
  local socket_dir
  socket_dir=$(pg_socket_dir)
  as_pg_user psql -q -X -v ON_ERROR_STOP=1 -h "$socket_dir" -p "$POSTGRES_PORT" -U postgres -d postgres >/dev/null <<'SQL' ||
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'vigil') THEN
    CREATE ROLE vigil LOGIN PASSWORD 'vigil' CREATEDB;
  END IF;
END
$$;
SELECT 'CREATE DATABASE vigil OWNER vigil' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'vigil')\gexec
SQL
    die "postgres: creating the role and database vigil failed"
  postgres_healthy || die "postgres: vigil/vigil cannot log in to the database vigil over TCP"
}

postgres_stop() {
  if [[ -f "$PG_DATA/postmaster.pid" ]] && live_pid postgres >/dev/null; then
    as_pg_user "$(pg_bin)/pg_ctl" -D "$PG_DATA" -m fast -w -t 30 stop >/dev/null 2>>"$LOG_DIR/postgres-ctl.log" ||
      stop_recorded postgres 10
  fi
  rm -f "$(pid_file postgres)"
}
