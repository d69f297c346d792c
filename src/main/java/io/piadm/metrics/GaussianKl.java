package io.piadm.metrics;

import io.piadm.linalg.Linalg;

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
 *
 * <p><b>Full covariance</b> ({@link #computeFull}, for targets with correlated coordinates): fit
 * {@code N(mhat, Shat)} (sample mean, unbiased sample covariance) and evaluate
 * {@code KL(N(m1,S1) || N(m2,S2)) = 1/2 [tr(S2^-1 S1) + (m2-m1)^T S2^-1 (m2-m1) - d + ln det S2 - ln det S1]}
 * with Cholesky factors ({@link #klFull}). It needs n &gt; d (else Shat is singular). Its floor for n exact
 * draws is exact and the same for every target (the KL is affine-invariant, so whiten: {@code (n-1) Shat}
 * is Wishart(I, k), k = n - 1). By Bartlett's decomposition {@code k Shat = A A^T} with A lower triangular,
 * independent {@code A_ii^2 ~ chi2_{nu_i}}, {@code nu_i = k - i + 1} (i = 1..d), {@code A_ij ~ N(0, 1)} below
 * the diagonal, and {@code n (mhat - m)^2 ~ chi2_d} independent of them:
 * <pre>  2 KL = chi2_d / n + sum_{i>j} A_ij^2 / k + sum_i (A_ii^2 / k - ln(A_ii^2 / k)) - d,</pre>
 * a sum of independent terms. With {@code E ln chi2_nu = psi(nu/2) + ln 2}, {@code Var ln chi2_nu =
 * psi'(nu/2)} and {@code Cov(chi2_nu, ln chi2_nu) = 2}:
 * <pre>  E[KL]    = 1/2 [ d/n + sum_i (ln(k/2) - psi(nu_i/2)) ]                     ~ (d + d(d+1)/2) / (2n)
 *  Var[2KL] = 2d/n^2 + d(d-1)/k^2 + sum_i (2 nu_i/k^2 + psi'(nu_i/2) - 4/k)     ~ 2 (d + d(d+1)/2) / n^2</pre>
 * (the asymptotic forms are the chi-square law of the likelihood-ratio statistic with d + d(d+1)/2
 * parameters). The floor grows like d^2/(4n): at d = 64, n = 2000 it is 0.54 +- 0.016, so the full KL of a
 * sampler tells sampler error from noise only down to a few hundredths there.
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

    /**
     * Full-covariance KL from the sample mean and unbiased sample covariance of rows {@code 0..n)} of {@code x}
     * to {@code N(mean, cov)} (cov row-major d x d, positive definite); n &gt; d.
     */
    public static Result computeFull(double[] x, int n, int d, double[] mean, double[] cov) {
        if (n <= d) {
            throw new IllegalArgumentException("the full-covariance KL needs more samples than dimensions (the sample "
                    + "covariance of n <= d points is singular), got n=" + n + ", d=" + d);
        }
        if (mean.length != d || cov.length != (long) d * d || x.length < (long) n * d) {
            throw new IllegalArgumentException("shape mismatch: d=" + d + ", n=" + n);
        }
        double[] m = new double[d];
        double[] c = Linalg.sampleCovariance(x, n, d, m);
        return new Result(klFull(m, c, mean, cov, d), expectedFloorFull(n, d), floorSdFull(n, d), n, d);
    }

    /**
     * Closed form {@code KL(N(m1, S1) || N(m2, S2))} in d dimensions (covariances row-major, positive definite):
     * with {@code S2 = L2 L2^T}, {@code S1 = L1 L1^T}: {@code tr(S2^-1 S1) = ||L2^-1 L1||_F^2}, the Mahalanobis
     * term is {@code ||L2^-1 (m2 - m1)||^2}, and {@code ln det S = 2 sum ln L_ii}.
     */
    public static double klFull(double[] m1, double[] s1, double[] m2, double[] s2, int d) {
        if (m1.length != d || m2.length != d || s1.length != (long) d * d || s2.length != (long) d * d) {
            throw new IllegalArgumentException("shape mismatch: d=" + d);
        }
        double[] l2 = Linalg.cholesky(s2, d);
        double[] l1 = Linalg.cholesky(s1, d);
        double[] a = Linalg.solveLower(l2, d, l1, d);
        double tr = 0;
        for (double v : a) {
            tr += v * v;
        }
        double[] dm = new double[d];
        for (int i = 0; i < d; i++) {
            dm[i] = m2[i] - m1[i];
        }
        double[] y = Linalg.solveLower(l2, d, dm, 1);
        double quad = 0;
        for (double v : y) {
            quad += v * v;
        }
        double kl = 0.5 * (tr + quad - d + Linalg.logDetFromCholesky(l2, d) - Linalg.logDetFromCholesky(l1, d));
        if (!Double.isFinite(kl)) {
            throw new ArithmeticException("full-covariance KL is not finite: " + kl);
        }
        return kl;
    }

    /** {@code E[KL]} of {@link #computeFull} for n &gt; d exact draws (exact; see the class comment). */
    public static double expectedFloorFull(int n, int d) {
        if (n <= d || d < 1) {
            throw new IllegalArgumentException("needs n > d >= 1, got n=" + n + ", d=" + d);
        }
        double k = n - 1;
        double s = (double) d / n;
        for (int i = 1; i <= d; i++) {
            double nu = k - i + 1;
            // ln(k/2) - psi(nu/2) = ln(k/nu) + (ln(nu/2) - psi(nu/2)), the second without cancellation.
            s += StrictMath.log(k / nu) + SpecialFunctions.logMinusDigamma(0.5 * nu);
        }
        return 0.5 * s;
    }

    /** Standard deviation of {@link #computeFull} for n &gt; d exact draws (exact; see the class comment). */
    public static double floorSdFull(int n, int d) {
        if (n <= d || d < 1) {
            throw new IllegalArgumentException("needs n > d >= 1, got n=" + n + ", d=" + d);
        }
        double k = n - 1;
        double var2 = 2.0 * d / ((double) n * n) + (double) d * (d - 1) / (k * k);
        for (int i = 1; i <= d; i++) {
            double nu = k - i + 1;
            var2 += 2 * nu / (k * k) + SpecialFunctions.trigamma(0.5 * nu) - 4 / k;
        }
        return 0.5 * Math.sqrt(var2);
    }
}
