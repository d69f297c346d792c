package io.piadm.metrics;

/**
 * KL divergence from moments, for a target whose law factorises over coordinates into Gaussians
 * {@code N(m_i, v_i)} ({@link io.piadm.model.AnalyticTarget#diagonalGaussianMoments}): fit
 * {@code N(mhat_i, vhat_i)} to each coordinate of the samples (sample mean, unbiased sample variance) and
 * sum {@code KL(N(mhat_i, vhat_i) || N(m_i, v_i)) = 1/2 (vhat/v + (mhat - m)^2 / v - 1 - ln(vhat/v))}.
 *
 * <p>This is the KL of the product of fitted 1-D Gaussians; it ignores correlations between coordinates
 * (the samplers of this project act coordinate-wise on such targets, so there are none beyond noise).
 *
 * <p><b>Monte-Carlo floor.</b> Even an exact sampler scores above zero. For N exact draws of coordinate i:
 * {@code mhat - m ~ N(0, v/N)}, so {@code E[(mhat - m)^2 / v] = 1/N}; and with k = N - 1,
 * {@code w = vhat/v ~ chi2_k / k}, independent of mhat (Cochran), with {@code E[w] = 1} and, from
 * {@code E[ln chi2_k] = psi(k/2) + ln 2}, {@code E[ln w] = psi(k/2) - ln(k/2)}. Hence
 * <pre>  E[KL] = d/2 * ( 1/N + ln(k/2) - psi(k/2) )  ~  d/2 * (1/N + 1/k + 1/(3k^2))  ~  d/N.</pre>
 * Its spread: {@code (mhat-m)^2/v = chi2_1/N} has variance {@code 2/N^2}; {@code w - 1 - ln w ~ (w-1)^2/2}
 * with {@code w - 1 ~ N(0, 2/k)} gives {@code chi2_1/k}, variance {@code 2/k^2}; so per coordinate
 * {@code Var KL_i ~ 1/4 (2/N^2 + 2/k^2)} and over d independent coordinates
 * <pre>  sd[KL] ~ sqrt( d/2 * (1/N^2 + 1/k^2) )  ~  sqrt(d)/N.</pre>
 * A sampler whose KL is within a few sd of the floor is indistinguishable from exact at this N.
 */
public final class GaussianKl {
    private GaussianKl() {}

    /** Result of {@link #compute}. */
    public static final class Result {
        public final double kl;
        public final double floor;
        public final double floorSd;
        public final int n;
        public final int d;

        Result(double kl, double floor, double floorSd, int n, int d) {
            this.kl = kl;
            this.floor = floor;
            this.floorSd = floorSd;
            this.n = n;
            this.d = d;
        }
    }

    /**
     * KL from the moments of rows {@code 0..n)} of {@code x} (row-major, d columns) to the coordinate-wise
     * Gaussian {@code N(mean_i, var_i)}; n &gt;= 2.
     */
    public static Result compute(double[] x, int n, int d, double[] mean, double[] var) {
        if (n < 2) {
            throw new IllegalArgumentException("KL from moments needs at least 2 samples, got " + n);
        }
        if (mean.length != d || var.length != d || x.length < (long) n * d) {
            throw new IllegalArgumentException("shape mismatch: d=" + d + ", n=" + n);
        }
        double[] m = new double[d];
        for (int r = 0; r < n; r++) {
            int o = r * d;
            for (int i = 0; i < d; i++) {
                m[i] += x[o + i];
            }
        }
        for (int i = 0; i < d; i++) {
            m[i] /= n;
        }
        double[] ss = new double[d];
        for (int r = 0; r < n; r++) {
            int o = r * d;
            for (int i = 0; i < d; i++) {
                double z = x[o + i] - m[i];
                ss[i] += z * z;
            }
        }
        double kl = 0;
        for (int i = 0; i < d; i++) {
            kl += klCoordinate(m[i], ss[i] / (n - 1), mean[i], var[i]);
        }
        return new Result(kl, expectedFloor(n, d), floorSd(n, d), n, d);
    }

    /** Closed form {@code KL(N(m1, v1) || N(m2, v2))} in one dimension. */
    public static double klCoordinate(double m1, double v1, double m2, double v2) {
        double r = v1 / v2;
        double dm = m1 - m2;
        return 0.5 * (r + dm * dm / v2 - 1 - StrictMath.log(r));
    }

    /** {@code E[KL]} of this estimator for n exact draws in d coordinates (see the class comment). */
    public static double expectedFloor(int n, int d) {
        if (n < 2) {
            throw new IllegalArgumentException("needs n >= 2, got " + n);
        }
        double halfK = 0.5 * (n - 1);
        return 0.5 * d * (1.0 / n + SpecialFunctions.logMinusDigamma(halfK));
    }

    /** Approximate standard deviation of the estimator for n exact draws (see the class comment). */
    public static double floorSd(int n, int d) {
        double k = n - 1;
        return Math.sqrt(0.5 * d * (1.0 / ((double) n * n) + 1.0 / (k * k)));
    }
}
