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
# target/yarn-home/jars. The containers get those jars through spark.yarn.jars: staged once on the cluster's
# file system (see stage_spark_jars), or where SPARK_YARN_JARS says (e.g. 'hdfs:///apps/spark-4.2.0/jars/*.jar',
# 'local:/opt/spark/jars/*' where every node has them, or "$PWD/target/yarn-home/jars/*.jar" to have Spark
# upload them with every submission).
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

# Hadoop's FsShell on the cluster's file system, quietly (Maven-jar mode only).
fs_shell() {
  # shellcheck disable=SC2086
  java $FLAGS -Xmx256m -Dlog4j2.configurationFile="$LOG4J" -cp "$CONF_CP:$JARS/*" org.apache.hadoop.fs.FsShell "$@" 2>/dev/null
}

# Prints the spark.yarn.jars value for Spark's Maven jars staged once on the cluster's file system:
# PIADM_SPARK_JARS_STAGE (default hdfs:///user/$USER/.piadm/spark-VERSION-jars-CHECKSUM, the checksum of the
# jar names and sizes, so a changed set is staged anew). Uploading the ~330 MB with every submission costs
# about a minute; staged, YARN's NodeManagers also keep their localized copies between applications.
# Staged into a temporary sibling and renamed, so a half-finished upload is never used; nothing is deleted.
stage_spark_jars() {
  local sum stage tmp version
  version="$(piadm_jar_version "$JARS" spark-core_2.13)" || return 1
  sum="$(cd "$JARS" && ls -l -- *.jar | awk '{print $5, $NF}' | cksum | cut -d' ' -f1)"
  stage="${PIADM_SPARK_JARS_STAGE:-hdfs:///user/$(id -un)/.piadm/spark-$version-jars-$sum}"
  if ! fs_shell -test -e "$stage/_STAGED"; then
    echo "submit-yarn: staging Spark's jars once to $stage (set SPARK_YARN_JARS to use others)" >&2
    tmp="$stage.tmp-$$"
    fs_shell -mkdir -p "$tmp" && fs_shell -put "$JARS"/*.jar "$tmp/" && fs_shell -touchz "$tmp/_STAGED" || return 1
    if fs_shell -test -e "$stage"; then
      fs_shell -rm -r -skipTrash "$tmp" || true # another submission staged the same set meanwhile
    else
      fs_shell -mv "$tmp" "$stage" || return 1
    fi
    fs_shell -test -e "$stage/_STAGED" || return 1
  fi
  echo "$stage/*.jar"
}

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
  if [ -z "${SPARK_YARN_JARS:-}" ]; then
    SPARK_YARN_JARS="$(stage_spark_jars)" || die "could not stage Spark's jars on the cluster; set SPARK_YARN_JARS"
  fi
  CONFS=(--conf "spark.yarn.jars=$SPARK_YARN_JARS" "${CONFS[@]}")
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
