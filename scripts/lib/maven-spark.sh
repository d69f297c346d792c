# Sourced by scripts/yarn-minicluster.sh and scripts/submit-yarn.sh (needs ROOT and MVN set): Spark on YARN
# from the project's Maven jars, with no Spark download (PLATFORM-NOTES.md).

# Spark's JVM module flags: the spark.jvm.flags property of pom.xml (as scripts/piadm reads it).
piadm_jvm_flags() {
  local flags
  flags="$(sed -n 's:.*<spark.jvm.flags>\(.*\)</spark.jvm.flags>.*:\1:p' "$ROOT/pom.xml")"
  [ -n "$flags" ] || { echo "could not read spark.jvm.flags from $ROOT/pom.xml" >&2; return 1; }
  echo "$flags"
}

# piadm_prepare_yarn_jars DIR: fills DIR with what a Spark distribution's jars/ holds for a YARN client and
# its containers: the project's compile-scope dependencies, which include the provided Spark (the set of
# target/classpath.txt), without the libraries the application jar already carries (the shade plugin's
# includes in pom.xml), plus spark-yarn (not a dependency of the application). Idempotent; DIR/.complete
# marks a finished copy.
piadm_prepare_yarn_jars() {
  local dir="$1" spark_version
  [ -f "$dir/.complete" ] && return 0
  echo "copying Spark's runtime jars and spark-yarn to $dir (once)" >&2
  mkdir -p "$dir"
  (cd "$ROOT" && $MVN -q dependency:copy-dependencies -DincludeScope=compile \
      -DexcludeGroupIds=info.picocli,com.microsoft.onnxruntime,org.tribuo,com.oracle.labs.olcut \
      -DoutputDirectory="$dir" >&2) || { echo "mvn dependency:copy-dependencies failed" >&2; return 1; }
  spark_version="$(piadm_jar_version "$dir" spark-core_2.13)" || return 1
  (cd "$ROOT" && $MVN -q dependency:copy -Dartifact="org.apache.spark:spark-yarn_2.13:$spark_version" \
      -DoutputDirectory="$dir" >&2) || { echo "mvn dependency:copy spark-yarn_2.13:$spark_version failed" >&2; return 1; }
  touch "$dir/.complete"
}

# piadm_jar_version DIR ARTIFACT: the version of DIR/ARTIFACT-VERSION.jar.
piadm_jar_version() {
  local f
  f="$(ls "$1"/"$2"-[0-9]*.jar 2>/dev/null | head -1)"
  [ -n "$f" ] || { echo "no $2 jar in $1" >&2; return 1; }
  f="${f##*/$2-}"
  echo "${f%.jar}"
}
