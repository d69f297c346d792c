package io.piadm.sampler;

import io.piadm.config.InvalidSettingException;
import io.piadm.config.Setting;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * How many Picard sweeps a block gets (docs/ALGORITHMS.md section 4): a fixed K, or adaptive: a sample stops
 * when its scaled residual {@code max_m ||y_m^k - y_m^{k-1}||^2 / (d v_m)} is at most {@code tol^2}, with a
 * cap K_max. Sweeps never exceed the block's M, after which the block is exact. Convergence is decided
 * per sample, so a sample's result never depends on which other samples share its batch.
 *
 * <p>And how the sweeps are organised (section 6b): the {@link Scheme} (blockwise, or a wavefront across
 * blocks), triangular Anderson acceleration with {@code anderson} iterates kept (0 or 1: plain Picard), and
 * whether the converged front of a block is frozen (not evaluated again).
 */
public final class PicardOptions implements Serializable {
    private static final long serialVersionUID = 2L;

    /** Default tolerance when neither a fixed K nor a tolerance is given. */
    public static final double DEFAULT_TOLERANCE = 1e-3;
    /** Largest Anderson history accepted (ParaTAA uses 2..5; more only costs memory). */
    public static final int MAX_ANDERSON = 8;
    /**
     * Default of the frozen converged front (docs/ALGORITHMS.md section 6c): on. It changes tolerance-mode
     * samples within the tolerance (K = M and tolerance 0 still give the sequential sampler's bits); with
     * the warm start, measured on the golden cases, it cuts evaluations by 36-49% with the same or 1-6 fewer
     * rounds and metrics equal to 5 digits, and keeps the exact KL of the output law (README, "Round
     * reduction").
     */
    public static final boolean DEFAULT_FROZEN_FRONT = true;
    /**
     * Default of the frozen-score warm start (section 6c): on, for the same reasons (one evaluation instead
     * of M in each block's first sweep; same rounds, same exact KL). Fixed K below M changes with it.
     */
    public static final boolean DEFAULT_WARM_START = true;

    /** How the blocks' Picard sweeps are scheduled (docs/ALGORITHMS.md section 6b). */
    public enum Scheme {
        /** Block n+1 starts once block n has converged: N K rounds ([CRYR24]). */
        BLOCKWISE,
        /** Block n+1 starts once block n has a first end estimate; all active blocks sweep each round ([ZS25]). */
        WAVEFRONT;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Scheme of(String s) {
            String v = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
            for (Scheme k : values()) {
                if (k.id().equals(v)) {
                    return k;
                }
            }
            throw new InvalidSettingException("{0} must be blockwise or wavefront, got '" + s + "'",
                    Setting.PICARD_SCHEME);
        }
    }

    private final Integer iterations;
    private final double tolerance;
    private final Integer maxIterations;
    private final Scheme scheme;
    private final int anderson;
    private final boolean frozenFront;
    private final boolean warmStart;

    private PicardOptions(Integer iterations, double tolerance, Integer maxIterations, Scheme scheme, int anderson,
            boolean frozenFront, boolean warmStart) {
        this.iterations = iterations;
        this.tolerance = tolerance;
        this.maxIterations = maxIterations;
        this.scheme = scheme;
        this.anderson = anderson;
        this.frozenFront = frozenFront;
        this.warmStart = warmStart;
    }

    /** Exactly K sweeps per block (fewer only when K exceeds M). */
    public static PicardOptions fixed(int k) {
        if (k < 1) {
            throw InvalidSettingException.range(Setting.ITERATIONS, "an integer >= 1", k);
        }
        return new PicardOptions(k, 0.0, null, Scheme.BLOCKWISE, 0, DEFAULT_FROZEN_FRONT, DEFAULT_WARM_START);
    }

    /** Sweep until the scaled residual is at most tol, at most kmax sweeps (null: up to M). */
    public static PicardOptions tolerance(double tol, Integer kmax) {
        if (!(tol >= 0) || !Double.isFinite(tol)) {
            throw InvalidSettingException.range(Setting.TOLERANCE, "a finite number >= 0", tol);
        }
        if (kmax != null && kmax < 1) {
            throw InvalidSettingException.range(Setting.MAX_ITERATIONS, "an integer >= 1", kmax);
        }
        return new PicardOptions(null, tol, kmax, Scheme.BLOCKWISE, 0, DEFAULT_FROZEN_FRONT, DEFAULT_WARM_START);
    }

    public static PicardOptions defaults() {
        return tolerance(DEFAULT_TOLERANCE, null);
    }

    /** The same options with another tolerance (adaptive mode only; fixed K keeps its exact sweeps). */
    public PicardOptions withTolerance(double tol) {
        if (!adaptive()) {
            return this;
        }
        PicardOptions t = tolerance(tol, maxIterations);
        return new PicardOptions(null, t.tolerance, maxIterations, scheme, anderson, frozenFront, warmStart);
    }

    /** The same options with another sweep schedule. */
    public PicardOptions withScheme(Scheme s) {
        return new PicardOptions(iterations, tolerance, maxIterations, s, anderson, frozenFront, warmStart);
    }

    /**
     * The same options with triangular Anderson acceleration keeping the last {@code m} iterates
     * (m - 1 differences; 0 and 1 are plain Picard, bit for bit).
     */
    public PicardOptions withAnderson(int m) {
        if (m < 0 || m > MAX_ANDERSON) {
            throw InvalidSettingException.range(Setting.ANDERSON, "an integer in [0, " + MAX_ANDERSON + "]", m);
        }
        return new PicardOptions(iterations, tolerance, maxIterations, scheme, m, frozenFront, warmStart);
    }

    /** The same options with the converged front of a block frozen (on) or always re-evaluated (off). */
    public PicardOptions withFrozenFront(boolean on) {
        return new PicardOptions(iterations, tolerance, maxIterations, scheme, anderson, on, warmStart);
    }

    /**
     * The same options with the warm start of section 6c on or off: a block's first iterate follows the
     * score frozen at its start (one evaluation per sample instead of M; the exact prefix is kept).
     */
    public PicardOptions withWarmStart(boolean on) {
        return new PicardOptions(iterations, tolerance, maxIterations, scheme, anderson, frozenFront, on);
    }

    public boolean warmStart() {
        return warmStart;
    }

    public boolean adaptive() {
        return iterations == null;
    }

    public double tolerance() {
        return tolerance;
    }

    public Scheme scheme() {
        return scheme;
    }

    /** Anderson iterates kept (0: off). */
    public int anderson() {
        return anderson;
    }

    /** True when Anderson mixing actually happens (at least one difference of iterates). */
    public boolean andersonActive() {
        return anderson >= 2;
    }

    public boolean frozenFront() {
        return frozenFront;
    }

    /** Largest number of sweeps for a block of M steps. */
    public int sweepCap(int m) {
        int cap = iterations != null ? iterations : (maxIterations != null ? maxIterations : m);
        return Math.min(cap, m);
    }

    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        if (iterations != null) {
            m.put("mode", "fixed");
            m.put("iterations", iterations);
        } else {
            m.put("mode", "tolerance");
            m.put("tolerance", tolerance);
            m.put("maxIterations", maxIterations == null ? "steps-per-block" : maxIterations);
        }
        m.put("scheme", scheme.id());
        m.put("anderson", anderson);
        m.put("frozenFront", frozenFront);
        m.put("warmStart", warmStart);
        return m;
    }
}
