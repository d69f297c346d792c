package io.piadm.eval;

import java.io.Serializable;

/**
 * What one evaluation round belongs to, so an evaluator can label its work (Spark job descriptions,
 * progress). {@code stage} is the outer block (or the single stage of a whole-grid sampler), {@code phase}
 * names the part of it ("predictor", "corrector", "sequential", "window"), {@code sweep} counts from 1.
 */
public final class RoundInfo implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String sampler;
    private final int stage;
    private final String phase;
    private final int sweep;

    public RoundInfo(String sampler, int stage, String phase, int sweep) {
        this.sampler = sampler;
        this.stage = stage;
        this.phase = phase;
        this.sweep = sweep;
    }

    public String sampler() {
        return sampler;
    }

    public int stage() {
        return stage;
    }

    public String phase() {
        return phase;
    }

    public int sweep() {
        return sweep;
    }

    @Override
    public String toString() {
        return sampler + " block " + stage + " " + phase + " sweep " + sweep;
    }
}
