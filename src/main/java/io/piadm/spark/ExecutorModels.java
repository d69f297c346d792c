package io.piadm.spark;

import io.piadm.model.ModelSpec;
import io.piadm.model.ScoreModel;
import io.piadm.model.onnx.OnnxModelSpec;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Executor-side models, built once per JVM from their small serialisable {@link ModelSpec} (loading a
 * network costs seconds; a round ~ms). Keyed by spec id and the task's GPU address, so two tasks of one
 * executor bound to different GPUs get a model each. Static: tasks never carry a model, only its spec.
 */
public final class ExecutorModels {
    private ExecutorModels() {}

    private static final ConcurrentHashMap<String, ScoreModel> CACHE = new ConcurrentHashMap<>();
    private static final AtomicInteger BUILDS = new AtomicInteger();

    /** The model of {@code spec} for the current task, built on first use in this JVM. */
    public static ScoreModel get(ModelSpec spec) {
        String gpu = ExecutorResources.gpuAddress();
        String key = gpu == null ? spec.id() : spec.id() + "@gpu" + gpu;
        return CACHE.computeIfAbsent(key, k -> {
            BUILDS.incrementAndGet();
            // ONNX networks take the task's GPU address and core count (the ONNX seam); analytic models
            // ignore devices.
            ScoreModel m = spec instanceof OnnxModelSpec onnx ? onnx.build(gpu, taskCores()) : spec.build();
            if (m.dim() != spec.dim()) {
                throw new IllegalStateException("model " + spec.id() + " built with dimension " + m.dim()
                        + ", spec says " + spec.dim());
            }
            return m;
        });
    }

    /** Cores Spark gave the running task (spark.task.cpus); 1 outside a task. */
    static int taskCores() {
        org.apache.spark.TaskContext tc = org.apache.spark.TaskContext.get();
        return tc == null ? 1 : Math.max(1, tc.cpus());
    }

    /** How many models this JVM has built (tests check the once-per-JVM caching). */
    public static int builds() {
        return BUILDS.get();
    }
}
