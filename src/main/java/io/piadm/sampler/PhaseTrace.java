package io.piadm.sampler;

import java.io.Serializable;
import java.util.Arrays;

/**
 * One Picard (or sequential) phase of a stage: {@code sweeps} rounds (the most any sample needed),
 * {@code residuals[k]} the largest scaled residual over samples after sweep k+1 (empty for sequential
 * phases), and {@code pointsEvaluated} the score evaluations summed over samples.
 */
public final class PhaseTrace implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String phase;
    private final int sweeps;
    private final double[] residuals;
    private final long pointsEvaluated;
    private final long sequentialFallbacks;

    public PhaseTrace(String phase, int sweeps, double[] residuals, long pointsEvaluated) {
        this(phase, sweeps, residuals, pointsEvaluated, 0);
    }

    /**
     * @param sequentialFallbacks samples whose Picard iteration diverged and finished this phase with
     *                            sequential steps (see PicardKernel)
     */
    public PhaseTrace(String phase, int sweeps, double[] residuals, long pointsEvaluated, long sequentialFallbacks) {
        this.phase = phase;
        this.sweeps = sweeps;
        this.residuals = residuals.clone();
        this.pointsEvaluated = pointsEvaluated;
        this.sequentialFallbacks = sequentialFallbacks;
    }

    public long sequentialFallbacks() {
        return sequentialFallbacks;
    }

    public String phase() {
        return phase;
    }

    public int sweeps() {
        return sweeps;
    }

    public double[] residuals() {
        return residuals.clone();
    }

    public long pointsEvaluated() {
        return pointsEvaluated;
    }

    /** Combines the traces of two batches of samples of the same phase: rounds are the max, work adds. */
    public PhaseTrace merge(PhaseTrace other) {
        if (!phase.equals(other.phase)) {
            throw new IllegalArgumentException("cannot merge phase " + phase + " with " + other.phase);
        }
        double[] r = new double[Math.max(residuals.length, other.residuals.length)];
        for (int k = 0; k < r.length; k++) {
            double a = k < residuals.length ? residuals[k] : 0.0;
            double b = k < other.residuals.length ? other.residuals[k] : 0.0;
            r[k] = Math.max(a, b);
        }
        return new PhaseTrace(phase, Math.max(sweeps, other.sweeps), r, pointsEvaluated + other.pointsEvaluated,
                sequentialFallbacks + other.sequentialFallbacks);
    }

    @Override
    public String toString() {
        return phase + "[sweeps=" + sweeps + ", points=" + pointsEvaluated + ", residuals="
                + Arrays.toString(residuals) + "]";
    }
}
