# shellcheck shell=bash
# Prometheus from the Debian package, with the project's config
# (deploy/prometheus/prometheus.yml, rules in alerts.yml beside it).

PROM_CONFIG="$ROOT/deploy/prometheus/prometheus.yml"
PROM_DIR="$VIGIL_HOME/prometheus"

prometheus_address() { echo "$HOST:$PROMETHEUS_PORT"; }
prometheus_requires() { printf '%s\n' prometheus:prometheus promtool:prometheus; }

prometheus_healthy() { http_ok "http://$HOST:$PROMETHEUS_PORT/-/ready"; }

prometheus_launch() {
  claim_port prometheus "$PROMETHEUS_PORT"
  promtool check config "$PROM_CONFIG" >"$LOG_DIR/promtool.log" 2>&1 ||
    die "prometheus: $PROM_CONFIG is invalid: $(tail -n 3 "$LOG_DIR/promtool.log")"
  mkdir -p "$PROM_DIR/data"
  # --web.enable-lifecycle: `curl -X POST :9090/-/reload` picks up config edits.
  launch prometheus prometheus \
    "--config.file=$PROM_CONFIG" \
    "--storage.tsdb.path=$PROM_DIR/data" \
    --storage.tsdb.retention.time=15d \
    "--web.listen-address=$HOST:$PROMETHEUS_PORT" \
    --web.enable-lifecycle
}

prometheus_wait() { wait_until prometheus 60 prometheus_healthy; }

prometheus_stop() { stop_recorded prometheus 20; }
