package io.piadm.spark;

import io.piadm.model.ExecutionContext;
import io.piadm.model.ModelSpec;
import io.piadm.model.ScoreModel;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Executor-side models, built once per JVM from their small serialisable {@link ModelSpec} (loading a
 * network costs seconds; a round ~ms), for the running task's {@link ExecutionContext}: its GPU address
 * and cores. Keyed by spec id and GPU address, so two tasks of one executor bound to different GPUs get a
 * model each. Static: tasks never carry a model, only its spec. The models live as long as the executor
 * and are closed when its JVM exits.
 */
public final class ExecutorModels {
    private ExecutorModels() {}

    private static final ConcurrentHashMap<String, ScoreModel> CACHE = new ConcurrentHashMap<>();
    private static final AtomicInteger BUILDS = new AtomicInteger();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ExecutorModels::closeAll, "piadm-close-models"));
    }

    /** The model of {@code spec} for the current task, built on first use in this JVM. */
    public static ScoreModel get(ModelSpec spec) {
        ExecutionContext ctx = taskContext();
        String key = ctx.gpuAddress() == null ? spec.id() : spec.id() + "@gpu" + ctx.gpuAddress();
        return CACHE.computeIfAbsent(key, k -> {
            BUILDS.incrementAndGet();
            ScoreModel m = spec.build(ctx);
            if (m.dim() != spec.dim()) {
                m.close();
                throw new IllegalStateException("model " + spec.id() + " built with dimension " + m.dim()
                        + ", spec says " + spec.dim());
            }
            return m;
        });
    }

    /** The running task's GPU (first assigned address) and cores (spark.task.cpus); none outside a task. */
    static ExecutionContext taskContext() {
        org.apache.spark.TaskContext tc = org.apache.spark.TaskContext.get();
        int cores = tc == null ? 1 : Math.max(1, tc.cpus());
        return new ExecutionContext(ExecutorResources.gpuAddress(), cores);
    }

    /** How many models this JVM has built (tests check the once-per-JVM caching). */
    public static int builds() {
        return BUILDS.get();
    }

    static void closeAll() {
        for (ScoreModel m : CACHE.values()) {
            m.close();
        }
        CACHE.clear();
    }
}
