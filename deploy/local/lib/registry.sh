# shellcheck shell=bash
# Apicurio Registry (Confluent-compatible API under /apis/ccompat/v7) from
# the Maven Central release in deploy/local/registry/pom.xml. Storage: an H2
# database file under .vigil rather than the default in-memory H2, so that
# schema ids survive a restart like the Kafka records that carry them (with
# in-memory storage a restarted registry forgets the ids of every Avro record
# already in Kafka, and consumers dead-letter them as unknown schemas).

REGISTRY_POM="$ROOT/deploy/local/registry/pom.xml"
REGISTRY_VERSION=$(sed -n 's:.*<apicurio.version>\(.*\)</apicurio.version>.*:\1:p' "$REGISTRY_POM")
REGISTRY_HOME="$CACHE_DIR/apicurio-registry-$REGISTRY_VERSION"
REGISTRY_HEAP=${REGISTRY_HEAP:-512m}
REGISTRY_DATA="$VIGIL_HOME/registry"

registry_address() { echo "$HOST:$SCHEMA_REGISTRY_PORT"; }
registry_requires() { printf '%s\n' java:openjdk-17-jre-headless mvn:maven; }

registry_healthy() { http_ok "http://$HOST:$SCHEMA_REGISTRY_PORT/apis/ccompat/v7/subjects"; }

registry_fetch() {
  [[ -f "$REGISTRY_HOME/.complete" ]] && return 0
  log "registry: fetching Apicurio Registry $REGISTRY_VERSION from Maven Central (once)"
  rm -rf "$REGISTRY_HOME"
  mvn -q -B -f "$REGISTRY_POM" dependency:unpack \
    "-DoutputDirectory=$REGISTRY_HOME" "-Dvigil.markers=$REGISTRY_HOME/.markers" >"$LOG_DIR/registry-fetch.log" 2>&1 ||
    die "registry: mvn dependency:unpack failed (see $LOG_DIR/registry-fetch.log)"
  touch "$REGISTRY_HOME/.complete"
}

# The application jar: quarkus-app/quarkus-run.jar (fast-jar layout) or the
# *-runner.jar beside lib/ (the layout of the 3.0.x `all` zip).
registry_jar() {
  local jar
  for jar in "$REGISTRY_HOME/quarkus-app/quarkus-run.jar" "$REGISTRY_HOME/quarkus-run.jar" "$REGISTRY_HOME"/*-runner.jar; do
    if [[ -f $jar ]]; then
      echo "$jar"
      return 0
    fi
  done
  die "registry: no quarkus-run.jar or *-runner.jar in $REGISTRY_HOME"
}

registry_launch() {
  registry_fetch
  claim_port registry "$SCHEMA_REGISTRY_PORT"
  local jar
  jar=$(registry_jar)
  # Environment, not -D flags, so docker-compose.yml sets the same names.
  # BACKWARD is the global compatibility rule, as in Confluent's registry.
  mkdir -p "$REGISTRY_DATA"
  cd "$REGISTRY_HOME" || die "registry: cannot enter $REGISTRY_HOME"
  launch registry env QUARKUS_HTTP_HOST="$HOST" QUARKUS_HTTP_PORT="$SCHEMA_REGISTRY_PORT" \
    APICURIO_RULES_GLOBAL_COMPATIBILITY=BACKWARD \
    APICURIO_DATASOURCE_URL="jdbc:h2:file:$REGISTRY_DATA/registry" \
    java -Xms128m "-Xmx$REGISTRY_HEAP" -XX:+UseSerialGC -jar "$jar"
}

registry_wait() { wait_until registry 120 registry_healthy; }

registry_stop() { stop_recorded registry 20; }
