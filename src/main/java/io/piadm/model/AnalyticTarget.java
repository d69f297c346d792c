package io.piadm.model;

import java.util.List;
import java.util.OptionalDouble;

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
     * Mean and full covariance of p_t when p_t is Gaussian; null otherwise. Returns {mean[d], cov[d*d]} with the
     * covariance row-major. The default builds it from {@link #diagonalGaussianMoments} (d^2 doubles: callers
     * that can use the diagonal form should ask for that first).
     */
    default double[][] gaussianMoments(double t) {
        double[][] mv = diagonalGaussianMoments(t);
        if (mv == null) {
            return null;
        }
        int d = mv[0].length;
        double[] cov = new double[d * d];
        for (int i = 0; i < d; i++) {
            cov[i * d + i] = mv[1][i];
        }
        return new double[][] {mv[0].clone(), cov};
    }

    /**
     * Arrays to write beside the samples so that an independent check can rebuild the target (e.g. the
     * covariance of a full-covariance Gaussian as {@code target-covariance.npy}); none by default. Each call
     * returns fresh arrays.
     */
    default List<OutputArray> extraOutputs() {
        return List.of();
    }

    /**
     * A Lipschitz constant of {@code x -> score(x, t)} (the spectral norm of its Jacobian, where known exactly),
     * for choosing block lengths on stiff targets (Zhou and Sugiyama, Remark 5.7: Picard contracts when
     * {@code L^2 e^h h} is small, so {@code h = O(1/L^2)}); empty when unknown.
     */
    default OptionalDouble scoreLipschitz(double t) {
        return OptionalDouble.empty();
    }

    /**
     * {@code E|X_0|^2} of the data law (t = 0). The default horizon grows with it: the forward process
     * forgets its start like e^{-T} times the start's second moment.
     */
    double secondMoment();
}
