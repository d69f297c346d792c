package io.piadm.spark;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/** One local[2] session shared by the Spark test classes of a Surefire JVM (start-up costs ~5 s). */
final class SparkTestSession {
    private SparkTestSession() {}

    private static SparkSession session;

    static synchronized SparkSession get() {
        if (session == null || session.sparkContext().isStopped()) {
            session = SparkSessions.getOrCreate(new SparkSessions.Options().master("local[2]").ui(false)
                    .appName("piadm-tests"));
        }
        return session;
    }

    /**
     * The shared session on {@code local[2,2]}: a failed task is retried once (plain local masters never
     * retry), for tests of what a retried task does. Replaces a session on another master.
     */
    static synchronized SparkSession withRetries() {
        if (session != null && !session.sparkContext().isStopped() && session.sparkContext().master().equals("local[2,2]")) {
            return session;
        }
        stop();
        session = SparkSessions.getOrCreate(new SparkSessions.Options().master("local[2,2]").ui(false)
                .appName("piadm-tests-retries"));
        return session;
    }

    /** Stops the shared session (integration tests need their own master in this JVM). */
    static synchronized void stop() {
        if (session != null) {
            session.stop();
            session = null;
        }
    }

    static JavaSparkContext jsc() {
        return SparkSessions.javaContext(get());
    }
}
