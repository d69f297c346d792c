#!/usr/bin/env bash
# Submits a piadm job to YARN in cluster deploy mode (the driver runs in YARN's ApplicationMaster):
#
#   scripts/submit-yarn.sh [--gpu] [--conf KEY=VALUE]... -- sample --model gaussian:d=64 --samples 4 --out hdfs:///user/me/run1 ...
#
# Ships target/piadm.jar (build with `mvn -o package`) and conf/log4j2.properties (WARN logging on the
# driver and executors), reads Spark settings from conf/spark-defaults.conf (else the .template) and, with
# --gpu, conf/spark-gpu.conf (else its template) plus the GPU discovery script (GPU_DISCOVERY_SCRIPT, default
# scripts/getGpusResources.sh). --conf settings are passed to spark-submit after those (they win).
# HADOOP_CONF_DIR / YARN_CONF_DIR must point at the cluster's configuration; it is used as it is.
#
# spark-submit: $SPARK_HOME/bin/spark-submit, else spark-submit on PATH, else (no Spark installed) Spark's own
# org.apache.spark.deploy.SparkSubmit from the project's Maven jars plus spark-yarn, copied once to
# target/yarn-home/jars; the containers then get their Spark jars from there through spark.yarn.jars
# (uploaded by Spark to the application's staging directory), unless SPARK_YARN_JARS names them already
# on the cluster (e.g. SPARK_YARN_JARS='hdfs:///apps/spark-4.2.0/jars/*.jar' or 'local:/opt/spark/jars/*').
# In cluster mode the driver runs on the cluster: --out and checkpoints must be Hadoop paths (hdfs://, s3a://).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
die() { echo "submit-yarn: $*" >&2; exit 2; }

GPU=0
CONFS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --gpu) GPU=1; shift ;;
    --conf)
      [ $# -ge 2 ] && [[ "$2" == ?*=* ]] || die "--conf needs KEY=VALUE, e.g. --conf spark.executor.instances=4"
      CONFS+=(--conf "$2"); shift 2 ;;
    --) shift; break ;;
    *) die "unknown option '$1'; usage: $0 [--gpu] [--conf KEY=VALUE]... -- sample ARGS..." ;;
  esac
done
[ $# -gt 0 ] || die "missing piadm arguments after --, e.g. -- sample --model gaussian:d=8 --out hdfs:///tmp/run"

JAR="${PIADM_JAR:-$ROOT/target/piadm.jar}"
[ -f "$JAR" ] || die "application jar $JAR not found; build it with 'mvn -o package' or set PIADM_JAR"
[ -r "$JAR" ] || die "application jar $JAR is not readable"
LOG4J="$ROOT/conf/log4j2.properties"
[ -r "$LOG4J" ] || die "$LOG4J not found or not readable"
[ -n "${HADOOP_CONF_DIR:-}${YARN_CONF_DIR:-}" ] || die "set HADOOP_CONF_DIR or YARN_CONF_DIR to the YARN cluster's configuration"

pick() { if [ -r "$ROOT/conf/$1" ]; then echo "$ROOT/conf/$1"; else echo "$ROOT/conf/$1.template"; fi; }
PROPS=$(mktemp "${TMPDIR:-/tmp}/piadm-submit.XXXXXX.conf")
trap 'rm -f "$PROPS"' EXIT
cat "$(pick spark-defaults.conf)" >"$PROPS"
FILES="$LOG4J"
if [ "$GPU" = 1 ]; then
  DISCOVERY="${GPU_DISCOVERY_SCRIPT:-$ROOT/scripts/getGpusResources.sh}"
  [ -x "$DISCOVERY" ] || die "GPU discovery script $DISCOVERY is not an executable file"
  cat "$(pick spark-gpu.conf)" >>"$PROPS"
  # Shipped with --files: it lands in each container's working directory under its own name.
  printf '\nspark.executor.resource.gpu.discoveryScript ./%s\n' "$(basename "$DISCOVERY")" >>"$PROPS"
  FILES="$FILES,$DISCOVERY"
fi

if [ -n "${SPARK_HOME:-}" ] && [ -x "$SPARK_HOME/bin/spark-submit" ]; then
  SUBMIT=("$SPARK_HOME/bin/spark-submit")
elif command -v spark-submit >/dev/null 2>&1; then
  SUBMIT=("$(command -v spark-submit)")
else
  # No Spark installed: Spark's own SparkSubmit class from the Maven jars (PLATFORM-NOTES.md).
  command -v java >/dev/null || die "neither spark-submit nor java found on PATH"
  MVN="${MVN:-mvn -B}"
  # shellcheck source=lib/maven-spark.sh
  . "$ROOT/scripts/lib/maven-spark.sh"
  JARS="$ROOT/target/yarn-home/jars"
  piadm_prepare_yarn_jars "$JARS" || die "could not prepare Spark's jars in $JARS"
  FLAGS="$(piadm_jvm_flags)" || die "could not read Spark's JVM flags"
  # spark-submit puts the Hadoop configuration directory on the client's classpath; so does this.
  CONF_CP="${HADOOP_CONF_DIR:-}${HADOOP_CONF_DIR:+:}${YARN_CONF_DIR:-}"
  # shellcheck disable=SC2206  # the flags are meant to split on spaces
  SUBMIT=(java $FLAGS ${SPARK_SUBMIT_OPTS:-} -Xmx512m -Dlog4j2.configurationFile="$LOG4J"
          -cp "$CONF_CP:$JARS/*" org.apache.spark.deploy.SparkSubmit)
  CONFS=(--conf "spark.yarn.jars=${SPARK_YARN_JARS:-$JARS/*.jar}" "${CONFS[@]}")
fi

# Not exec: the EXIT trap removes the properties file once spark-submit is done.
"${SUBMIT[@]}" \
  --master yarn \
  --deploy-mode cluster \
  --name "piadm $1" \
  --class io.piadm.cli.Main \
  --properties-file "$PROPS" \
  --files "$FILES" \
  --conf spark.driver.extraJavaOptions=-Dlog4j2.configurationFile=log4j2.properties \
  --conf spark.executor.extraJavaOptions=-Dlog4j2.configurationFile=log4j2.properties \
  "${CONFS[@]}" \
  "$JAR" "$@"
