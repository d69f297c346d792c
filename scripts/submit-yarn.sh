#!/usr/bin/env bash
# Submits a piadm sample job to YARN in cluster deploy mode:
#
#   scripts/submit-yarn.sh [--gpu] -- sample --model gaussian:d=64 --samples 4 --out hdfs:///user/me/run1 ...
#
# Ships target/piadm.jar (build with `mvn -o package`) and conf/log4j2.properties (WARN logging on the
# driver and executors), reads Spark settings from conf/spark-defaults.conf (else the .template) and, with
# --gpu, conf/spark-gpu.conf (else its template) plus scripts/getGpusResources.sh. Needs spark-submit on
# PATH (or SPARK_HOME) and HADOOP_CONF_DIR / YARN_CONF_DIR pointing at the cluster's configuration.
# In cluster mode the driver runs on the cluster: --out and checkpoints must be Hadoop paths (hdfs://, s3a://).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
die() { echo "submit-yarn: $*" >&2; exit 2; }

GPU=0
while [ $# -gt 0 ]; do
  case "$1" in
    --gpu) GPU=1; shift ;;
    --) shift; break ;;
    *) die "unknown option '$1'; usage: $0 [--gpu] -- sample ARGS..." ;;
  esac
done
[ $# -gt 0 ] || die "missing piadm arguments after --, e.g. -- sample --model gaussian:d=8 --out hdfs:///tmp/run"

JAR="${PIADM_JAR:-$ROOT/target/piadm.jar}"
[ -f "$JAR" ] || die "application jar $JAR not found; build it with 'mvn -o package' or set PIADM_JAR"
[ -r "$JAR" ] || die "application jar $JAR is not readable"
LOG4J="$ROOT/conf/log4j2.properties"
[ -r "$LOG4J" ] || die "$LOG4J not found or not readable"

pick() { if [ -r "$ROOT/conf/$1" ]; then echo "$ROOT/conf/$1"; else echo "$ROOT/conf/$1.template"; fi; }
PROPS=$(mktemp "${TMPDIR:-/tmp}/piadm-submit.XXXXXX.conf")
trap 'rm -f "$PROPS"' EXIT
cat "$(pick spark-defaults.conf)" >"$PROPS"
FILES="$LOG4J"
if [ "$GPU" = 1 ]; then
  cat "$(pick spark-gpu.conf)" >>"$PROPS"
  FILES="$FILES,$ROOT/scripts/getGpusResources.sh"
fi

if [ -n "${SPARK_HOME:-}" ] && [ -x "$SPARK_HOME/bin/spark-submit" ]; then
  SUBMIT="$SPARK_HOME/bin/spark-submit"
else
  SUBMIT="$(command -v spark-submit || true)"
fi
[ -n "$SUBMIT" ] || die "spark-submit not found: install Spark 4.2 (Scala 2.13) and set SPARK_HOME or PATH"
[ -n "${HADOOP_CONF_DIR:-}${YARN_CONF_DIR:-}" ] || die "set HADOOP_CONF_DIR or YARN_CONF_DIR to the YARN cluster's configuration"

exec "$SUBMIT" \
  --master yarn \
  --deploy-mode cluster \
  --name "piadm $1" \
  --class io.piadm.cli.Main \
  --properties-file "$PROPS" \
  --files "$FILES" \
  --conf spark.driver.extraJavaOptions=-Dlog4j2.configurationFile=log4j2.properties \
  --conf spark.executor.extraJavaOptions=-Dlog4j2.configurationFile=log4j2.properties \
  "$JAR" "$@"
