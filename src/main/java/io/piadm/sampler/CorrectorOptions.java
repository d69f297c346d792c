package io.piadm.sampler;

import io.piadm.config.InvalidSettingException;
import io.piadm.config.Setting;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The underdamped Langevin corrector of PIADM-ODE (docs/ALGORITHMS.md section 5): after each predictor block,
 * {@code steps} exact frozen-force steps over duration {@code time} with friction {@code friction},
 * targeting p at the block's end time. {@code steps == null} means "the block's M".
 */
public final class CorrectorOptions implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final double DEFAULT_TIME = 1.0;
    public static final double DEFAULT_FRICTION = 2.0;

    private final boolean enabled;
    private final Integer steps;
    private final double time;
    private final double friction;

    public CorrectorOptions(boolean enabled, Integer steps, double time, double friction) {
        // Same bound as the predictor's steps per block: a corrector grid of 10^9 steps only exhausts memory.
        if (steps != null && (steps < 1 || steps > 1_000_000)) {
            throw InvalidSettingException.range(Setting.CORRECTOR_STEPS, "an integer in [1, 1000000]", steps);
        }
        if (!(time > 0) || !Double.isFinite(time)) {
            throw InvalidSettingException.range(Setting.CORRECTOR_TIME, "a finite number > 0", time);
        }
        if (!(friction > 0) || !Double.isFinite(friction)) {
            throw InvalidSettingException.range(Setting.FRICTION, "a finite number > 0", friction);
        }
        this.enabled = enabled;
        this.steps = steps;
        this.time = time;
        this.friction = friction;
    }

    public static CorrectorOptions off() {
        return new CorrectorOptions(false, null, DEFAULT_TIME, DEFAULT_FRICTION);
    }

    public static CorrectorOptions on() {
        return new CorrectorOptions(true, null, DEFAULT_TIME, DEFAULT_FRICTION);
    }

    public boolean enabled() {
        return enabled;
    }

    /** Corrector steps for a predictor block of M steps. */
    public int steps(int blockSteps) {
        return steps != null ? steps : blockSteps;
    }

    public double time() {
        return time;
    }

    public double friction() {
        return friction;
    }

    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("enabled", enabled);
        if (enabled) {
            m.put("steps", steps == null ? "steps-per-block" : steps);
            m.put("time", time);
            m.put("friction", friction);
        }
        return m;
    }
}
