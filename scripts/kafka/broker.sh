#!/usr/bin/env bash
# Local Apache Kafka (KRaft) for replog: one node by default, or a cluster of N brokers with a
# quorum of three dedicated controllers, each node its own JVM and data dir. Jars come from
# Maven Central via `mvn` (see pom.xml next to this script); no Docker, no other downloads.
#
# Usage: scripts/kafka/broker.sh <command> [node]
#
#   install          resolve the jars into .replog/kafka/libs (skipped when the marker says this
#                    pom.xml is already installed)
#   start [node]     install if needed, format storage once, start every node (or the one named)
#                    in the background and wait until it answers (reuses nodes already running)
#   stop [node]      SIGTERM, wait up to KAFKA_STOP_TIMEOUT s, then SIGKILL (idempotent); a whole
#                    cluster stops its brokers first, then its controllers
#   status [node]    one line per node (running / not running); exit 0 when all named run
#   kill [node]      SIGKILL immediately (fault tests)
#   pause <node>     SIGSTOP: the JVM stays alive but answers nothing (a zombie, for fault tests)
#   resume <node>    SIGCONT after pause
#   controller       print the node leading the controller quorum (from its quorum-state file)
#   brokers          print the bootstrap list (host:port,host:port,...)
#   nodes            print the node names (1..N, then c1 c2 c3 for a cluster)
#   reset            stop, then delete the data dirs
#   logs [node] [n]  print a node's log file path and its last n lines
#
# Nodes: with KAFKA_NODES=1 (the default) node 1 is a single JVM that is broker and controller,
# with the broker on KAFKA_PORT and the controller on KAFKA_PORT+1. With KAFKA_NODES=N>1, nodes
# 1..N are brokers (node.id 1..N) and c1, c2, c3 are controllers (node.id 101..103), as MSK and
# Confluent run KRaft: losing brokers never costs the metadata quorum. Ports derive from the
# base port P = KAFKA_PORT: broker i listens on P+2(i-1), controller ci on P+2(i-1)+1, so a
# 3-broker cluster on 9700 uses 9700-9705 (brokers 9700, 9702, 9704).
#
# Environment:
#   KAFKA_PORT             base port (default 9092)
#   KAFKA_NODES            brokers: 1 (default) .. 9
#   KAFKA_CONTROLLER_PORT  single node only: KRaft controller port (default KAFKA_PORT+1)
#   KAFKA_START_TIMEOUT    seconds to wait for the nodes to answer (default 60; 120 for a cluster)
#   KAFKA_STOP_TIMEOUT     seconds to wait after SIGTERM (default 30)
#   KAFKA_HEAP_OPTS        single node default -Xms256m -Xmx512m; cluster brokers -Xms128m -Xmx384m
#   KAFKA_CONTROLLER_HEAP_OPTS  cluster controllers, default -Xms64m -Xmx128m
#   KAFKA_JVM_OPTS         default: see DEFAULT_JVM_OPTS below
#   KAFKA_CDS              1 (default): keep an AppCDS class archive to cut JVM start time by
#                          ~2 s; 0 disables it
#   KAFKA_EXTRA_PROPERTIES extra server.properties lines for brokers (newline separated),
#                          appended last so they override the defaults
#   JAVA, MVN              java / mvn executables (default: from PATH)
#
# Files (under <repo>/.replog/kafka; <key> is the port for a single node, <P>-n<N>-broker<i> or
# <P>-n<N>-controller<i> for a cluster node):
#   libs/                    classpath; libs/.installed = sha256 of pom.xml
#   data-<key>/              KRaft metadata + topic data (formatted once)
#   broker-<key>.pid         pid of the running node
#   broker-<key>.log         node log (log4j2, INFO); previous runs in .log.1..5
#   broker-<key>.out         JVM stdout/stderr (normally empty)
#   server-<key>.properties, log4j2-<key>.properties  generated each start
#   cluster-<P>-n<N>.id      a cluster's id, shared by all its nodes
#   cds-<hash>.jsa           AppCDS archive, written by the first clean stop
set -euo pipefail

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_ROOT="$(cd -- "$SCRIPT_DIR/../.." && pwd -P)"
POM="$SCRIPT_DIR/pom.xml"
STATE_DIR="$REPO_ROOT/.replog/kafka"
LIBS_DIR="$STATE_DIR/libs"
MARKER="$LIBS_DIR/.installed"

BASE="${KAFKA_PORT:-9092}"
case "$BASE" in '' | *[!0-9]*) echo "broker.sh: KAFKA_PORT must be a number, got '$BASE'" >&2; exit 2 ;; esac
NODES="${KAFKA_NODES:-1}"
case "$NODES" in [1-9]) ;; *) echo "broker.sh: KAFKA_NODES must be 1..9, got '$NODES'" >&2; exit 2 ;; esac
CONTROLLERS=3
if [ "$NODES" = 1 ]; then
  SINGLE_CTRL_PORT="${KAFKA_CONTROLLER_PORT:-$((BASE + 1))}"
  case "$SINGLE_CTRL_PORT" in '' | *[!0-9]*) echo "broker.sh: KAFKA_CONTROLLER_PORT must be a number, got '$SINGLE_CTRL_PORT'" >&2; exit 2 ;; esac
  if [ "$SINGLE_CTRL_PORT" = "$BASE" ]; then
    echo "broker.sh: KAFKA_CONTROLLER_PORT must differ from KAFKA_PORT ($BASE)" >&2
    exit 2
  fi
  LABEL="$BASE"
  DEFAULT_START_TIMEOUT=60
else
  LABEL="$BASE x$NODES"
  DEFAULT_START_TIMEOUT=120
fi
HOST=127.0.0.1
START_TIMEOUT="${KAFKA_START_TIMEOUT:-$DEFAULT_START_TIMEOUT}"
STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"
# The cluster's durable defaults: what replog asks of its own topics too (RF = min(3, brokers),
# min.insync.replicas = 2 once there are two copies).
CLUSTER_RF=$((NODES < 3 ? NODES : 3))
CLUSTER_MIN_ISR=$((CLUSTER_RF >= 2 ? 2 : 1))
CLUSTER_ID_FILE="$STATE_DIR/cluster-$BASE-n$NODES.id"
INSTALL_LOCK="$STATE_DIR/install.lock"

JAVA="${JAVA:-java}"
MVN="${MVN:-mvn}"
if [ "$NODES" = 1 ]; then
  BROKER_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
else
  BROKER_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms128m -Xmx384m}"
fi
CONTROLLER_HEAP_OPTS="${KAFKA_CONTROLLER_HEAP_OPTS:--Xms64m -Xmx128m}"
# Tuned for short-lived test brokers on a 2-core box:
# - serial GC: no concurrent GC threads competing with the broker; with a
#   young gen of a few tens of MB its pauses stay in the low milliseconds.
# - C1 only (TieredStopAtLevel=1): starts ~1.5 s faster, and for test-sized
#   workloads the broker burned ~40% less CPU in total (no C2 compiles) at the
#   same kafkajs throughput (the node client is the bottleneck). For a long
#   broker-bound benchmark set KAFKA_JVM_OPTS without it.
DEFAULT_JVM_OPTS="-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true"
JVM_OPTS="${KAFKA_JVM_OPTS:-$DEFAULT_JVM_OPTS}"
CDS="${KAFKA_CDS:-1}"

log() { printf 'broker.sh[%s]: %s\n' "$LABEL" "$*"; }
err() { printf 'broker.sh[%s]: %s\n' "$LABEL" "$*" >&2; }

now_ms() { date +%s%3N; }
elapsed() { # start_ms -> "12.3"
  local d=$(($(now_ms) - $1))
  printf '%d.%d' $((d / 1000)) $(((d % 1000) / 100))
}

# --- nodes -----------------------------------------------------------------

all_nodes() {
  local i
  if [ "$NODES" = 1 ]; then echo 1; return; fi
  for ((i = 1; i <= CONTROLLERS; i++)); do echo "c$i"; done
  for ((i = 1; i <= NODES; i++)); do echo "$i"; done
}
broker_nodes() { local i; for ((i = 1; i <= NODES; i++)); do echo "$i"; done; }
controller_nodes() { local i; [ "$NODES" = 1 ] && return; for ((i = 1; i <= CONTROLLERS; i++)); do echo "c$i"; done; }

valid_node() { # name -> 0 if it is a node of this layout
  local n
  for n in $(all_nodes); do [ "$n" = "$1" ] && return 0; done
  return 1
}

voters() {
  local i out=""
  if [ "$NODES" = 1 ]; then echo "1@$HOST:$SINGLE_CTRL_PORT"; return; fi
  for ((i = 1; i <= CONTROLLERS; i++)); do out+="${out:+,}$((100 + i))@$HOST:$((BASE + 2 * (i - 1) + 1))"; done
  echo "$out"
}

bootstrap_list() {
  local i out=""
  for ((i = 1; i <= NODES; i++)); do out+="${out:+,}$HOST:$((BASE + 2 * (i - 1)))"; done
  echo "$out"
}

# Sets the per-node globals: ROLE (combined|broker|controller), NODE_ID, LPORT (the port that
# node listens on for its role), KEY and the node's files.
select_node() {
  NODE="$1"
  if [ "$NODES" = 1 ]; then
    ROLE=combined NODE_ID=1 LPORT="$BASE" CPORT="$SINGLE_CTRL_PORT" KEY="$BASE" HEAP_OPTS="$BROKER_HEAP_OPTS"
  elif [[ "$NODE" == c* ]]; then
    local i="${NODE#c}"
    ROLE=controller NODE_ID=$((100 + i)) LPORT=$((BASE + 2 * (i - 1) + 1)) CPORT="$LPORT"
    KEY="$BASE-n$NODES-controller$i" HEAP_OPTS="$CONTROLLER_HEAP_OPTS"
  else
    ROLE=broker NODE_ID="$NODE" LPORT=$((BASE + 2 * (NODE - 1))) CPORT=""
    KEY="$BASE-n$NODES-broker$NODE" HEAP_OPTS="$BROKER_HEAP_OPTS"
  fi
  DATA_DIR="$STATE_DIR/data-$KEY"
  PID_FILE="$STATE_DIR/broker-$KEY.pid"
  LOG_FILE="$STATE_DIR/broker-$KEY.log"
  OUT_FILE="$STATE_DIR/broker-$KEY.out"
  PROPS_FILE="$STATE_DIR/server-$KEY.properties"
  LOG4J_FILE="$STATE_DIR/log4j2-$KEY.properties"
}

describe_node() { # for messages
  case "$ROLE" in
    combined) echo "broker on $HOST:$LPORT (controller $CPORT)" ;;
    broker) echo "broker $NODE (node.id $NODE_ID) on $HOST:$LPORT" ;;
    controller) echo "controller $NODE (node.id $NODE_ID) on $HOST:$LPORT" ;;
  esac
}

# --- probes ----------------------------------------------------------------

# Something accepts TCP connections on 127.0.0.1:$1.
port_open() {
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$HOST" "$1" 2>/dev/null
}

# A Kafka broker answers on 127.0.0.1:$1: send an ApiVersions v0 request
# (api_key 18, correlation id "repl", client id "replog") and expect a
# response with our correlation id and error_code 0.
kafka_answers() {
  local hex
  hex="$(timeout 3 bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    printf "\x00\x00\x00\x10\x00\x12\x00\x00repl\x00\x06replog" >&3
    head -c 10 <&3 | od -An -tx1 | tr -d " \n"
  ' "$HOST" "$1" 2>/dev/null)" || return 1
  [[ "$hex" =~ ^[0-9a-f]{8}7265706c0000$ ]]
}

# Process $1 is the JVM this script starts for the selected node (no forks: this runs for every
# process in find_pid).
is_our_broker() {
  local -a args
  [ -n "$1" ] || return 1
  mapfile -d '' -t args 2>/dev/null <"/proc/$1/cmdline" || return 1
  [[ "${args[*]}" == *" kafka.Kafka $PROPS_FILE"* ]]
}

# Prints the pid of the selected node (pid file first; if it is missing or stale, look for a JVM
# running kafka.Kafka with exactly its properties file).
find_pid() {
  local pid="" p
  [ -f "$PID_FILE" ] && read -r pid 2>/dev/null <"$PID_FILE"
  if [[ "$pid" =~ ^[0-9]+$ ]] && is_our_broker "$pid"; then echo "$pid"; return 0; fi
  for p in /proc/[0-9]*; do
    p="${p#/proc/}"
    if is_our_broker "$p"; then
      echo "$p" >"$PID_FILE"
      echo "$p"
      return 0
    fi
  done
  rm -f "$PID_FILE"
  return 1
}

# The selected node serves: a broker answers ApiVersions; a controller has started and listens.
node_answers() {
  if [ "$ROLE" = controller ]; then port_open "$LPORT"; else kafka_answers "$LPORT"; fi
}

log_tail() {
  local f
  for f in "$LOG_FILE" "$OUT_FILE"; do
    if [ -s "$f" ]; then
      echo "----- last lines of $f -----" >&2
      tail -n "${1:-40}" "$f" >&2
    fi
  done
}

# --- locking ---------------------------------------------------------------

# Serialise start/stop/kill/reset per base port (a whole cluster). fd 9 must not leak into the
# JVMs (it is closed on the java command line), or the lock would be held for their lifetime.
lock_port() {
  mkdir -p "$STATE_DIR"
  exec 9>"$STATE_DIR/broker-$BASE.lock"
  flock 9
}

# --- install ---------------------------------------------------------------

# --- install ---------------------------------------------------------------

pom_hash() { sha256sum "$POM" | cut -d' ' -f1; }

installed() { [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "$(pom_hash)" ]; }

do_install() {
  mkdir -p "$STATE_DIR"
  if installed; then
    [ "${1:-}" = quiet ] || log "jars already installed in $LIBS_DIR (pom sha256 $(pom_hash | cut -c1-12))"
    return 0
  fi
  # Concurrent `start`s on different ports share the libs dir.
  exec 8>"$INSTALL_LOCK"
  flock 8
  if installed; then exec 8>&-; return 0; fi
  command -v "$MVN" >/dev/null || { err "mvn not found on PATH (set MVN=...)"; exit 1; }
  local t0 tmp mvn_log hash
  t0="$(now_ms)"
  hash="$(pom_hash)"
  tmp="$STATE_DIR/libs.tmp.$$"
  mvn_log="$STATE_DIR/mvn-install.log"
  rm -rf "$tmp"
  log "resolving Kafka jars from Maven Central ($POM) ..."
  if ! (cd "$SCRIPT_DIR" && "$MVN" -B -Dstyle.color=never -f "$POM" \
    dependency:copy-dependencies -DoutputDirectory="$tmp" -DincludeScope=runtime) >"$mvn_log" 2>&1; then
    err "mvn dependency:copy-dependencies failed; last lines of $mvn_log:"
    tail -n 40 "$mvn_log" | sed $'s/\x1b\[[0-9;]*m//g' >&2
    rm -rf "$tmp"
    exit 1
  fi
  if ! ls "$tmp"/kafka_2.13-*.jar >/dev/null 2>&1; then
    err "mvn succeeded but no kafka_2.13 jar in $tmp; last lines of $mvn_log:"
    tail -n 40 "$mvn_log" | sed $'s/\x1b\[[0-9;]*m//g' >&2
    rm -rf "$tmp"
    exit 1
  fi
  echo "$hash" >"$tmp/.installed"
  # Swap in atomically enough: a broker already running keeps its open jars.
  rm -rf "$LIBS_DIR.old"
  [ -d "$LIBS_DIR" ] && mv "$LIBS_DIR" "$LIBS_DIR.old"
  mv "$tmp" "$LIBS_DIR"
  rm -rf "$LIBS_DIR.old"
  exec 8>&-
  log "installed $(find "$LIBS_DIR" -name '*.jar' | wc -l) jars into $LIBS_DIR in $(elapsed "$t0")s"
}


# --- config ----------------------------------------------------------------

write_configs() {
  {
    echo "# Generated by scripts/kafka/broker.sh on every start; edits are overwritten."
    case "$ROLE" in
      combined)
        cat <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=$(voters)
listeners=PLAINTEXT://$HOST:$LPORT,CONTROLLER://$HOST:$CPORT
advertised.listeners=PLAINTEXT://$HOST:$LPORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA_DIR

# Single node: every internal topic has exactly one replica.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
default.replication.factor=1
min.insync.replicas=1
PROPS
        ;;
      broker)
        cat <<PROPS
process.roles=broker
node.id=$NODE_ID
controller.quorum.voters=$(voters)
listeners=PLAINTEXT://$HOST:$LPORT
advertised.listeners=PLAINTEXT://$HOST:$LPORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA_DIR

# A cluster of $NODES brokers: internal and default topics as durable as replog's own
# (replication factor $CLUSTER_RF, min.insync.replicas $CLUSTER_MIN_ISR, no unclean elections).
offsets.topic.replication.factor=$CLUSTER_RF
transaction.state.log.replication.factor=$CLUSTER_RF
transaction.state.log.min.isr=$CLUSTER_MIN_ISR
share.coordinator.state.topic.replication.factor=$CLUSTER_RF
share.coordinator.state.topic.min.isr=$CLUSTER_MIN_ISR
default.replication.factor=$CLUSTER_RF
min.insync.replicas=$CLUSTER_MIN_ISR
unclean.leader.election.enable=false
# A follower that stops fetching leaves the ISR after 10 s instead of 30 s, so a broker that is
# alive but stuck (not fenced by the controller) stops holding acks=all writes for long.
replica.lag.time.max.ms=10000
PROPS
        ;;
      controller)
        cat <<PROPS
process.roles=controller
node.id=$NODE_ID
controller.quorum.voters=$(voters)
listeners=CONTROLLER://$HOST:$LPORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT
log.dirs=$DATA_DIR
PROPS
        ;;
    esac
    cat <<PROPS
group.initial.rebalance.delay.ms=0
# After a SIGKILL (broker.sh kill) the restarted broker cannot register until the controller
# expires the dead incarnation's session: 9 s by default, which made every kill+start take
# ~12 s, and a cluster's partition leaders on a dead broker move only when its session ends.
# Local heartbeats never cross a real network, so a 4 s session is still far above any pause
# we expect.
broker.heartbeat.interval.ms=1000
broker.session.timeout.ms=4000
PROPS
    if [ "$ROLE" != controller ]; then
      cat <<PROPS

# The group coordinator (Kafka 4) holds each offset commit up to 5 ms by default to batch its
# writes to __consumer_offsets. A semi-sync write waits for its follower's commit, so it paid
# those 5 ms every time: one semi-sync client, p50 23.0 -> 15.4 ms with 0 (bench/semi-sync-trace.ts).
group.coordinator.append.linger.ms=0

# Topic defaults for replog: topics are created explicitly (admin API).
auto.create.topics.enable=false
num.partitions=3
delete.topic.enable=true
log.cleaner.enable=true
# Segment / retention / cleaner settings: Kafka defaults.
PROPS
      if [ -n "${KAFKA_EXTRA_PROPERTIES:-}" ]; then
        printf '\n# From KAFKA_EXTRA_PROPERTIES\n%s\n' "$KAFKA_EXTRA_PROPERTIES"
      fi
    fi
  } >"$PROPS_FILE"

  cat >"$LOG4J_FILE" <<EOF2
# Generated by scripts/kafka/broker.sh: the node logs at INFO to one file.
status = warn
name = replog-kafka-$KEY
# File appenders flush every event, so no shutdown hook is needed; with one,
# log4j prints a warning to stdout when a logger is first used during shutdown.
shutdownHook = disable

appender.file.type = RollingFile
appender.file.name = FILE
appender.file.fileName = $LOG_FILE
appender.file.filePattern = $LOG_FILE.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 100MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 5

rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE

# Per-request logging is DEBUG/TRACE noise; keep warnings only (as Kafka does).
logger.request.name = kafka.request.logger
logger.request.level = WARN
EOF2
}

# Keep the previous runs' logs as .1 .. .5 and start every run with a fresh
# file, so the readiness check only sees this run's lines.
rotate_logs() {
  local i
  for i in 4 3 2 1; do
    [ -f "$LOG_FILE.$i" ] && mv -f "$LOG_FILE.$i" "$LOG_FILE.$((i + 1))"
  done
  [ -f "$LOG_FILE" ] && mv -f "$LOG_FILE" "$LOG_FILE.1"
  : >"$OUT_FILE"
}

# Same as `StorageTool random-uuid` (16 random bytes, base64url, no padding, never starting
# with '-') without paying for another JVM start.
random_cluster_id() {
  local cid
  while :; do
    cid="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    [[ "$cid" =~ ^[A-Za-z0-9_][A-Za-z0-9_-]{21}$ ]] && break
  done
  echo "$cid"
}

# Every node of a cluster shares one cluster id: the one a formatted node already has, else the
# saved one, else a new one.
cluster_id() {
  local n cid=""
  if [ "$NODES" = 1 ]; then random_cluster_id; return; fi
  for n in $(all_nodes); do
    select_node "$n"
    if [ -f "$DATA_DIR/meta.properties" ]; then
      cid="$(sed -n 's/^cluster.id=//p' "$DATA_DIR/meta.properties")"
      [ -n "$cid" ] && break
    fi
  done
  [ -z "$cid" ] && [ -s "$CLUSTER_ID_FILE" ] && cid="$(cat "$CLUSTER_ID_FILE")"
  [ -z "$cid" ] && cid="$(random_cluster_id)"
  echo "$cid" >"$CLUSTER_ID_FILE"
  echo "$cid"
}

# Formats the data dir of every node in $@ that has none yet, the JVMs in parallel.
format_storage() {
  local n cid="" pids=() names=() i rc=0 fmt_log
  for n in "$@"; do
    select_node "$n"
    if [ -f "$DATA_DIR/meta.properties" ]; then continue; fi
    [ -n "$cid" ] || cid="$(cluster_id)"
    select_node "$n"
    write_configs
    fmt_log="$STATE_DIR/format-$KEY.log"
    : >"$fmt_log"
    mkdir -p "$DATA_DIR"
    "$JAVA" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "$LIBS_DIR/*" \
      kafka.tools.StorageTool format -t "$cid" -c "$PROPS_FILE" >>"$fmt_log" 2>&1 &
    pids+=("$!")
    names+=("$n")
  done
  for i in "${!pids[@]}"; do
    select_node "${names[$i]}"
    if wait "${pids[$i]}"; then
      log "formatted $DATA_DIR (cluster id $cid)"
    else
      err "formatting $DATA_DIR failed:"
      cat "$STATE_DIR/format-$KEY.log" >&2
      rm -rf "$DATA_DIR"
      rc=1
    fi
  done
  return "$rc"
}

# --- AppCDS ------------------------------------------------------------------
# The first node started without an archive runs with
# -XX:ArchiveClassesAtExit=<archive>.tmp-<key>; the JVM writes it when it
# exits normally (stop => SIGTERM). stop then validates it and renames it into
# place; later starts map it with -XX:SharedArchiveFile (~6 s -> ~4 s).
# A truncated archive makes the JVM die with SIGBUS, hence the validation and
# the retry without the archive in start_nodes. Running nodes mmap the archive:
# only ever replace it by rename or delete it, never rewrite it in place (that
# SIGBUSes them too).

cds_file() { # archive path for the current jars + java + JVM options of the selected node
  local key
  key="$(printf '%s\n' "$(pom_hash)" "$(readlink -f "$(command -v "$JAVA")")" "$HEAP_OPTS $JVM_OPTS" |
    sha256sum | cut -c1-16)"
  echo "$STATE_DIR/cds-$key.jsa"
}

CDS_DUMPING=""
# Sets CDS_ARGS to the JVM options for CDS (empty when disabled).
cds_opts() {
  CDS_ARGS=""
  [ "$CDS" = 1 ] || return 0
  local f
  f="$(cds_file)"
  rm -f "$STATE_DIR"/cds-*.jsa.tmp-"$KEY"
  if [ -s "$f" ]; then
    CDS_ARGS="-XX:SharedArchiveFile=$f -Xlog:cds=off,cds+dynamic=off"
  elif [[ " $CDS_DUMPING " != *" $f "* ]]; then
    # One node per archive dumps it (at its clean exit); the others start without one this time.
    CDS_DUMPING+=" $f"
    CDS_ARGS="-XX:ArchiveClassesAtExit=$f.tmp-$KEY -Xlog:cds=off,cds+dynamic=off"
  fi
}

# After the node exited: move a freshly dumped archive into place if a JVM accepts it.
cds_finish() {
  local tmp final
  for tmp in "$STATE_DIR"/cds-*.jsa.tmp-"$KEY"; do
    [ -e "$tmp" ] || continue
    final="${tmp%.tmp-"$KEY"}"
    if [ -s "$tmp" ] && "$JAVA" -XX:SharedArchiveFile="$tmp" -Xshare:on \
      -XX:ErrorFile="$STATE_DIR/hs_err_cds_check.log" -cp "$LIBS_DIR/*" -version >/dev/null 2>&1; then
      mv -f "$tmp" "$final"
      log "saved class-data-sharing archive $final"
    else
      rm -f "$tmp"
    fi
    rm -f "$STATE_DIR/hs_err_cds_check.log"
  done
}

# --- subcommands -----------------------------------------------------------

# Resolves the node argument: empty = every node, else the one named (1..N, c1..c3).
nodes_for() {
  if [ -z "${1:-}" ] || [ "$1" = all ]; then all_nodes; return; fi
  if ! valid_node "$1"; then
    err "no node '$1' in this layout (nodes: $(all_nodes | tr '\n' ' '))"
    exit 2
  fi
  echo "$1"
}

launch() { # launches the selected node with CDS_ARGS; sets LAUNCHED_PID
  rotate_logs
  # The node runs in its own session (immune to the caller's Ctrl-C / job control and
  # process-group kills) with cwd = state dir, so JVM crash files land there rather than in
  # the caller's cwd.
  # shellcheck disable=SC2086  # option strings are word lists
  LAUNCHED_PID="$(
    cd "$STATE_DIR"
    setsid nohup "$JAVA" $HEAP_OPTS $JVM_OPTS $CDS_ARGS \
      -XX:ErrorFile="$STATE_DIR/hs_err_broker-$KEY-pid%p.log" \
      -Dlog4j2.configurationFile="$LOG4J_FILE" \
      -Dkafka.logs.dir="$STATE_DIR" \
      -cp "$LIBS_DIR/*" kafka.Kafka "$PROPS_FILE" \
      </dev/null >"$OUT_FILE" 2>&1 8>&- 9>&- &
    echo $!
  )"
  echo "$LAUNCHED_PID" >"$PID_FILE"
  log "starting $(describe_node) (pid $LAUNCHED_PID, log $LOG_FILE)"
}

# Waits until every node in the arrays WAIT_NODES/WAIT_PIDS is ready. Returns 0, 1 on timeout,
# 2 if a JVM died (DIED_NODE names it; DIED_EARLY=1 if it died before logging anything).
wait_until_ready() { # t0
  local t0="$1" deadline=$((START_TIMEOUT * 1000 + $(now_ms))) i pending
  DIED_NODE="" DIED_EARLY=0
  local -A ready=()
  while [ "$(now_ms)" -lt "$deadline" ]; do
    pending=0
    for i in "${!WAIT_NODES[@]}"; do
      [ -n "${ready[$i]:-}" ] && continue
      select_node "${WAIT_NODES[$i]}"
      if ! kill -0 "${WAIT_PIDS[$i]}" 2>/dev/null; then
        err "$(describe_node) (pid ${WAIT_PIDS[$i]}) exited during startup"
        DIED_NODE="$NODE"
        [ -s "$LOG_FILE" ] || DIED_EARLY=1
        log_tail 60
        rm -f "$PID_FILE"
        return 2
      fi
      # "Kafka Server started" is logged by KafkaRaftServer once its roles are up (a broker:
      # registered and unfenced, listeners open).
      if grep -q 'Kafka Server started' "$LOG_FILE" 2>/dev/null && node_answers; then
        ready[$i]=1
        log "$(describe_node) ready (pid ${WAIT_PIDS[$i]}) after $(elapsed "$t0")s"
      else
        pending=1
      fi
    done
    [ "$pending" = 0 ] && return 0
    sleep 0.2
  done
  for i in "${!WAIT_NODES[@]}"; do
    [ -n "${ready[$i]:-}" ] && continue
    select_node "${WAIT_NODES[$i]}"
    err "$(describe_node) (pid ${WAIT_PIDS[$i]}) did not answer within ${START_TIMEOUT}s; stopping it"
    log_tail 60
    stop_pid "${WAIT_PIDS[$i]}" >/dev/null 2>&1 || true
  done
  return 1
}

do_start() {
  local t0 pid n todo=() rc
  t0="$(now_ms)"
  lock_port
  do_install quiet
  command -v "$JAVA" >/dev/null || { err "java not found on PATH (set JAVA=...)"; exit 1; }
  WAIT_NODES=() WAIT_PIDS=()
  for n in $(nodes_for "${1:-}"); do
    select_node "$n"
    if pid="$(find_pid)"; then
      if node_answers; then
        log "$(describe_node) already running (pid $pid); reusing it"
      else
        log "$(describe_node) (pid $pid) is running but not answering yet; waiting"
        WAIT_NODES+=("$n") WAIT_PIDS+=("$pid")
      fi
      continue
    fi
    if [ "$ROLE" != controller ] && kafka_answers "$LPORT"; then
      if [ "$NODES" = 1 ]; then
        log "a Kafka broker already answers on $HOST:$LPORT (not started by broker.sh); reusing it"
        continue
      fi
      err "a Kafka broker not started by broker.sh answers on $HOST:$LPORT, where $(describe_node) belongs"
      exit 1
    fi
    if port_open "$LPORT"; then
      err "port $LPORT is in use by something that is not $(describe_node)"
      exit 1
    fi
    if [ "$ROLE" = combined ] && port_open "$CPORT"; then
      err "controller port $CPORT is already in use (set KAFKA_CONTROLLER_PORT)"
      exit 1
    fi
    todo+=("$n")
  done
  if [ "${#todo[@]}" -gt 0 ]; then
    format_storage "${todo[@]}"
    # Controllers first: brokers register with the quorum as soon as they come up.
    for n in "${todo[@]}"; do
      select_node "$n"
      write_configs
      cds_opts
      launch
      WAIT_NODES+=("$n") WAIT_PIDS+=("$LAUNCHED_PID")
    done
  fi
  [ "${#WAIT_NODES[@]}" -gt 0 ] || return 0
  rc=0
  wait_until_ready "$t0" || rc=$?
  if [ "$rc" = 2 ] && [ "$DIED_EARLY" = 1 ]; then
    # A broken class archive kills the JVM before it logs anything.
    select_node "$DIED_NODE"
    cds_opts
    if [[ "$CDS_ARGS" == *SharedArchiveFile* ]]; then
      err "$(describe_node) died before logging while using ${CDS_ARGS%% *}; removing the archive and retrying"
      rm -f "$(cds_file)"
      CDS_ARGS=""
      launch
      local i
      for i in "${!WAIT_NODES[@]}"; do [ "${WAIT_NODES[$i]}" = "$DIED_NODE" ] && WAIT_PIDS[i]="$LAUNCHED_PID"; done
      rc=0
      wait_until_ready "$t0" || rc=$?
    fi
  fi
  if [ "$rc" != 0 ]; then
    # A failed start leaves nothing behind that this start launched.
    for n in "${todo[@]}"; do
      select_node "$n"
      if pid="$(find_pid)"; then stop_pid "$pid" >/dev/null 2>&1 || true; fi
    done
    return 1
  fi
  if [ "${#todo[@]}" -gt 1 ]; then
    log "started ${#todo[@]} nodes in $(elapsed "$t0")s; bootstrap $(bootstrap_list)"
  fi
}

# SIGTERM, wait up to STOP_TIMEOUT, then SIGKILL. Returns when pid is gone.
stop_pid() {
  local pid="$1" t0 deadline
  t0="$(now_ms)"
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((t0 + STOP_TIMEOUT * 1000))
  while kill -0 "$pid" 2>/dev/null && [ "$(now_ms)" -lt "$deadline" ]; do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    err "$(describe_node) (pid $pid) still running after ${STOP_TIMEOUT}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$PID_FILE"
  log "stopped $(describe_node) (pid $pid) in $(elapsed "$t0")s"
  cds_finish
}

# Stops the nodes in $@ in parallel (SIGTERM, then SIGKILL after STOP_TIMEOUT).
stop_nodes() {
  local n pid pids=()
  for n in "$@"; do
    select_node "$n"
    if pid="$(find_pid)"; then
      # A paused JVM cannot act on SIGTERM.
      kill -CONT "$pid" 2>/dev/null || true
      ( stop_pid "$pid" ) &
      pids+=("$!")
    elif [ "$NODES" = 1 ]; then
      log "broker not running"
      if kafka_answers "$LPORT"; then
        log "note: a Kafka broker not started by broker.sh answers on $HOST:$LPORT; left alone"
      fi
    else
      log "$(describe_node) not running"
    fi
  done
  [ "${#pids[@]}" -gt 0 ] && wait "${pids[@]}"
  return 0
}

do_stop() {
  lock_port
  if [ -n "${1:-}" ] && [ "$1" != all ]; then
    stop_nodes "$(nodes_for "$1")"
    return
  fi
  # Brokers first, while the quorum can still take their controlled shutdown; then controllers.
  # shellcheck disable=SC2046
  stop_nodes $(broker_nodes)
  # shellcheck disable=SC2046
  stop_nodes $(controller_nodes)
}

do_signal() { # KILL|STOP|CONT node
  local sig="$1" n pid
  lock_port
  if [ "$sig" != KILL ] && { [ -z "${2:-}" ] || [ "$2" = all ]; }; then
    err "pause/resume need one node"
    exit 2
  fi
  for n in $(nodes_for "${2:-}"); do
    select_node "$n"
    if ! pid="$(find_pid)"; then
      log "$(describe_node) not running"
      continue
    fi
    case "$sig" in
      KILL)
        kill -KILL "$pid" 2>/dev/null || true
        while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
        rm -f "$PID_FILE" "$STATE_DIR"/cds-*.jsa.tmp-"$KEY"
        log "killed $(describe_node) (pid $pid) with SIGKILL"
        ;;
      STOP)
        kill -STOP "$pid"
        log "paused $(describe_node) (pid $pid) with SIGSTOP"
        ;;
      CONT)
        kill -CONT "$pid"
        log "resumed $(describe_node) (pid $pid) with SIGCONT"
        ;;
    esac
  done
}

# State letter of a process from /proc (R, S, T = stopped...).
proc_state() { sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null; }

do_status() {
  local pid n all_up=0 rss state
  mkdir -p "$STATE_DIR"
  for n in $(nodes_for "${1:-}"); do
    select_node "$n"
    local what
    if [ "$NODES" = 1 ]; then what=""; else what="$(describe_node): "; fi
    if pid="$(find_pid)"; then
      rss="$(awk '/^VmRSS/ {printf "%d MB", $2 / 1024}' "/proc/$pid/status" 2>/dev/null)"
      state="$(proc_state "$pid")"
      if [ "$state" = T ]; then
        echo "${what}paused (pid $pid, rss $rss, SIGSTOPped: answers nothing)"
      elif node_answers; then
        echo "${what}running (pid $pid, $HOST:$LPORT, rss $rss, data $DATA_DIR)"
      else
        echo "${what}running (pid $pid, $HOST:$LPORT, not answering yet)"
      fi
      continue
    fi
    if [ "$NODES" = 1 ] && kafka_answers "$LPORT"; then
      echo "running ($HOST:$LPORT answers, but not started by broker.sh)"
      continue
    fi
    echo "${what}not running ($HOST:$LPORT)"
    all_up=1
  done
  return "$all_up"
}

# The quorum leader as the controllers last wrote it: each voter's
# __cluster_metadata-0/quorum-state holds {"leaderId":..,"leaderEpoch":..}; the running voter
# with the highest epoch knows the current leader.
do_controller() {
  local n best_epoch=-1 best_leader="" f json epoch leader
  for n in $(controller_nodes) $([ "$NODES" = 1 ] && echo 1); do
    select_node "$n"
    find_pid >/dev/null || continue
    f="$DATA_DIR/__cluster_metadata-0/quorum-state"
    [ -f "$f" ] || continue
    json="$(cat "$f")"
    epoch="$(sed -n 's/.*"leaderEpoch":\([0-9-]*\).*/\1/p' <<<"$json")"
    leader="$(sed -n 's/.*"leaderId":\([0-9-]*\).*/\1/p' <<<"$json")"
    [ -n "$epoch" ] && [ -n "$leader" ] && [ "$leader" -ge 0 ] || continue
    if [ "$epoch" -gt "$best_epoch" ]; then best_epoch="$epoch" best_leader="$leader"; fi
  done
  if [ -z "$best_leader" ]; then
    err "no running controller knows a quorum leader"
    return 1
  fi
  if [ "$NODES" = 1 ]; then echo 1; else echo "c$((best_leader - 100))"; fi
}

do_reset() {
  local n
  do_stop
  for n in $(all_nodes); do
    select_node "$n"
    rm -rf "$DATA_DIR"
    log "deleted $DATA_DIR"
  done
  rm -f "$CLUSTER_ID_FILE"
}

do_logs() {
  local n="${1:-1}"
  valid_node "$n" || { err "no node '$n'"; exit 2; }
  select_node "$n"
  echo "$LOG_FILE"
  [ -f "$LOG_FILE" ] && tail -n "${2:-50}" "$LOG_FILE"
  return 0
}

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
}

cmd="${1:-}"
case "$cmd" in
  install) do_install ;;
  start) do_start "${2:-}" ;;
  stop) do_stop "${2:-}" ;;
  status) do_status "${2:-}" ;;
  kill) do_signal KILL "${2:-}" ;;
  pause) do_signal STOP "${2:-}" ;;
  resume) do_signal CONT "${2:-}" ;;
  controller) do_controller ;;
  brokers) bootstrap_list ;;
  nodes) all_nodes ;;
  reset) do_reset ;;
  logs)
    if [[ "${2:-}" =~ ^[0-9]+$ ]] && [ "$NODES" = 1 ]; then do_logs 1 "$2"; else do_logs "${2:-1}" "${3:-50}"; fi
    ;;
  -h | --help | help) usage ;;
  *)
    usage >&2
    exit 2
    ;;
esac
