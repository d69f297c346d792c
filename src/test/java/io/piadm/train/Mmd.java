package io.piadm.train;

/**
 * Unbiased MMD^2 (Gretton et al. 2012, eq. 3) with a sum of Gaussian kernels of bandwidths 0.05, 0.1,
 * 0.2, 0.5 and 1 (the 2-D sets have structure at all these scales). Test-side helper for the acceptance
 * measurement; the project's metrics package has its own.
 */
final class Mmd {
    static final double[] BANDWIDTHS = {0.05, 0.1, 0.2, 0.5, 1.0};

    private Mmd() {}

    static double unbiasedSquared(double[] x, int n, double[] y, int m, int d) {
        double xx = 0;
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                xx += k(x, i, x, j, d);
            }
        }
        double yy = 0;
        for (int i = 0; i < m; i++) {
            for (int j = i + 1; j < m; j++) {
                yy += k(y, i, y, j, d);
            }
        }
        double xy = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                xy += k(x, i, y, j, d);
            }
        }
        return 2 * xx / ((double) n * (n - 1)) + 2 * yy / ((double) m * (m - 1)) - 2 * xy / ((double) n * m);
    }

    private static double k(double[] a, int i, double[] b, int j, int d) {
        double s = 0;
        for (int c = 0; c < d; c++) {
            double diff = a[i * d + c] - b[j * d + c];
            s += diff * diff;
        }
        double v = 0;
        for (double h : BANDWIDTHS) {
            v += Math.exp(-s / (2 * h * h));
        }
        return v;
    }
}
