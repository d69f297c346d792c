package io.piadm.cli;

import io.piadm.job.Backend;
import io.piadm.job.LocalBackend;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/** The --backend choices: the CLI picks one by name; a backend takes a SampleJob and a listener. */
final class Backends {
    private static final Map<String, Supplier<Backend>> BACKENDS = new LinkedHashMap<>();

    static {
        BACKENDS.put(io.piadm.spark.SparkBackend.NAME, io.piadm.spark.SparkBackend::new);
        BACKENDS.put(LocalBackend.NAME, LocalBackend::new);
    }

    private Backends() {}

    static String names() {
        return String.join(", ", BACKENDS.keySet());
    }

    /** Throws IllegalArgumentException naming --backend and the allowed names. */
    static Backend create(String name) {
        Supplier<Backend> s = BACKENDS.get(name);
        if (s == null) {
            throw new IllegalArgumentException("--backend must be one of " + names() + "; got '" + name + "'");
        }
        return s.get();
    }
}
