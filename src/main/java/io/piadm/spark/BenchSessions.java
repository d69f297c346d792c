package io.piadm.spark;

import org.apache.spark.sql.SparkSession;

/** Sessions for the benchmarks: like the Spark backend's (Kryo, WARN logs, the application jar on clusters). */
public final class BenchSessions {
    private BenchSessions() {}

    public static SparkSession open(String master, String appName) {
        String m = SparkSessions.resolveMaster(master);
        SparkSessions.Options o = new SparkSessions.Options().master(m).ui(false).appName(appName);
        String jar = SparkBackend.applicationJar(m);
        if (jar != null) {
            o.conf("spark.jars", jar);
        }
        return SparkSessions.getOrCreate(o);
    }
}
