package io.piadm.metrics;

import io.piadm.noise.CounterNoise;
import io.piadm.noise.NoiseStream;

import java.util.Arrays;

/**
 * Sliced Wasserstein-2 distance between two samples in R^d:
 * {@code SW2(P, Q) = sqrt( E_theta W2^2(theta#P, theta#Q) )}, theta uniform on the unit sphere, estimated
 * with L seeded directions (normalised standard normals of {@code CounterNoise(seed)}, stream AUXILIARY,
 * block {@value #DIRECTION_BLOCK}, sample = direction index). Each 1-D W2^2 is exact for the two empirical
 * measures: sorted projections, matched by quantile, so unequal counts are handled by integrating
 * {@code (F_a^{-1}(u) - F_b^{-1}(u))^2} over the merged breakpoints {@code i/na} and {@code j/nb}.
 *
 * <p>Known answer used by the tests: for P and its translate by {@code delta * e} (|e| = 1),
 * {@code W2^2} along theta is {@code delta^2 (theta.e)^2} and {@code E (theta.e)^2 = 1/d}, so
 * {@code SW2 = delta / sqrt(d)}.
 *
 * <p>Cost O(L (na + nb) d) for the projections plus O(L n log n) for the sorts.
 */
public final class SlicedWasserstein {
    private SlicedWasserstein() {}

    /** AUXILIARY-stream block of the directions (distinct from other users of that stream). */
    public static final int DIRECTION_BLOCK = 2;

    /** SW2 between rows {@code 0..na)} of a and rows {@code 0..nb)} of b, L = directions. */
    public static double sw2(double[] a, int na, double[] b, int nb, int d, int directions, long seed) {
        if (na < 1 || nb < 1 || directions < 1 || d < 1) {
            throw new IllegalArgumentException("need na, nb, d, directions >= 1, got na=" + na + ", nb=" + nb
                    + ", d=" + d + ", directions=" + directions);
        }
        if (a.length < (long) na * d || b.length < (long) nb * d) {
            throw new IllegalArgumentException("sample arrays shorter than n * d");
        }
        double[] dirs = directions(d, directions, seed);
        double[][] pa = project(a, na, d, dirs, directions);
        double[][] pb = project(b, nb, d, dirs, directions);
        double sum = 0;
        for (int j = 0; j < directions; j++) {
            Arrays.sort(pa[j]);
            Arrays.sort(pb[j]);
            sum += w2Squared1d(pa[j], pb[j]);
        }
        return Math.sqrt(sum / directions);
    }

    /** L unit directions in R^d, row-major (L x d). */
    static double[] directions(int d, int directions, long seed) {
        CounterNoise noise = new CounterNoise(seed);
        double[] dirs = new double[directions * d];
        for (int j = 0; j < directions; j++) {
            noise.normals(NoiseStream.AUXILIARY, j, DIRECTION_BLOCK, 0, dirs, j * d, d);
            double n2 = 0;
            for (int i = 0; i < d; i++) {
                n2 += dirs[j * d + i] * dirs[j * d + i];
            }
            double inv = 1 / Math.sqrt(n2);
            for (int i = 0; i < d; i++) {
                dirs[j * d + i] *= inv;
            }
        }
        return dirs;
    }

    /** Rows per block of the projection: 8 rows of d = 4096 (256 KiB) stay in cache while the directions stream. */
    private static final int ROW_BLOCK = 8;

    private static double[][] project(double[] x, int n, int d, double[] dirs, int directions) {
        double[][] p = new double[directions][n];
        for (int r0 = 0; r0 < n; r0 += ROW_BLOCK) {
            int r1 = Math.min(n, r0 + ROW_BLOCK);
            for (int j = 0; j < directions; j++) {
                int q = j * d;
                for (int r = r0; r < r1; r++) {
                    p[j][r] = dot(x, r * d, dirs, q, d);
                }
            }
        }
        return p;
    }

    /** Four partial sums in a fixed order: deterministic, and not bound by one add's latency. */
    private static double dot(double[] x, int o, double[] y, int q, int d) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int i = 0;
        for (; i + 3 < d; i += 4) {
            s0 += x[o + i] * y[q + i];
            s1 += x[o + i + 1] * y[q + i + 1];
            s2 += x[o + i + 2] * y[q + i + 2];
            s3 += x[o + i + 3] * y[q + i + 3];
        }
        for (; i < d; i++) {
            s0 += x[o + i] * y[q + i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /**
     * Exact {@code W2^2} between the empirical measures of two sorted 1-D samples (uniform weights
     * 1/na and 1/nb): the integral over u of the squared difference of their quantile functions.
     */
    public static double w2Squared1d(double[] sortedA, double[] sortedB) {
        int na = sortedA.length;
        int nb = sortedB.length;
        // Breakpoints in units of 1/(na nb): quantile piece i of a ends at (i+1) nb, piece j of b at (j+1) na.
        long pos = 0;
        int i = 0;
        int j = 0;
        double acc = 0;
        while (i < na && j < nb) {
            long ea = (long) (i + 1) * nb;
            long eb = (long) (j + 1) * na;
            long next = Math.min(ea, eb);
            double diff = sortedA[i] - sortedB[j];
            acc += (double) (next - pos) * diff * diff;
            pos = next;
            if (ea == next) {
                i++;
            }
            if (eb == next) {
                j++;
            }
        }
        return acc / ((double) na * nb);
    }
}
