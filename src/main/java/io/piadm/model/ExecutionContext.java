package io.piadm.model;

import java.io.Serializable;

/**
 * Where a model is being built (ARCHITECTURE.md "Seams"): the accelerator Spark assigned to the running
 * task, if any, and the cores the task holds. Every {@link ModelSpec} builds from one, so a wrapper
 * (e.g. {@link ScoreErrorModel}) hands the same context to the model it wraps and a network gets the
 * task's GPU wherever it sits in the spec.
 */
public final class ExecutionContext implements Serializable {
    private static final long serialVersionUID = 1L;

    private static final ExecutionContext LOCAL = new ExecutionContext(null, 1);

    private final String gpuAddress;
    private final int cores;

    public ExecutionContext(String gpuAddress, int cores) {
        if (cores < 1) {
            throw new IllegalArgumentException("an execution context needs >= 1 core, got " + cores);
        }
        this.gpuAddress = gpuAddress;
        this.cores = cores;
    }

    /** This JVM's calling thread, no accelerator, one core per model call (the evaluators add threads). */
    public static ExecutionContext local() {
        return LOCAL;
    }

    /** The GPU address assigned to the task (as Spark's discovery script printed it), or null. */
    public String gpuAddress() {
        return gpuAddress;
    }

    /** Cores available to one model call (e.g. ONNX Runtime intra-op threads). */
    public int cores() {
        return cores;
    }

    @Override
    public String toString() {
        return "ExecutionContext[gpu=" + gpuAddress + ", cores=" + cores + "]";
    }
}
