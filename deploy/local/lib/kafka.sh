# shellcheck shell=bash
# Apache Kafka, one KRaft node acting as broker and controller, run straight
# from the Maven Central jars listed in deploy/local/kafka/pom.xml.

KAFKA_POM="$ROOT/deploy/local/kafka/pom.xml"
KAFKA_VERSION=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$KAFKA_POM")
KAFKA_LIBS="$CACHE_DIR/kafka-$KAFKA_VERSION/libs"
KAFKA_DIR="$VIGIL_HOME/kafka"
KAFKA_HEAP=${KAFKA_HEAP:-1g}

kafka_address() { echo "$HOST:$KAFKA_PORT"; }
kafka_requires() { printf '%s\n' java:openjdk-17-jre-headless mvn:maven; }

# Downloads the broker's jars once; later runs use the cache.
kafka_fetch() {
  [[ -f "$KAFKA_LIBS/.complete" ]] && return 0
  log "kafka: fetching Apache Kafka $KAFKA_VERSION jars from Maven Central (once)"
  rm -rf "$KAFKA_LIBS"
  mvn -q -B -f "$KAFKA_POM" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$KAFKA_LIBS" >"$LOG_DIR/kafka-fetch.log" 2>&1 ||
    die "kafka: mvn dependency:copy-dependencies failed (see $LOG_DIR/kafka-fetch.log)"
  [[ -f "$KAFKA_LIBS/kafka_2.13-$KAFKA_VERSION.jar" ]] || die "kafka: kafka_2.13-$KAFKA_VERSION.jar missing after download"
  touch "$KAFKA_LIBS/.complete"
}

kafka_write_config() {
  mkdir -p "$KAFKA_DIR/data"
  cat >"$KAFKA_DIR/server.properties" <<EOF
# Written by deploy/local/stack.sh on every start; edit the script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=$HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$KAFKA_DIR/data
# One node: every internal topic has a single replica.
num.partitions=4
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# Consumers of a new group start at once instead of waiting 3 s for peers.
group.initial.rebalance.delay.ms=0
# Topics are created explicitly by create-topics.ts; auto-creation stays on
# only so ad-hoc tools keep working.
auto.create.topics.enable=true
log.retention.hours=168
log.segment.bytes=268435456
EOF
  cat >"$KAFKA_DIR/log4j2.properties" <<EOF
status = warn
appender.file.type = RollingFile
appender.file.name = file
appender.file.fileName = $LOG_DIR/kafka-server.log
appender.file.filePattern = $LOG_DIR/kafka-server.log.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 50MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 3
rootLogger.level = info
rootLogger.appenderRef.file.ref = file
logger.kafka.name = org.apache.kafka
logger.kafka.level = info
logger.controller.name = kafka.controller
logger.controller.level = warn
logger.state.name = state.change.logger
logger.state.level = warn
EOF
}

KAFKA_JVM=(-Xms256m "-Xmx$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true
  "-Dlog4j2.configurationFile=$KAFKA_DIR/log4j2.properties" -cp "$KAFKA_LIBS/*")

# Formats the storage once (a new cluster id), as a standalone dynamic quorum.
kafka_format() {
  [[ -f "$KAFKA_DIR/data/meta.properties" ]] && return 0
  local cluster_id
  cluster_id=$(java "${KAFKA_JVM[@]}" kafka.tools.StorageTool random-uuid 2>>"$LOG_DIR/kafka.log" | tail -n 1)
  [[ -n $cluster_id ]] || die "kafka: StorageTool random-uuid printed no cluster id (see $LOG_DIR/kafka.log)"
  java "${KAFKA_JVM[@]}" kafka.tools.StorageTool format --standalone --cluster-id "$cluster_id" \
    --config "$KAFKA_DIR/server.properties" >>"$LOG_DIR/kafka.log" 2>&1 ||
    die "kafka: formatting the storage failed (see $LOG_DIR/kafka.log)"
}

# True when the broker answers a Kafka ApiVersions request (not just a TCP
# accept): correlation id 1 must come back in the response header.
kafka_healthy() {
  port_open "$KAFKA_PORT" || return 1
  # size=12 | api_key=18 (ApiVersions) | version=0 | correlation_id=1 | client_id="hc"
  timeout 3 bash -c "
    exec 3<>/dev/tcp/$HOST/$KAFKA_PORT
    printf '\\x00\\x00\\x00\\x0c\\x00\\x12\\x00\\x00\\x00\\x00\\x00\\x01\\x00\\x02hc' >&3
    head -c 8 <&3 | od -An -tx1 | tr -d ' \\n'
  " 2>/dev/null | grep -Eq '^[0-9a-f]{8}00000001$'
}

kafka_launch() {
  kafka_fetch
  claim_port kafka "$KAFKA_PORT"
  claim_port kafka "$KAFKA_CONTROLLER_PORT"
  kafka_write_config
  kafka_format
  launch kafka java "${KAFKA_JVM[@]}" kafka.Kafka "$KAFKA_DIR/server.properties"
}

kafka_wait() { wait_until kafka 90 kafka_healthy; }

kafka_stop() { stop_recorded kafka 30; }
