package io.piadm.sampler;

/**
 * One linear-recurrence phase run either sequentially or by Picard sweeps: M steps over a state of
 * {@code stateSize} values per sample whose first d values are the position the score is evaluated at.
 * Step j maps point j to point j+1 using the score at point j (time {@link #evalTime}) and the noise of
 * step j. Picard and sequential runs call the same {@link #step}, so at full iteration they agree to the
 * last bit.
 */
abstract class Phase {
    final String name;
    final int steps;
    final int dim;
    final int stateSize;
    final int noiseSize;

    Phase(String name, int steps, int dim, int stateSize, int noiseSize) {
        this.name = name;
        this.steps = steps;
        this.dim = dim;
        this.stateSize = stateSize;
        this.noiseSize = noiseSize;
    }

    /** Forward time at which the score of point j is evaluated. */
    abstract double evalTime(int j);

    /**
     * True when every step evaluates the score at the same time (the corrector, at its block's end): then
     * the rows of a first sweep, whose points all equal the start, are identical, and one evaluation gives
     * the same bits as M.
     */
    boolean constantEvalTime() {
        return false;
    }

    /** Variance scale of point m (1..M) in the scaled residual. */
    abstract double residualVariance(int m);

    /** The noise of step j for sample id ({@code noiseSize} values at {@code off}). */
    abstract void fillNoise(long id, int j, double[] buf, int off);

    /** {@code out = point j+1} from {@code z = point j}, score {@code g} at point j and noise {@code xi}. */
    abstract void step(int j, double[] z, int zOff, double[] g, int gOff, double[] xi, int xiOff,
            double[] out, int outOff);

    /** Doubles of working memory per sample when run by Picard sweeps. */
    long picardDoubles() {
        return (long) (steps + 1) * stateSize + (long) steps * (2L * dim + noiseSize);
    }
}
