package io.piadm.sampler;

import io.piadm.config.InvalidSettingException;
import io.piadm.config.Setting;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How many Picard sweeps a block gets (docs/ALGORITHMS.md section 4): a fixed K, or adaptive: a sample stops
 * when its scaled residual {@code max_m ||y_m^k - y_m^{k-1}||^2 / (d v_m)} is at most {@code tol^2}, with a
 * cap K_max. Sweeps never exceed the block's M, after which the block is exact. Convergence is decided
 * per sample, so a sample's result never depends on which other samples share its batch.
 */
public final class PicardOptions implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Default tolerance when neither a fixed K nor a tolerance is given. */
    public static final double DEFAULT_TOLERANCE = 1e-3;

    private final Integer iterations;
    private final double tolerance;
    private final Integer maxIterations;

    private PicardOptions(Integer iterations, double tolerance, Integer maxIterations) {
        this.iterations = iterations;
        this.tolerance = tolerance;
        this.maxIterations = maxIterations;
    }

    /** Exactly K sweeps per block (fewer only when K exceeds M). */
    public static PicardOptions fixed(int k) {
        if (k < 1) {
            throw InvalidSettingException.range(Setting.ITERATIONS, "an integer >= 1", k);
        }
        return new PicardOptions(k, 0.0, null);
    }

    /** Sweep until the scaled residual is at most tol, at most kmax sweeps (null: up to M). */
    public static PicardOptions tolerance(double tol, Integer kmax) {
        if (!(tol >= 0) || !Double.isFinite(tol)) {
            throw InvalidSettingException.range(Setting.TOLERANCE, "a finite number >= 0", tol);
        }
        if (kmax != null && kmax < 1) {
            throw InvalidSettingException.range(Setting.MAX_ITERATIONS, "an integer >= 1", kmax);
        }
        return new PicardOptions(null, tol, kmax);
    }

    public static PicardOptions defaults() {
        return tolerance(DEFAULT_TOLERANCE, null);
    }

    public boolean adaptive() {
        return iterations == null;
    }

    public double tolerance() {
        return tolerance;
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
        return m;
    }
}
