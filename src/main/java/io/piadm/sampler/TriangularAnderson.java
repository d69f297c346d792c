package io.piadm.sampler;

/**
 * Triangular Anderson acceleration of the Picard map (ParaTAA: Tang, Tang, Luo, Wang, Chang, ICML 2024,
 * arXiv 2402.09970; read from the authors' {@code parallel_sd.py}, {@code ParallelDDIM.taa_step};
 * docs/ALGORITHMS.md section 6b).
 *
 * <p>Write one sweep as a map G on the points x of a sample's window and its residual {@code r = G(x) - x}.
 * For every point q the last {@code h} pairs (x, r) it took part in are kept; their differences
 * {@code dX_p, dR_p} (p = 0 newest) give the secant information. Point q depends only on the points before it
 * in the chain, so its least-squares weights use sums over exactly those points (the triangular structure;
 * ParaTAA writes them as suffix sums because its index runs from the data back to the noise):
 * <pre>
 *   B_q = sum_{s <= q} w_s dR_s^T dR_s,   c_q = sum_{s <= q} w_s dR_s^T r_s,   w_s = 1 / (S v_s)
 *   gamma_q = (B_q + lambda tr(B_q)/k I)^{-1} c_q
 *   x_q <- G(x)_q - sum_p gamma_{q,p} (dX_p + dR_p)_q          ( = x_q + r_q - ... )
 * </pre>
 * with k the differences point q has. Two deliberate choices beside ParaTAA's code: each point's
 * contribution is weighted by its residual scale {@code 1 / (S v_s)} (the scaled residual of section 4, so
 * small steps near the data count as much as large ones), and the Tikhonov term is relative to the mean
 * diagonal of B ({@code lambda = 1e-3}), so it does not depend on units or on d. Safeguards, as ParaTAA:
 * a point's history holds only sweeps it took part in (a point entering a window starts with none, and
 * needs two sweeps before it is mixed); points up to and including the first unconverged one keep the
 * plain update {@code x_q <- G(x)_q}, which keeps the exact prefix exact; a singular or non-finite solve
 * falls back to the plain update. The sums run on along a chain of phases ({@link Carry}), so in a
 * wavefront a block's weights also see its predecessors' points.
 */
final class TriangularAnderson {
    /** Tikhonov regularisation, relative to the mean diagonal of B (ParaTAA's {@code lmd} default 1e-3). */
    static final double LAMBDA = 1e-3;

    private final int slots;
    private final int s;
    private final int h;
    /** Per sample: x history, slot-major: ((slot * h) + entry) * s. */
    private double[][] hx;
    private double[][] hr;
    /** Per sample and slot: sweeps the point in that slot took part in since it entered the window. */
    private int[][] count;

    /**
     * Running sums along a chain, per sample: B (k x k, k = h - 1), c, and whether a point of the chain has
     * failed the tolerance yet. Fresh for every round; samples are independent, so the per-sample loop may
     * run in parallel.
     */
    static final class Carry {
        final double[][] b;
        final double[][] c;
        final boolean[] failed;
        final int k;

        Carry(int n, int iterates) {
            this.k = Math.max(1, iterates - 1);
            this.b = new double[n][k * k];
            this.c = new double[n][k];
            this.failed = new boolean[n];
        }
    }

    TriangularAnderson(int n, int slots, int s, int h) {
        if (h < 2) {
            throw new IllegalArgumentException("Anderson needs at least 2 iterates, got " + h);
        }
        this.slots = slots;
        this.s = s;
        this.h = h;
        this.hx = new double[n][];
        this.hr = new double[n][];
        this.count = new int[n][];
        for (int i = 0; i < n; i++) {
            hx[i] = new double[slots * h * s];
            hr[i] = new double[slots * h * s];
            count[i] = new int[slots];
        }
    }

    /** Doubles of history per sample for a window of {@code slots} points of size s, h iterates. */
    static long doubles(int slots, int s, int h) {
        return h < 2 ? 0 : 2L * slots * h * s;
    }

    /** The point in {@code slot} of sample i enters the window: it has no history yet. */
    void enter(int i, int slot) {
        count[i][slot] = 0;
    }

    /** Records the point in {@code slot}: its value before the sweep {@code p[xOff..]} and G's value {@code g}. */
    void record(int i, int slot, double[] p, int xOff, double[] g) {
        int c = count[i][slot];
        int base = (slot * h + c % h) * s;
        double[] x = hx[i];
        double[] r = hr[i];
        for (int k = 0; k < s; k++) {
            double xk = p[xOff + k];
            x[base + k] = xk;
            r[base + k] = g[k] - xk;
        }
        count[i][slot] = c + 1;
    }

    /**
     * Mixes the points {@code a+1 .. e} of sample i (their G values are in the ring {@code p}), in chain order,
     * continuing the sums of {@code carry}; {@code firstFail} is the first point of this phase whose scaled
     * residual exceeded the tolerance (-1: none).
     */
    void mix(int i, int a, int e, int ringSlots, double[] p, double[] variance, int firstFail, Carry carry) {
        int kMax = h - 1;
        if (carry.k != kMax) {
            throw new IllegalArgumentException("carry for " + (carry.k + 1) + " iterates, history of " + h);
        }
        double[] b = carry.b[i];
        double[] c = carry.c[i];
        int kb = kMax;
        double[] dx = new double[kMax * s];
        double[] dr = new double[kMax * s];
        double[] sys = new double[kMax * kMax];
        double[] rhs = new double[kMax];
        double[] hxi = hx[i];
        double[] hri = hr[i];
        for (int q = a + 1; q <= e; q++) {
            int slot = q % ringSlots;
            int cnt = count[i][slot];
            int k = Math.min(cnt, h) - 1; // differences this point has
            if (k >= 1) {
                double wq = 1.0 / (s * variance[q]);
                int newest = (slot * h + (cnt - 1) % h) * s;
                for (int pp = 0; pp < k; pp++) {
                    int e1 = (slot * h + (cnt - 1 - pp) % h) * s;
                    int e0 = (slot * h + (cnt - 2 - pp) % h) * s;
                    for (int z = 0; z < s; z++) {
                        dx[pp * s + z] = hxi[e1 + z] - hxi[e0 + z];
                        dr[pp * s + z] = hri[e1 + z] - hri[e0 + z];
                    }
                }
                for (int pp = 0; pp < k; pp++) {
                    for (int qq = pp; qq < k; qq++) {
                        double dot = 0.0;
                        for (int z = 0; z < s; z++) {
                            dot += dr[pp * s + z] * dr[qq * s + z];
                        }
                        b[pp * kb + qq] += wq * dot;
                        if (qq != pp) {
                            b[qq * kb + pp] += wq * dot;
                        }
                    }
                    double dot = 0.0;
                    for (int z = 0; z < s; z++) {
                        dot += dr[pp * s + z] * hri[newest + z];
                    }
                    c[pp] += wq * dot;
                }
                if (carry.failed[i] && solve(b, kb, c, k, sys, rhs)) {
                    int o = slot * s;
                    for (int z = 0; z < s; z++) {
                        double corr = 0.0;
                        for (int pp = 0; pp < k; pp++) {
                            corr += rhs[pp] * (dx[pp * s + z] + dr[pp * s + z]);
                        }
                        p[o + z] -= corr;
                    }
                }
            }
            if (q == firstFail) {
                carry.failed[i] = true; // every later point of the chain is mixed; this one stays plain
            }
        }
    }

    /**
     * gamma = (B_k + lambda tr(B_k)/k I)^{-1} c_k for the leading k x k block of B (row stride kb), into
     * {@code out}; false when B is zero, singular or the solution not finite (then: plain update).
     */
    private static boolean solve(double[] b, int kb, double[] c, int k, double[] a, double[] out) {
        double tr = 0.0;
        for (int p = 0; p < k; p++) {
            tr += b[p * kb + p];
        }
        if (!(tr > 0.0) || !Double.isFinite(tr)) {
            return false;
        }
        double reg = LAMBDA * tr / k;
        for (int p = 0; p < k; p++) {
            for (int q = 0; q < k; q++) {
                a[p * k + q] = b[p * kb + q] + (p == q ? reg : 0.0);
            }
            out[p] = c[p];
        }
        // Cholesky of the symmetric positive definite k x k system (k <= MAX_ANDERSON - 1).
        for (int j = 0; j < k; j++) {
            double diag = a[j * k + j];
            for (int m = 0; m < j; m++) {
                diag -= a[j * k + m] * a[j * k + m];
            }
            if (!(diag > 0.0)) {
                return false;
            }
            double l = Math.sqrt(diag);
            a[j * k + j] = l;
            for (int r = j + 1; r < k; r++) {
                double v = a[r * k + j];
                for (int m = 0; m < j; m++) {
                    v -= a[r * k + m] * a[j * k + m];
                }
                a[r * k + j] = v / l;
            }
        }
        for (int r = 0; r < k; r++) {
            double v = out[r];
            for (int m = 0; m < r; m++) {
                v -= a[r * k + m] * out[m];
            }
            out[r] = v / a[r * k + r];
        }
        for (int r = k - 1; r >= 0; r--) {
            double v = out[r];
            for (int m = r + 1; m < k; m++) {
                v -= a[m * k + r] * out[m];
            }
            out[r] = v / a[r * k + r];
        }
        for (int r = 0; r < k; r++) {
            if (!Double.isFinite(out[r])) {
                return false;
            }
        }
        return true;
    }

    void release() {
        hx = null;
        hr = null;
        count = null;
    }
}
