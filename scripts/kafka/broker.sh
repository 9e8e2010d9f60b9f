#!/usr/bin/env bash
# Local single-node Apache Kafka broker (KRaft, broker+controller in one JVM)
# for replog tests and benchmarks. Jars come from Maven Central via `mvn`
# (see pom.xml next to this script); no Docker, no other downloads.
#
# Usage: scripts/kafka/broker.sh <install|start|stop|status|kill|reset|logs>
#
#   install  resolve the jars into .replog/kafka/libs (skipped when the marker
#            says this pom.xml is already installed)
#   start    install if needed, format storage once, start the broker in the
#            background and wait until it answers (reuses a broker that
#            already answers on the port)
#   stop     SIGTERM, wait up to KAFKA_STOP_TIMEOUT s, then SIGKILL (idempotent)
#   status   print running / not running; exit 0 / 1
#   kill     SIGKILL immediately (fault tests)
#   reset    stop, then delete the data dir of that port
#   logs     print the log file path and its last lines
#
# Environment:
#   KAFKA_PORT             PLAINTEXT port (default 9092)
#   KAFKA_CONTROLLER_PORT  KRaft controller port (default KAFKA_PORT+1)
#   KAFKA_START_TIMEOUT    seconds to wait for the broker to answer (default 60)
#   KAFKA_STOP_TIMEOUT     seconds to wait after SIGTERM (default 30)
#   KAFKA_HEAP_OPTS        default: -Xms256m -Xmx512m
#   KAFKA_JVM_OPTS         default: see DEFAULT_JVM_OPTS below
#   KAFKA_CDS              1 (default): keep an AppCDS class archive to cut
#                          JVM start time by ~2 s; 0 disables it
#   KAFKA_EXTRA_PROPERTIES extra server.properties lines (newline separated),
#                          appended last so they override the defaults
#   JAVA, MVN              java / mvn executables (default: from PATH)
#
# Files (under <repo>/.replog/kafka, all per port except libs):
#   libs/                    classpath; libs/.installed = sha256 of pom.xml
#   data-<port>/             KRaft metadata + topic data (formatted once)
#   broker-<port>.pid        pid of the running broker
#   broker-<port>.log        broker log (log4j2, INFO); previous runs in .log.1..5
#   broker-<port>.out        JVM stdout/stderr (normally empty)
#   server-<port>.properties, log4j2-<port>.properties  generated each start
#   cds-<key>.jsa            AppCDS archive, written by the first clean stop
set -euo pipefail

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_ROOT="$(cd -- "$SCRIPT_DIR/../.." && pwd -P)"
POM="$SCRIPT_DIR/pom.xml"
STATE_DIR="$REPO_ROOT/.replog/kafka"
LIBS_DIR="$STATE_DIR/libs"
MARKER="$LIBS_DIR/.installed"

PORT="${KAFKA_PORT:-9092}"
case "$PORT" in '' | *[!0-9]*) echo "broker.sh: KAFKA_PORT must be a number, got '$PORT'" >&2; exit 2 ;; esac
CTRL_PORT="${KAFKA_CONTROLLER_PORT:-$((PORT + 1))}"
case "$CTRL_PORT" in '' | *[!0-9]*) echo "broker.sh: KAFKA_CONTROLLER_PORT must be a number, got '$CTRL_PORT'" >&2; exit 2 ;; esac
if [ "$CTRL_PORT" = "$PORT" ]; then
  echo "broker.sh: KAFKA_CONTROLLER_PORT must differ from KAFKA_PORT ($PORT)" >&2
  exit 2
fi
HOST=127.0.0.1
START_TIMEOUT="${KAFKA_START_TIMEOUT:-60}"
STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"

DATA_DIR="$STATE_DIR/data-$PORT"
PID_FILE="$STATE_DIR/broker-$PORT.pid"
LOG_FILE="$STATE_DIR/broker-$PORT.log"
OUT_FILE="$STATE_DIR/broker-$PORT.out"
PROPS_FILE="$STATE_DIR/server-$PORT.properties"
LOG4J_FILE="$STATE_DIR/log4j2-$PORT.properties"
PORT_LOCK="$STATE_DIR/broker-$PORT.lock"
INSTALL_LOCK="$STATE_DIR/install.lock"

JAVA="${JAVA:-java}"
MVN="${MVN:-mvn}"
HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
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

log() { printf 'broker.sh[%s]: %s\n' "$PORT" "$*"; }
err() { printf 'broker.sh[%s]: %s\n' "$PORT" "$*" >&2; }

now_ms() { date +%s%3N; }
elapsed() { # start_ms -> "12.3"
  local d=$(($(now_ms) - $1))
  printf '%d.%d' $((d / 1000)) $(((d % 1000) / 100))
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

# Process $1 is the broker this script starts for this port (no forks: this
# runs for every process in find_pid).
is_our_broker() {
  local -a args
  [ -n "$1" ] || return 1
  mapfile -d '' -t args 2>/dev/null <"/proc/$1/cmdline" || return 1
  [[ "${args[*]}" == *" kafka.Kafka $PROPS_FILE"* ]]
}

# Prints the pid of our broker for this port (pid file first; if it is missing
# or stale, look for a JVM running kafka.Kafka with exactly our properties file).
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

# Serialise start/stop/kill/reset per port. fd 9 must not leak into the
# broker (it is closed on the java command line), or the lock would be held
# for the broker's lifetime.
lock_port() {
  mkdir -p "$STATE_DIR"
  exec 9>"$PORT_LOCK"
  flock 9
}

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
  cat >"$PROPS_FILE" <<EOF
# Generated by scripts/kafka/broker.sh on every start; edits are overwritten.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$CTRL_PORT
listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CTRL_PORT
advertised.listeners=PLAINTEXT://$HOST:$PORT
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
group.initial.rebalance.delay.ms=0
# After a SIGKILL (broker.sh kill) the restarted broker cannot register until
# the controller expires the dead incarnation's session: 9 s by default, which
# made every kill+start take ~12 s. Heartbeats stay inside this one JVM, so a
# shorter session is still far above any pause we expect.
broker.heartbeat.interval.ms=1000
broker.session.timeout.ms=4000

# Topic defaults for replog: topics are created explicitly (admin API).
auto.create.topics.enable=false
num.partitions=3
delete.topic.enable=true
log.cleaner.enable=true
# Segment / retention / cleaner settings: Kafka defaults.
EOF
  if [ -n "${KAFKA_EXTRA_PROPERTIES:-}" ]; then
    printf '\n# From KAFKA_EXTRA_PROPERTIES\n%s\n' "$KAFKA_EXTRA_PROPERTIES" >>"$PROPS_FILE"
  fi

  cat >"$LOG4J_FILE" <<EOF
# Generated by scripts/kafka/broker.sh: broker logs at INFO to one file.
status = warn
name = replog-kafka-$PORT
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
EOF
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

format_storage() {
  if [ -f "$DATA_DIR/meta.properties" ]; then
    log "reusing data dir $DATA_DIR (cluster id $(sed -n 's/^cluster.id=//p' "$DATA_DIR/meta.properties"))"
    return 0
  fi
  local cid fmt_log="$STATE_DIR/format-$PORT.log"
  # Same as `StorageTool random-uuid` (16 random bytes, base64url, no
  # padding, never starting with '-') without paying for another JVM start.
  while :; do
    cid="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    [[ "$cid" =~ ^[A-Za-z0-9_][A-Za-z0-9_-]{21}$ ]] && break
  done
  : >"$fmt_log"
  mkdir -p "$DATA_DIR"
  if ! "$JAVA" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "$LIBS_DIR/*" \
    kafka.tools.StorageTool format -t "$cid" -c "$PROPS_FILE" \
    >>"$fmt_log" 2>&1; then
    err "formatting $DATA_DIR failed:"
    cat "$fmt_log" >&2
    exit 1
  fi
  log "formatted $DATA_DIR (cluster id $cid)"
}

# --- AppCDS ------------------------------------------------------------------
# The first broker started without an archive runs with
# -XX:ArchiveClassesAtExit=<archive>.tmp-<port>; the JVM writes it when it
# exits normally (stop => SIGTERM). stop then validates it and renames it into
# place; later starts map it with -XX:SharedArchiveFile (~6 s -> ~4 s).
# A truncated archive makes the JVM die with SIGBUS, hence the validation and
# the retry without the archive in do_start. Running brokers mmap the archive:
# only ever replace it by rename or delete it, never rewrite it in place (that
# SIGBUSes them too).

cds_file() { # archive path for the current jars + java + JVM options
  local key
  key="$(printf '%s\n' "$(pom_hash)" "$(readlink -f "$(command -v "$JAVA")")" "$HEAP_OPTS $JVM_OPTS" |
    sha256sum | cut -c1-16)"
  echo "$STATE_DIR/cds-$key.jsa"
}

# Prints the JVM options for CDS (nothing when disabled).
cds_opts() {
  [ "$CDS" = 1 ] || return 0
  local f
  f="$(cds_file)"
  rm -f "$STATE_DIR"/cds-*.jsa.tmp-"$PORT"
  if [ -s "$f" ]; then
    echo "-XX:SharedArchiveFile=$f -Xlog:cds=off,cds+dynamic=off"
  else
    echo "-XX:ArchiveClassesAtExit=$f.tmp-$PORT -Xlog:cds=off,cds+dynamic=off"
  fi
}

# After the broker exited: move a freshly dumped archive into place if a JVM
# accepts it.
cds_finish() {
  local tmp final
  for tmp in "$STATE_DIR"/cds-*.jsa.tmp-"$PORT"; do
    [ -e "$tmp" ] || continue
    final="${tmp%.tmp-"$PORT"}"
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

wait_until_ready() { # pid t0; returns 1 on timeout, 2 if the JVM died
  local pid="$1" t0="$2" deadline=$(($(now_ms) + START_TIMEOUT * 1000))
  while [ "$(now_ms)" -lt "$deadline" ]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      err "broker (pid $pid) exited during startup"
      log_tail 60
      rm -f "$PID_FILE"
      return 2
    fi
    # "Kafka Server started" is logged by KafkaRaftServer once both the
    # controller and the broker (unfenced, listeners open) are up.
    if grep -q 'Kafka Server started' "$LOG_FILE" 2>/dev/null && kafka_answers "$PORT"; then
      log "broker ready on $HOST:$PORT (pid $pid) after $(elapsed "$t0")s"
      return 0
    fi
    sleep 0.2
  done
  err "broker (pid $pid) did not answer on $HOST:$PORT within ${START_TIMEOUT}s; stopping it"
  log_tail 60
  stop_pid "$pid" >/dev/null 2>&1 || true
  return 1
}

do_start() {
  local t0 pid
  t0="$(now_ms)"
  lock_port
  do_install quiet

  if pid="$(find_pid)"; then
    if kafka_answers "$PORT"; then
      log "broker already running on $HOST:$PORT (pid $pid); reusing it"
      return 0
    fi
    log "broker pid $pid is running but not answering yet; waiting"
    wait_until_ready "$pid" "$t0"
    return
  fi
  if kafka_answers "$PORT"; then
    log "a Kafka broker already answers on $HOST:$PORT (not started by broker.sh); reusing it"
    return 0
  fi
  if port_open "$PORT"; then
    err "port $PORT is in use by something that is not a Kafka broker"
    exit 1
  fi
  if port_open "$CTRL_PORT"; then
    err "controller port $CTRL_PORT is already in use (set KAFKA_CONTROLLER_PORT)"
    exit 1
  fi
  command -v "$JAVA" >/dev/null || { err "java not found on PATH (set JAVA=...)"; exit 1; }

  write_configs
  format_storage

  local cds
  cds="$(cds_opts)"
  launch "$cds"
  local rc=0
  wait_until_ready "$pid" "$t0" || rc=$?
  if [ "$rc" != 0 ]; then
    # A broken class archive kills the JVM before it logs anything.
    if [ "$rc" = 2 ] && [[ "$cds" == *SharedArchiveFile* ]] && [ ! -s "$LOG_FILE" ]; then
      err "broker died before logging while using ${cds%% *}; removing the archive and retrying"
      rm -f "$(cds_file)"
      launch ""
      wait_until_ready "$pid" "$t0"
      return
    fi
    return 1
  fi
}

launch() { # extra JVM options; sets pid
  rotate_logs
  # The broker runs in its own session (immune to the caller's Ctrl-C / job
  # control and process-group kills) with cwd = state dir, so JVM crash files
  # land there rather than in the caller's cwd.
  # shellcheck disable=SC2086  # option strings are word lists
  pid="$(
    cd "$STATE_DIR"
    setsid nohup "$JAVA" $HEAP_OPTS $JVM_OPTS $1 \
      -XX:ErrorFile="$STATE_DIR/hs_err_broker-$PORT-pid%p.log" \
      -Dlog4j2.configurationFile="$LOG4J_FILE" \
      -Dkafka.logs.dir="$STATE_DIR" \
      -cp "$LIBS_DIR/*" kafka.Kafka "$PROPS_FILE" \
      </dev/null >"$OUT_FILE" 2>&1 8>&- 9>&- &
    echo $!
  )"
  echo "$pid" >"$PID_FILE"
  log "starting broker on $HOST:$PORT (controller $CTRL_PORT, pid $pid, log $LOG_FILE)"
}

# SIGTERM, wait up to STOP_TIMEOUT, then SIGKILL. Returns when pid is gone.
stop_pid() {
  local pid="$1" t0 deadline
  t0="$(now_ms)"
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((t0 + STOP_TIMEOUT * 1000))
  while kill -0 "$pid" 2>/dev/null && [ "$(now_ms)" -lt "$deadline" ]; do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    err "broker (pid $pid) still running after ${STOP_TIMEOUT}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$PID_FILE"
  log "stopped broker (pid $pid) in $(elapsed "$t0")s"
  cds_finish
}

do_stop() {
  local pid
  lock_port
  if pid="$(find_pid)"; then
    stop_pid "$pid"
  else
    log "broker not running"
    if kafka_answers "$PORT"; then
      log "note: a Kafka broker not started by broker.sh answers on $HOST:$PORT; left alone"
    fi
  fi
}

do_kill() {
  local pid
  lock_port
  if pid="$(find_pid)"; then
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
    rm -f "$PID_FILE" "$STATE_DIR"/cds-*.jsa.tmp-"$PORT"
    log "killed broker (pid $pid) with SIGKILL"
  else
    log "broker not running"
  fi
}

do_status() {
  local pid
  mkdir -p "$STATE_DIR"
  if pid="$(find_pid)"; then
    if kafka_answers "$PORT"; then
      echo "running (pid $pid, $HOST:$PORT, data $DATA_DIR)"
    else
      echo "running (pid $pid, $HOST:$PORT, not answering yet)"
    fi
    return 0
  fi
  if kafka_answers "$PORT"; then
    echo "running ($HOST:$PORT answers, but not started by broker.sh)"
    return 0
  fi
  echo "not running ($HOST:$PORT)"
  return 1
}

do_reset() {
  do_stop
  rm -rf "$DATA_DIR"
  log "deleted $DATA_DIR"
}

do_logs() {
  echo "$LOG_FILE"
  [ -f "$LOG_FILE" ] && tail -n "${1:-50}" "$LOG_FILE"
  return 0
}

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
}

cmd="${1:-}"
case "$cmd" in
  install) do_install ;;
  start) do_start ;;
  stop) do_stop ;;
  status) do_status ;;
  kill) do_kill ;;
  reset) do_reset ;;
  logs) do_logs "${2:-50}" ;;
  -h | --help | help) usage ;;
  *)
    usage >&2
    exit 2
    ;;
esac
