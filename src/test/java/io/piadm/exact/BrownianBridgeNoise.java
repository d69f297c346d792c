package io.piadm.exact;

import java.util.function.DoubleUnaryOperator;

/**
 * A time-keyed Brownian path for pathwise (strong) tests (docs/ALGORITHMS.md section 8.6).
 *
 * <p>For each (sample, coordinate), {@code W} on {@code [0, S]} is built by dyadic Brownian-bridge
 * refinement. {@code W(0) = 0} and {@code W(S) = sqrt(S) Z}. The midpoint of a dyadic interval
 * {@code [l, r]} of length h is {@code (W(l) + W(r))/2 + sqrt(h)/2 Z}. Every Z is a pure function of
 * {@code (seed, sample, coordinate, dyadic point)}, so W at a dyadic time depends only on those keys and
 * the time, never on which queries came before, in what order, or at which finest level. Below the finest
 * level L (spacing {@code delta = S 2^-L}) the path is taken linear, {@code W^L}; it equals the
 * conditional expectation of W given its level-L values.
 *
 * <p>The stochastic integrals a step needs are computed exactly for {@code W^L}:
 * {@code int f dW^L = sum over cells (Delta W / delta) int_cell f dr}. Their error against the Brownian
 * W is O(2^{-L/2}) in L2 for step ends off the level-L grid (the two end cells) and O(2^{-L}) for ends
 * on it (section 8.6).
 *
 * <p>Normals come from a SplitMix64 hash of the keys (Steele, Lea and Flood 2014) followed by
 * Box-Muller. This is plenty for tests, and it has no state.
 */
public final class BrownianBridgeNoise {
    /** Deepest supported level: level-L indices must fit comfortably in a long and in double times. */
    public static final int MAX_LEVEL = 40;

    private static final double TWO_PI = 2.0 * Math.PI;
    private static final double INV_2_53 = 0x1.0p-53;
    // Gauss-Legendre, 3 points on [-1, 1]: exact for polynomials of degree 5.
    private static final double[] GL_X = {-StrictMath.sqrt(0.6), 0.0, StrictMath.sqrt(0.6)};
    private static final double[] GL_W = {5.0 / 9.0, 8.0 / 9.0, 5.0 / 9.0};

    private final long seed;
    private final double horizon;
    private final int level;
    private final double delta;
    private final long cells;

    /**
     * @param seed    seed of the whole family of paths
     * @param horizon S: the path lives on {@code [0, S]} (reverse time {@code s = T - t}, so S = T - eta)
     * @param level   finest dyadic level L, in 0..{@value #MAX_LEVEL}
     */
    public BrownianBridgeNoise(long seed, double horizon, int level) {
        if (!(horizon > 0) || !Double.isFinite(horizon)) {
            throw new IllegalArgumentException("horizon must be positive and finite, got " + horizon);
        }
        if (level < 0 || level > MAX_LEVEL) {
            throw new IllegalArgumentException("level must lie in 0.." + MAX_LEVEL + ", got " + level);
        }
        this.seed = seed;
        this.horizon = horizon;
        this.level = level;
        this.cells = 1L << level;
        this.delta = horizon / cells;
    }

    public double horizon() {
        return horizon;
    }

    public int level() {
        return level;
    }

    /** Spacing of the finest level, {@code S 2^-L}. */
    public double spacing() {
        return delta;
    }

    /** {@code W^L(s)}: exact W at level-L points, linear between them. */
    public double w(long sample, int coord, double s) {
        checkTime(s);
        long i = Math.min(cells - 1, (long) Math.floor(s / delta));
        double[] w = gridValues(sample, coord, i, i + 1);
        double theta = (s - i * delta) / delta;
        return w[0] + theta * (w[1] - w[0]);
    }

    /** W at the level-L grid point {@code k delta}, k in 0..2^L. */
    public double wAtGrid(long sample, int coord, long k) {
        if (k < 0 || k > cells) {
            throw new IllegalArgumentException("grid index must lie in 0.." + cells + ", got " + k);
        }
        long lo = Math.min(k, cells - 1);
        double[] w = gridValues(sample, coord, lo, lo + 1);
        return w[(int) (k - lo)];
    }

    /**
     * The exponential integrator's noise integral over the reverse step {@code [sa, sb]} (section 1),
     * {@code I = int_sa^sb e^{(sb - r)/2} dW^L_r}, integrated exactly cell by cell.
     */
    public double eiIntegral(long sample, int coord, double sa, double sb) {
        checkStep(sa, sb);
        long i0 = Math.min(cells - 1, (long) Math.floor(sa / delta));
        long i1 = Math.max(i0 + 1, Math.min(cells, (long) Math.ceil(sb / delta)));
        double[] w = gridValues(sample, coord, i0, i1);
        double sum = 0.0;
        for (long i = i0; i < i1; i++) {
            double lo = Math.max(sa, i * delta);
            double hi = Math.min(sb, (i + 1) * delta);
            if (hi <= lo) {
                continue;
            }
            double slope = (w[(int) (i + 1 - i0)] - w[(int) (i - i0)]) / delta;
            // int_lo^hi e^{(sb - r)/2} dr = 2 e^{(sb - hi)/2} (e^{(hi - lo)/2} - 1)
            sum += slope * 2.0 * StrictMath.exp(0.5 * (sb - hi)) * StrictMath.expm1(0.5 * (hi - lo));
        }
        return sum;
    }

    /**
     * The normalised noise of the step: {@code xi = I / sqrt(e^{sb - sa} - 1)}. It is N(0, 1) for the
     * Brownian W, and for {@code W^L} up to a variance deficit of O(delta / (sb - sa)).
     */
    public double xi(long sample, int coord, double sa, double sb) {
        return eiIntegral(sample, coord, sa, sb) / StrictMath.sqrt(StrictMath.expm1(sb - sa));
    }

    /** {@link #xi} for coordinates 0..dim-1 into {@code out[off..off+dim)}. */
    public void fillXi(long sample, double sa, double sb, double[] out, int off, int dim) {
        for (int c = 0; c < dim; c++) {
            out[off + c] = xi(sample, c, sa, sb);
        }
    }

    /**
     * {@code int_sa^sb f(r) dW^L_r} for a smooth deterministic kernel f, using 3-point Gauss-Legendre on
     * each (partial) cell. For the exact pathwise solution of section 8.3, f is the kernel K.
     */
    public double integral(long sample, int coord, double sa, double sb, DoubleUnaryOperator f) {
        checkStep(sa, sb);
        long i0 = Math.min(cells - 1, (long) Math.floor(sa / delta));
        long i1 = Math.max(i0 + 1, Math.min(cells, (long) Math.ceil(sb / delta)));
        double[] w = gridValues(sample, coord, i0, i1);
        double sum = 0.0;
        for (long i = i0; i < i1; i++) {
            double lo = Math.max(sa, i * delta);
            double hi = Math.min(sb, (i + 1) * delta);
            if (hi <= lo) {
                continue;
            }
            double slope = (w[(int) (i + 1 - i0)] - w[(int) (i - i0)]) / delta;
            double mid = 0.5 * (lo + hi);
            double half = 0.5 * (hi - lo);
            double q = 0.0;
            for (int k = 0; k < 3; k++) {
                q += GL_W[k] * f.applyAsDouble(mid + half * GL_X[k]);
            }
            sum += slope * half * q;
        }
        return sum;
    }

    // ---- the dyadic tree ----

    /** W at level-L grid points i0..i1 (inclusive), refining only the intervals that meet that range. */
    private double[] gridValues(long sample, int coord, long i0, long i1) {
        long n = i1 - i0 + 1;
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("too many level-" + level + " points in one query: " + n);
        }
        double[] out = new double[(int) n];
        long base = baseKey(sample, coord);
        double wEnd = StrictMath.sqrt(horizon) * normal(base, 0, 1);
        refine(base, 0, 0, 0.0, wEnd, i0, i1, out);
        return out;
    }

    /**
     * Interval k of level l, with end values wl and wr, covers level-L indices
     * {@code [k 2^{L-l}, (k+1) 2^{L-l}]}. Its midpoint is the level-(l+1) point 2k+1.
     */
    private void refine(long base, int l, long k, double wl, double wr, long i0, long i1, double[] out) {
        int shift = level - l;
        long first = k << shift;
        long last = (k + 1) << shift;
        if (last < i0 || first > i1) {
            return;
        }
        if (shift == 0) {
            if (first >= i0) {
                out[(int) (first - i0)] = wl;
            }
            if (last <= i1) {
                out[(int) (last - i0)] = wr;
            }
            return;
        }
        double h = horizon / (double) (1L << l);
        double mid = 0.5 * (wl + wr) + 0.5 * StrictMath.sqrt(h) * normal(base, l + 1, 2 * k + 1);
        refine(base, l + 1, 2 * k, wl, mid, i0, i1, out);
        refine(base, l + 1, 2 * k + 1, mid, wr, i0, i1, out);
    }

    private long baseKey(long sample, int coord) {
        long h = mix(seed ^ 0x6a09e667f3bcc909L);
        h = mix(h ^ sample);
        return mix(h ^ (0x510e527fade682d1L + coord));
    }

    /** The standard normal attached to the dyadic point {@code index 2^-lvl S} (odd index, or the end). */
    private static double normal(long base, int lvl, long index) {
        long h = mix(base ^ mix(((long) lvl << 56) ^ index));
        long h1 = mix(h + 0x9e3779b97f4a7c15L);
        long h2 = mix(h + 0x3c6ef372fe94f82aL);
        double u1 = ((h1 >>> 11) + 1) * INV_2_53; // (0, 1]
        double u2 = (h2 >>> 11) * INV_2_53;
        return StrictMath.sqrt(-2.0 * StrictMath.log(u1)) * StrictMath.cos(TWO_PI * u2);
    }

    /** SplitMix64's finaliser. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    private void checkTime(double s) {
        if (!(s >= 0 && s <= horizon)) {
            throw new IllegalArgumentException("time must lie in [0, " + horizon + "], got " + s);
        }
    }

    private void checkStep(double sa, double sb) {
        checkTime(sa);
        checkTime(sb);
        if (!(sb > sa)) {
            throw new IllegalArgumentException("step must have sb > sa, got [" + sa + ", " + sb + "]");
        }
    }
}
