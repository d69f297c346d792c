#!/usr/bin/env bash
# A real single-machine Hadoop cluster on this host: HDFS (NameNode + DataNode) and YARN (ResourceManager +
# NodeManager) from Hadoop's own minicluster (org.apache.hadoop:hadoop-client-minicluster, the version of the
# Hadoop client Spark uses), in one background JVM. No Hadoop or Spark download: the jars come from Maven
# (Central on a clean machine) into target/yarn-home/, outside the application jar and its runtime classpath.
#
#   scripts/yarn-minicluster.sh start     # last line: export HADOOP_CONF_DIR=...
#   scripts/yarn-minicluster.sh status
#   scripts/yarn-minicluster.sh stop
#   scripts/yarn-minicluster.sh fs ARGS   # Hadoop's FsShell on it, e.g. fs -ls hdfs:///user/$USER
#
# Environment (defaults): YARN_MINICLUSTER_DIR (.cluster/yarn: conf/, work/, logs/, pids/), NM_MEMORY_MB
# (8192) and NM_VCORES (8): what the NodeManager advertises whatever the hardware (room for a Spark driver
# and two executors); NM_GPUS (0): with N > 0, YARN gets the resource type yarn.io/gpu and the NodeManager
# advertises N of them (counted by the scheduler, not real devices); MVN (mvn -B; "mvn -o" stays offline).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MVN="${MVN:-mvn -B}"
# shellcheck source=lib/maven-spark.sh
. "$ROOT/scripts/lib/maven-spark.sh"
STATE="${YARN_MINICLUSTER_DIR:-$ROOT/.cluster/yarn}"
HOME_DIR="$ROOT/target/yarn-home"
JARS="$HOME_DIR/jars"
MINI="$HOME_DIR/minicluster"
CLASSES="$ROOT/target/minicluster-build/classes"
NM_MEMORY_MB="${NM_MEMORY_MB:-8192}"
NM_VCORES="${NM_VCORES:-8}"
NM_GPUS="${NM_GPUS:-0}"
PID_FILE="$STATE/pids/minicluster.pid"
CONF="$STATE/conf"
LOG="$STATE/logs/minicluster.log"

die() { echo "yarn-minicluster: $*" >&2; exit 1; }

alive() { [ -f "$PID_FILE" ] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; }

# All descendants of a PID (containers are children of the NodeManager's shell, in their own sessions).
descendants() {
  local c
  for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do
    echo "$c"
    descendants "$c"
  done
}

prepare() {
  command -v java >/dev/null || die "java not found on PATH"
  piadm_prepare_yarn_jars "$JARS" || die "could not prepare $JARS"
  # The launcher (src/minicluster) is its own small Maven build: compiled against, and shipped with, the
  # minicluster of the Hadoop version Spark's client uses.
  local hv jv cls="$CLASSES/io/piadm/minicluster/YarnHdfsMiniCluster.class"
  if [ ! -f "$MINI/.complete" ] || [ ! -f "$cls" ] || [ -n "$(find "$ROOT/src/minicluster" -newer "$MINI/.complete" -print -quit)" ]; then
    hv="$(piadm_jar_version "$JARS" hadoop-client-api)" || die "no Hadoop client in $JARS"
    jv="$(sed -n 's:.*<junit.version>\(.*\)</junit.version>.*:\1:p' "$ROOT/pom.xml")"
    echo "yarn-minicluster: building the launcher with org.apache.hadoop:hadoop-client-minicluster:$hv" >&2
    rm -rf "$MINI"
    $MVN -q -f "$ROOT/src/minicluster/pom.xml" -Dhadoop.version="$hv" ${jv:+-Djunit.version="$jv"} \
        compile dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$MINI" >&2 \
        || die "building src/minicluster (hadoop-client-minicluster:$hv) failed"
    touch "$MINI/.complete"
  fi
}

start() {
  [[ "$NM_MEMORY_MB" =~ ^[1-9][0-9]*$ ]] && [ "$NM_MEMORY_MB" -ge 1024 ] || die "NM_MEMORY_MB must be an integer >= 1024, got '$NM_MEMORY_MB'"
  [[ "$NM_VCORES" =~ ^[1-9][0-9]*$ ]] || die "NM_VCORES must be an integer >= 1, got '$NM_VCORES'"
  [[ "$NM_GPUS" =~ ^[0-9]+$ ]] || die "NM_GPUS must be an integer >= 0, got '$NM_GPUS'"
  alive && die "already running (PID $(cat "$PID_FILE")); stop it first"
  prepare
  local flags
  flags="$(piadm_jvm_flags)" || die "no JVM flags"
  # Only what an earlier start of this script created under $STATE is removed.
  rm -rf "$STATE/work" "$CONF" "$STATE/pids"
  mkdir -p "$STATE/work" "$STATE/logs" "$STATE/pids"
  { printf 'rootLogger.level = warn\nrootLogger.appenderRef.out.ref = out\n'
    printf 'appender.out.type = Console\nappender.out.name = out\nappender.out.layout.type = PatternLayout\n'
    printf 'appender.out.layout.pattern = %%d{HH:mm:ss.SSS} %%p %%c{1}: %%m%%n%%ex{6}\n'
    # Application and container state changes: what ran, which attempt, how containers ended.
    printf 'logger.app.name = org.apache.hadoop.yarn.server.resourcemanager.rmapp\nlogger.app.level = info\n'
    printf 'logger.ctr.name = org.apache.hadoop.yarn.server.nodemanager.containermanager.container\nlogger.ctr.level = info\n'
  } >"$STATE/log4j2.properties"
  # Containers are started by the NodeManager with {{JAVA_HOME}}/bin/java: JAVA_HOME must be set for it.
  if [ -z "${JAVA_HOME:-}" ]; then
    JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
    export JAVA_HOME
  fi
  export SPARK_LOCAL_IP=127.0.0.1
  # shellcheck disable=SC2086  # the flags are meant to split on spaces
  (cd "$STATE/work" && exec nohup java $flags -Xmx1g -Djava.net.preferIPv4Stack=true \
      -Dlog4j2.configurationFile="$STATE/log4j2.properties" \
      -cp "$CLASSES:$MINI/*:$JARS/*" io.piadm.minicluster.YarnHdfsMiniCluster \
      "$STATE/work" "$CONF" "$NM_MEMORY_MB" "$NM_VCORES" "$NM_GPUS" >"$LOG" 2>&1 </dev/null) &
  echo $! >"$PID_FILE"
  local i
  for ((i = 0; i < 1800; i++)); do
    [ -f "$CONF/ready" ] && break
    alive || { tail -30 "$LOG" >&2; rm -f "$PID_FILE"; die "the minicluster JVM exited during start (log: $LOG)"; }
    sleep 0.1
  done
  [ -f "$CONF/ready" ] || { stop; die "not ready within 180 s (log: $LOG)"; }
  echo "minicluster running (PID $(cat "$PID_FILE")), log $LOG"
  sed 's/^/  /' "$CONF/ready"
  echo "export HADOOP_CONF_DIR=$CONF"
}

stop() {
  [ -f "$PID_FILE" ] || { echo "not running"; return 0; }
  local pid kids k i
  pid="$(cat "$PID_FILE")"
  if kill -0 "$pid" 2>/dev/null; then
    kids="$(descendants "$pid")"
    # SIGTERM: the shutdown hook stops YARN (the NodeManager kills its containers), then HDFS.
    kill "$pid" 2>/dev/null || true
    for ((i = 0; i < 600; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
    # Containers that outlived the NodeManager (it started them, so they are ours): by PID.
    for k in $kids; do kill -0 "$k" 2>/dev/null && kill -9 "$k" 2>/dev/null || true; done
  fi
  rm -f "$PID_FILE" "$CONF/ready"
  echo "stopped"
}

status() {
  if ! alive; then
    [ -f "$PID_FILE" ] && echo "minicluster dead (PID $(cat "$PID_FILE"))" || echo "not running"
    return 3
  fi
  local pid k cmd
  pid="$(cat "$PID_FILE")"
  echo "minicluster running (PID $pid): NameNode, DataNode, ResourceManager, NodeManager"
  [ -f "$CONF/ready" ] && sed 's/^/  /' "$CONF/ready"
  for k in $(descendants "$pid"); do
    cmd="$(tr '\0' ' ' <"/proc/$k/cmdline" 2>/dev/null || true)"
    case "$cmd" in
      *org.apache.spark.deploy.yarn.ApplicationMaster*) echo "  container PID $k: Spark ApplicationMaster (driver)" ;;
      *YarnCoarseGrainedExecutorBackend*) echo "  container PID $k: Spark executor" ;;
    esac
  done
  echo "export HADOOP_CONF_DIR=$CONF"
}

fs() {
  alive && [ -f "$CONF/ready" ] || die "not running: start it first"
  [ -d "$JARS" ] || die "$JARS missing"
  local flags
  flags="$(piadm_jvm_flags)" || die "no JVM flags"
  # shellcheck disable=SC2086
  exec java $flags -Xmx512m -Dlog4j2.configurationFile="$ROOT/conf/log4j2.properties" \
      -cp "$CONF:$JARS/*" org.apache.hadoop.fs.FsShell "$@"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  fs) shift; fs "$@" ;;
  *) die "usage: $0 start | status | stop | fs ARGS..." ;;
esac
