package io.piadm.model;

/** A target whose diffused law p_t (docs/ALGORITHMS.md section 2) is known exactly: used by metrics and tests. */
public interface AnalyticTarget {
    int dim();

    /** {@code log p_t(x)} for one point {@code x[off .. off+d)}. */
    double logDensity(double[] x, int off, double t);

    /**
     * n independent draws from p_t, written row-major to {@code out}, as a pure function of (seed, row):
     * row i uses counter-based noise keyed by (seed, i), so results do not depend on n.
     */
    void sample(long seed, int n, double t, double[] out);

    /**
     * Per-coordinate mean and variance of p_t when p_t is a Gaussian with diagonal covariance
     * (factorises over coordinates); null otherwise. Returns {mean[d], var[d]}.
     */
    default double[][] diagonalGaussianMoments(double t) {
        return null;
    }

    /**
     * {@code E|X_0|^2} of the data law (t = 0). The default horizon grows with it: the forward process
     * forgets its start like e^{-T} times the start's second moment.
     */
    double secondMoment();
}
