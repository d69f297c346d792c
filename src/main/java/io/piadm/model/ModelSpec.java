package io.piadm.model;

import java.io.Serializable;
import java.util.Map;

/**
 * A small serialisable description of a score model, shipped to executors, from which the
 * executor-side {@link ScoreModel} is built once per JVM.
 */
public interface ModelSpec extends Serializable {
    /** Dimension d. */
    int dim();

    /**
     * Builds the executor-side model for {@code context} (the task's GPU and cores). May be expensive
     * (loading a network); callers cache it and close it when done.
     */
    ScoreModel build(ExecutionContext context);

    /** Builds for this JVM with no accelerator ({@link ExecutionContext#local()}). */
    default ScoreModel build() {
        return build(ExecutionContext.local());
    }

    /** Canonical spec string, e.g. {@code gaussian:d=64,std=0.5}; equal specs give equal models. */
    String id();

    /**
     * Everything needed to identify (and, for analytic models, rebuild exactly) the target, for run.json:
     * at least {@code type}; analytic models add every parameter (weights, means, stds).
     */
    Map<String, Object> describe();

    /**
     * The file a learned model was read from (a local path or Hadoop URI), so that its training report
     * beside it can be found; null for analytic models.
     */
    default String modelFile() {
        return null;
    }

    /**
     * The OU times {@code t_0 < ... < t_{N-1}} at which a network was trained, when every evaluation must be at
     * one of them (an integer DDPM step index, docs/ALGORITHMS.md section 9): the schedule is then snapped to
     * these times. Null (the default): any time.
     */
    default double[] trainingTimes() {
        return null;
    }

    /** The per-row shape of the state (e.g. [1, 8, 8] for an image model); the default is flat, [d]. */
    default long[] rowShape() {
        return new long[] {dim()};
    }

    /**
     * This spec, or the spec it wraps, as a {@code type} (e.g. the ONNX network under a score-error or
     * class-label wrapper), or null. Wrappers look through to their base, as JDBC's {@code Wrapper.unwrap}
     * does, so that callers ask for a capability instead of testing spec classes themselves.
     */
    default <T> T unwrap(Class<T> type) {
        return type.isInstance(this) ? type.cast(this) : null;
    }

    /**
     * This spec with its innermost model replaced by {@code inner.apply(innermost)}, the wrappers around it kept
     * in place (a score-error wrapper stays outermost when class labels are added). A plain spec applies
     * {@code inner} to itself.
     */
    default ModelSpec withInner(java.util.function.UnaryOperator<ModelSpec> inner) {
        return inner.apply(this);
    }

    /** The exact law p_t, when this model knows it (reference models); null otherwise. */
    default AnalyticTarget analyticTarget() {
        return null;
    }
}
