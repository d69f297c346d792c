package io.piadm.metrics;

import java.util.Arrays;

/**
 * Squared maximum mean discrepancy with a Gaussian kernel {@code k(x, y) = exp(-|x - y|^2 / (2 h^2))}, the
 * unbiased U-statistic of Gretton et al. (JMLR 2012, eq. 3):
 * <pre>  MMD^2_u = 1/(m(m-1)) sum_{i!=j} k(x_i,x_j) + 1/(n(n-1)) sum_{i!=j} k(y_i,y_j) - 2/(mn) sum_{i,j} k(x_i,y_j)</pre>
 * It can be slightly negative when the laws agree; its spread is O(1/n).
 *
 * <p>Bandwidth: the median heuristic, {@code h^2 = median of |z_i - z_j|^2} over pairs of a pooled sample
 * ({@link #medianPoints(int)} points, at most {@value #MEDIAN_POINTS}, taken with an even stride), or a bandwidth given by the caller
 * (so several comparisons can share one kernel).
 *
 * <p>Cost is bounded by subsampling: each sample keeps at most {@link #defaultMaxPoints(int)} rows, chosen
 * deterministically with an even stride ({@code row floor(i n / m)}; rows are i.i.d. draws, so a strided
 * subset is an unbiased subsample), so the kernel sums cost O(m^2 d) with m^2 d about 1e8 at most.
 */
public final class Mmd {
    private Mmd() {}

    /** Most pooled points used for the median heuristic (about 125k pairs). */
    public static final int MEDIAN_POINTS = 500;

    /**
     * Pooled points for the median heuristic in dimension d: {@code clamp(sqrt(5e7 / d), 100, 500)}; even
     * 100 points give 4950 pairs, a median with relative spread of a few percent.
     */
    public static int medianPoints(int d) {
        return (int) Math.max(100, Math.min(MEDIAN_POINTS, Math.sqrt(5e7 / d)));
    }

    /** Result of an MMD computation. */
    public static final class Result {
        public final double mmd2;
        public final double bandwidth;
        public final int pointsX;
        public final int pointsY;

        Result(double mmd2, double bandwidth, int pointsX, int pointsY) {
            this.mmd2 = mmd2;
            this.bandwidth = bandwidth;
            this.pointsX = pointsX;
            this.pointsY = pointsY;
        }
    }

    /**
     * Rows kept per sample in dimension d: {@code clamp(sqrt(1e8 / d), 200, 1000)}, so the three kernel sums
     * (about 2 m^2 distances of d terms plus as many exps) stay near a second on one core; the estimator's
     * sd is then O(1/m) ~ 1e-3.
     */
    public static int defaultMaxPoints(int d) {
        return (int) Math.max(200, Math.min(1000, Math.sqrt(1e8 / d)));
    }

    /** MMD^2 with the median-heuristic bandwidth on the pooled sample and the default subsample size. */
    public static Result mmd2(double[] x, int nx, double[] y, int ny, int d) {
        return mmd2(x, nx, y, ny, d, medianBandwidth(x, nx, y, ny, d), defaultMaxPoints(d));
    }

    /** MMD^2 with a given bandwidth h &gt; 0, each sample subsampled to at most maxPoints rows. */
    public static Result mmd2(double[] x, int nx, double[] y, int ny, int d, double h, int maxPoints) {
        if (nx < 2 || ny < 2) {
            throw new IllegalArgumentException("unbiased MMD needs at least 2 points per sample, got " + nx + ", " + ny);
        }
        if (!(h > 0) || !Double.isFinite(h)) {
            throw new IllegalArgumentException("bandwidth must be finite and > 0, got " + h);
        }
        if (maxPoints < 2) {
            throw new IllegalArgumentException("maxPoints must be >= 2, got " + maxPoints);
        }
        double[] xs = stride(x, nx, d, Math.min(nx, maxPoints));
        double[] ys = stride(y, ny, d, Math.min(ny, maxPoints));
        int m = xs.length / d;
        int n = ys.length / d;
        double g = 1 / (2 * h * h);
        double kxx = sumWithin(xs, m, d, g);
        double kyy = sumWithin(ys, n, d, g);
        double kxy = 0;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                kxy += StrictMath.exp(-g * dist2(xs, i * d, ys, j * d, d));
            }
        }
        double v = 2 * kxx / ((double) m * (m - 1)) + 2 * kyy / ((double) n * (n - 1)) - 2 * kxy / ((double) m * n);
        return new Result(v, h, m, n);
    }

    /**
     * Median heuristic bandwidth: {@code h = sqrt(median |z_i - z_j|^2)} over all pairs of a strided pooled
     * subsample of {@link #medianPoints(int)} points (half from each sample where possible).
     */
    public static double medianBandwidth(double[] x, int nx, double[] y, int ny, int d) {
        int pts = medianPoints(d);
        int half = pts / 2;
        int mx = Math.min(nx, Math.max(half, pts - Math.min(ny, half)));
        int my = Math.min(ny, pts - mx);
        double[] xs = stride(x, nx, d, mx);
        double[] ys = stride(y, ny, d, my);
        int p = mx + my;
        if (p < 2) {
            throw new IllegalArgumentException("median heuristic needs at least 2 points");
        }
        double[] pool = new double[p * d];
        System.arraycopy(xs, 0, pool, 0, mx * d);
        System.arraycopy(ys, 0, pool, mx * d, my * d);
        double[] dd = new double[p * (p - 1) / 2];
        int c = 0;
        for (int i = 0; i < p; i++) {
            for (int j = i + 1; j < p; j++) {
                dd[c++] = dist2(pool, i * d, pool, j * d, d);
            }
        }
        Arrays.sort(dd);
        int mid = dd.length / 2;
        double med = dd.length % 2 == 1 ? dd[mid] : 0.5 * (dd[mid - 1] + dd[mid]);
        if (!(med > 0)) {
            // Degenerate pool (more than half the pairs coincide): fall back to the mean squared distance.
            double s = 0;
            for (double v : dd) {
                s += v;
            }
            med = s / dd.length;
        }
        if (!(med > 0) || !Double.isFinite(med)) {
            throw new IllegalArgumentException("median heuristic failed: pooled points all coincide or are not finite");
        }
        return Math.sqrt(med);
    }

    /** Rows {@code floor(i n / m)}, i &lt; m, copied to a new array (the input itself when m == n). */
    static double[] stride(double[] x, int n, int d, int m) {
        if (m == n) {
            return x.length == (long) n * d ? x : Arrays.copyOf(x, n * d);
        }
        double[] out = new double[m * d];
        for (int i = 0; i < m; i++) {
            int r = (int) ((long) i * n / m);
            System.arraycopy(x, r * d, out, i * d, d);
        }
        return out;
    }

    private static double sumWithin(double[] x, int n, int d, double g) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                s += StrictMath.exp(-g * dist2(x, i * d, x, j * d, d));
            }
        }
        return s;
    }

    /** Squared distance with four partial sums in a fixed order (deterministic, not latency-bound). */
    private static double dist2(double[] a, int ao, double[] b, int bo, int d) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int i = 0;
        for (; i + 3 < d; i += 4) {
            double z0 = a[ao + i] - b[bo + i];
            double z1 = a[ao + i + 1] - b[bo + i + 1];
            double z2 = a[ao + i + 2] - b[bo + i + 2];
            double z3 = a[ao + i + 3] - b[bo + i + 3];
            s0 += z0 * z0;
            s1 += z1 * z1;
            s2 += z2 * z2;
            s3 += z3 * z3;
        }
        for (; i < d; i++) {
            double z = a[ao + i] - b[bo + i];
            s0 += z * z;
        }
        return (s0 + s1) + (s2 + s3);
    }
}
