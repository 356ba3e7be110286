# shellcheck shell=bash
# Redis from the Debian package, with its own config and directory. Feature
# windows, dedup keys and incident state are rebuilt from Kafka, so no
# persistence: nothing is written to disk.

REDIS_DIR="$VIGIL_HOME/redis"

redis_address() { echo "$HOST:$REDIS_PORT"; }
redis_requires() { printf '%s\n' redis-server:redis-server redis-cli:redis-tools; }

redis_healthy() {
  [[ $(redis-cli -h "$HOST" -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]]
}

redis_launch() {
  claim_port redis "$REDIS_PORT"
  mkdir -p "$REDIS_DIR"
  cat >"$REDIS_DIR/redis.conf" <<EOF
# Written by deploy/local/stack.sh on every start.
bind $HOST
port $REDIS_PORT
protected-mode yes
dir $REDIS_DIR
save ""
appendonly no
maxmemory 512mb
maxmemory-policy noeviction
daemonize no
EOF
  launch redis redis-server "$REDIS_DIR/redis.conf"
}

redis_wait() { wait_until redis 20 redis_healthy; }

redis_stop() { stop_recorded redis 10; }
