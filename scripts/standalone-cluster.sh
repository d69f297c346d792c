#!/usr/bin/env bash
# A real Spark standalone cluster (one master + N workers, separate JVMs) on 127.0.0.1, built from the
# project's Maven jars: no Spark download (PLATFORM-NOTES.md). PIDs are recorded; stop kills by PID.
#
#   scripts/standalone-cluster.sh start [N]   # N workers (default 2)
#   scripts/standalone-cluster.sh status
#   scripts/standalone-cluster.sh stop
#
# Environment (defaults): SPARK_HOME (target/spark-home), MASTER_PORT (7077), MASTER_UI_PORT (18080),
# WORKER_CORES (1), WORKER_MEMORY (1g), WORKER_GPUS (0) with WORKER_GPU_SCRIPT (a discovery script, e.g.
# scripts/getGpusResources.sh), MVN (mvn -B; set "mvn -o" to stay offline).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export SPARK_HOME="${SPARK_HOME:-$ROOT/target/spark-home}"
export SPARK_SCALA_VERSION=2.13     # else executors fail with "Cannot find any build directories"
export SPARK_LOCAL_IP=127.0.0.1
MASTER_PORT="${MASTER_PORT:-7077}"
MASTER_UI_PORT="${MASTER_UI_PORT:-18080}"
WORKER_CORES="${WORKER_CORES:-1}"
WORKER_MEMORY="${WORKER_MEMORY:-1g}"
WORKER_GPUS="${WORKER_GPUS:-0}"
MVN="${MVN:-mvn -B}"
PIDS="$SPARK_HOME/pids"
LOGS="$SPARK_HOME/logs"

# Spark's JVM module flags: the spark.jvm.flags property of pom.xml, their one home (as scripts/piadm reads it).
FLAGS="$(sed -n 's:.*<spark.jvm.flags>\(.*\)</spark.jvm.flags>.*:\1:p' "$ROOT/pom.xml")"
[ -n "$FLAGS" ] || { echo "standalone-cluster: could not read spark.jvm.flags from $ROOT/pom.xml" >&2; exit 1; }
CP="$SPARK_HOME/conf:$SPARK_HOME/jars/*"

die() { echo "standalone-cluster: $*" >&2; exit 1; }

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

wait_port() {  # host port seconds
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

prepare() {
  if [ ! -f "$SPARK_HOME/jars/.complete" ]; then
    echo "standalone-cluster: copying the runtime jars to $SPARK_HOME/jars" >&2
    mkdir -p "$SPARK_HOME/jars"
    (cd "$ROOT" && $MVN -q dependency:copy-dependencies -DincludeScope=compile \
        -DoutputDirectory="$SPARK_HOME/jars" >&2) || die "mvn dependency:copy-dependencies failed"
    touch "$SPARK_HOME/jars/.complete"
  fi
  mkdir -p "$SPARK_HOME/conf" "$PIDS" "$LOGS"
  # The project's WARN config, plus the deploy daemons at INFO: their logs say when workers register
  # and when executors are lost or relaunched.
  { cat "$ROOT/conf/log4j2.properties"
    printf '\nlogger.deploy.name = org.apache.spark.deploy\nlogger.deploy.level = info\n'
  } >"$SPARK_HOME/conf/log4j2.properties"
}

start() {
  local n="${1:-2}"
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "worker count must be an integer >= 1, got '$n'"
  command -v java >/dev/null || die "java not found on PATH"
  alive "$PIDS/master.pid" && die "already running (master PID $(cat "$PIDS/master.pid")); stop it first"
  if (exec 3<>"/dev/tcp/127.0.0.1/$MASTER_PORT") 2>/dev/null; then
    die "port $MASTER_PORT is in use by another process; set MASTER_PORT"
  fi
  prepare
  rm -f "$PIDS"/*.pid
  nohup java $FLAGS -Xmx512m -cp "$CP" org.apache.spark.deploy.master.Master \
      --host 127.0.0.1 --port "$MASTER_PORT" --webui-port "$MASTER_UI_PORT" \
      >"$LOGS/master.log" 2>&1 </dev/null &
  echo $! >"$PIDS/master.pid"
  wait_port 127.0.0.1 "$MASTER_PORT" 60 || { stop; die "master did not open port $MASTER_PORT (see $LOGS/master.log)"; }
  local gpu=()
  if [ "$WORKER_GPUS" != 0 ]; then
    [ -x "${WORKER_GPU_SCRIPT:-}" ] || { stop; die "WORKER_GPUS=$WORKER_GPUS needs an executable WORKER_GPU_SCRIPT"; }
    gpu=(-Dspark.worker.resource.gpu.amount="$WORKER_GPUS" -Dspark.worker.resource.gpu.discoveryScript="$WORKER_GPU_SCRIPT")
  fi
  local i
  for ((i = 1; i <= n; i++)); do
    mkdir -p "$SPARK_HOME/work/worker-$i"
    nohup java $FLAGS -Xmx512m "${gpu[@]}" -cp "$CP" org.apache.spark.deploy.worker.Worker \
        --host 127.0.0.1 --cores "$WORKER_CORES" --memory "$WORKER_MEMORY" --webui-port $((MASTER_UI_PORT + i)) \
        --work-dir "$SPARK_HOME/work/worker-$i" "spark://127.0.0.1:$MASTER_PORT" \
        >"$LOGS/worker-$i.log" 2>&1 </dev/null &
    echo $! >"$PIDS/worker-$i.pid"
  done
  # Ready when the master lists every worker as ALIVE.
  for ((i = 0; i < 1200; i++)); do
    local alive_workers
    alive_workers=$(grep -c "Registering worker" "$LOGS/master.log" 2>/dev/null || true)
    if [ "${alive_workers:-0}" -ge "$n" ]; then
      echo "spark://127.0.0.1:$MASTER_PORT"
      return 0
    fi
    sleep 0.1
  done
  stop
  die "workers did not register within 120 s (see $LOGS)"
}

stop() {
  local f pid i
  # Workers first (each stops its executors on SIGTERM), then the master.
  for f in "$PIDS"/worker-*.pid "$PIDS"/master.pid; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
  done
}

status() {
  local f any=1
  for f in "$PIDS"/master.pid "$PIDS"/worker-*.pid; do
    [ -f "$f" ] || continue
    any=0
    if alive "$f"; then echo "$(basename "$f" .pid) running (PID $(cat "$f"))"; else echo "$(basename "$f" .pid) dead (PID $(cat "$f"))"; fi
  done
  [ $any = 0 ] || { echo "not running"; return 3; }
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) stop ;;
  status) status ;;
  *) die "usage: $0 start [N] | stop | status" ;;
esac
