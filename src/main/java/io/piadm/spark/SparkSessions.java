package io.piadm.spark;

import io.piadm.config.InvalidSettingException;
import io.piadm.config.Setting;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Builds (or gets) the one SparkSession of a run. The master comes from {@code --master}, else from
 * {@code spark.master} when spark-submit already set it, else the embedded {@code local[*]}. Kryo with
 * registration required and our single registrator, so an unregistered class fails loudly in tests rather
 * than silently costing bytes in production (PLATFORM-NOTES.md, Kryo).
 */
public final class SparkSessions {
    private SparkSessions() {}

    /** Embedded master used when neither --master nor spark.master is given. */
    public static final String DEFAULT_MASTER = "local[*]";

    /** Options of a session; null master means "from spark.master, else local[*]". */
    public static final class Options {
        private String master;
        private String appName = "piadm";
        private boolean ui = true;
        private final Map<String, String> conf = new LinkedHashMap<>();

        public Options master(String m) {
            this.master = m;
            return this;
        }

        public Options appName(String n) {
            this.appName = n;
            return this;
        }

        /** Spark UI on or off (off in tests: it costs a port and start-up time). */
        public Options ui(boolean on) {
            this.ui = on;
            return this;
        }

        public Options conf(String key, String value) {
            conf.put(key, value);
            return this;
        }
    }

    /** The master this process would use for {@code requested} (null: spark.master or local[*]). */
    public static String resolveMaster(String requested) {
        if (requested != null && !requested.isBlank()) {
            return requested.trim();
        }
        SparkConf fromSubmit = new SparkConf(true);
        if (fromSubmit.contains("spark.master")) {
            return fromSubmit.get("spark.master");
        }
        return DEFAULT_MASTER;
    }

    /** True for masters whose driver and executors share this host: local, local[n], local-cluster. */
    public static boolean isLocalMaster(String master) {
        return master.startsWith("local");
    }

    /** The SparkConf the session is built from (exposed for tests). */
    public static SparkConf conf(Options o) {
        String master = resolveMaster(o.master);
        validateMaster(master);
        SparkConf c = new SparkConf(true).setMaster(master).setAppName(o.appName);
        if (isLocalMaster(master) || master.startsWith("spark://127.0.0.1") || master.startsWith("spark://localhost")) {
            // Loopback runs: otherwise Spark binds to the external interface (PLATFORM-NOTES.md).
            c.set("spark.driver.host", "127.0.0.1");
            c.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
        }
        c.set("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
        c.set("spark.kryo.registrationRequired", "true");
        c.set("spark.kryo.registrator", PiadmKryoRegistrator.class.getName());
        if (!o.ui) {
            c.set("spark.ui.enabled", "false");
        }
        for (Map.Entry<String, String> e : o.conf.entrySet()) {
            c.set(e.getKey(), e.getValue());
        }
        return c;
    }

    /** Rejects a master URL Spark would only fail on later with a less clear message. */
    public static void validateMaster(String master) {
        boolean ok = master.equals("local") || master.matches("local\\[(\\*|[1-9][0-9]*)(,[0-9]+)?]")
                || master.matches("local-cluster\\[[1-9][0-9]*, *[1-9][0-9]*, *[1-9][0-9]*]")
                || master.matches("spark://[^\\s]+") || master.equals("yarn")
                || master.matches("k8s://[^\\s]+");
        if (!ok) {
            throw new InvalidSettingException("{0} must be local, local[N], local[*], local-cluster[N,C,MB], "
                    + "spark://HOST:PORT, yarn or k8s://URL; got '" + master + "'", Setting.MASTER);
        }
    }

    /**
     * Fails fast, naming the URL, when no master of a {@code spark://h1:p1[,h2:p2]} URL accepts a TCP
     * connection: Spark itself would retry for a minute and then only log "All masters are unresponsive".
     */
    public static void checkReachable(String master) {
        if (!master.startsWith("spark://")) {
            return;
        }
        String last = null;
        for (String hp : master.substring("spark://".length()).split(",")) {
            int colon = hp.lastIndexOf(':');
            String host = colon > 0 ? hp.substring(0, colon) : hp;
            int port;
            try {
                port = colon > 0 ? Integer.parseInt(hp.substring(colon + 1)) : 7077;
            } catch (NumberFormatException e) {
                throw new InvalidSettingException("{0} " + master + ": '" + hp + "' is not HOST:PORT", Setting.MASTER);
            }
            try (java.net.Socket sock = new java.net.Socket()) {
                sock.connect(new java.net.InetSocketAddress(host, port), 5000);
                return;
            } catch (java.io.IOException e) {
                last = host + ":" + port + " (" + e.getMessage() + ")";
            }
        }
        throw new InvalidSettingException("{0} " + master + ": cannot reach the Spark master at " + last
                + "; is it running (scripts/standalone-cluster.sh status)?", Setting.MASTER);
    }

    /** Gets or creates the session, then sets the log level to WARN (Spark's INFO slows every round). */
    public static SparkSession getOrCreate(Options o) {
        SparkConf c = conf(o);
        checkReachable(c.get("spark.master"));
        SparkSession s;
        try {
            s = SparkSession.builder().config(c).getOrCreate();
        } catch (RuntimeException e) {
            throw new IllegalStateException("could not start Spark with master " + c.get("spark.master") + ": "
                    + e.getMessage(), e);
        }
        s.sparkContext().setLogLevel("WARN");
        return s;
    }

    public static JavaSparkContext javaContext(SparkSession s) {
        return JavaSparkContext.fromSparkContext(s.sparkContext());
    }
}
