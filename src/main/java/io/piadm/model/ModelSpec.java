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

    /** Builds the executor-side model. May be expensive (loading a network); callers cache it. */
    ScoreModel build();

    /** Canonical spec string, e.g. {@code gaussian:d=64,std=0.5}; equal specs give equal models. */
    String id();

    /**
     * Everything needed to identify (and, for analytic models, rebuild exactly) the target, for run.json:
     * at least {@code type}; analytic models add every parameter (weights, means, stds).
     */
    Map<String, Object> describe();

    /** The exact law p_t, when this model knows it (reference models); null otherwise. */
    default AnalyticTarget analyticTarget() {
        return null;
    }
}
