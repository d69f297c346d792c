package io.piadm.job;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * What produced a result besides its configuration (cf. Tribuo's provenance): the piadm version and git
 * commit it was built from, the OS and architecture, and the Java, Spark and ONNX Runtime versions. The
 * build writes {@code piadm-build.properties}; the Spark version comes from the Spark on the classpath
 * when there is one, since spark-submit may supply another than the build's.
 */
public final class Provenance {
    private Provenance() {}

    public static Map<String, Object> describe() {
        Properties p = new Properties();
        try (InputStream in = Provenance.class.getResourceAsStream("/piadm-build.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // reported as unknown below
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("piadmVersion", value(p, "version"));
        m.put("gitCommit", value(p, "git.commit"));
        m.put("gitDirty", value(p, "git.dirty"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        m.put("arch", System.getProperty("os.arch"));
        m.put("javaVersion", Runtime.version().toString());
        m.put("javaVendor", System.getProperty("java.vendor"));
        m.put("sparkVersion", sparkVersion(value(p, "spark.version")));
        m.put("onnxRuntimeVersion", value(p, "onnxruntime.version"));
        return m;
    }

    private static String value(Properties p, String key) {
        String v = p.getProperty(key);
        return v == null || v.isBlank() || v.startsWith("${") ? "unknown" : v;
    }

    private static String sparkVersion(String built) {
        try {
            Class<?> c = Class.forName("org.apache.spark.package$");
            Object module = c.getField("MODULE$").get(null);
            return String.valueOf(c.getMethod("SPARK_VERSION").invoke(module));
        } catch (ReflectiveOperationException | LinkageError e) {
            return built;
        }
    }
}
