package io.piadm.metrics;

import io.piadm.linalg.Linalg;

/**
 * Frechet (2-Wasserstein) distance between the Gaussians fitted to two point sets (Dowson and Landau 1982; FID,
 * Heusel et al. 2017; docs/ALGORITHMS.md section 13):
 * {@code d_F^2 = |m0 - m1|^2 + tr S0 + tr S1 - 2 tr((S0^1/2 S1 S0^1/2)^1/2)}, with the matrix square roots from
 * Breeze's symmetric eigendecomposition ({@link Linalg#sqrtmPsd}, {@link Linalg#eigSym}). Like any plug-in
 * estimate it is biased upward at finite n, so reports put it beside the same figure for two independent data
 * sets of the same size.
 */
public final class FrechetDistance {
    private FrechetDistance() {}

    /** d_F^2 between the fitted Gaussians of rows {@code a} (na x d) and {@code b} (nb x d). */
    public static double squared(double[] a, int na, double[] b, int nb, int d) {
        double[] m0 = new double[d];
        double[] m1 = new double[d];
        double[] s0 = Linalg.sampleCovariance(a, na, d, m0);
        double[] s1 = Linalg.sampleCovariance(b, nb, d, m1);
        return between(m0, s0, m1, s1, d);
    }

    /** d_F^2 between N(m0, s0) and N(m1, s1) (covariances d x d row-major, positive semi-definite). */
    public static double between(double[] m0, double[] s0, double[] m1, double[] s1, int d) {
        double mean = 0;
        double tr = 0;
        for (int i = 0; i < d; i++) {
            mean += (m0[i] - m1[i]) * (m0[i] - m1[i]);
            tr += s0[i * d + i] + s1[i * d + i];
        }
        double[] r = Linalg.sqrtmPsd(s0, d);
        double[] m = Linalg.multiply(Linalg.multiply(r, d, d, s1, d), d, d, r, d);
        for (int i = 0; i < d; i++) { // symmetrise against round-off before the eigendecomposition
            for (int j = i + 1; j < d; j++) {
                double v = 0.5 * (m[i * d + j] + m[j * d + i]);
                m[i * d + j] = v;
                m[j * d + i] = v;
            }
        }
        double cross = 0;
        for (double w : Linalg.eigSym(m, d).values) {
            cross += Math.sqrt(Math.max(w, 0));
        }
        return Math.max(0, mean + tr - 2 * cross);
    }
}
