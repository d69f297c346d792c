package io.piadm.sampler;

import io.piadm.config.InvalidSettingException;
import io.piadm.config.Setting;
import io.piadm.schedule.Block;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The sampling methods, each a type that knows what the rest of the project asks of it (cf. Hipparchus,
 * where a method is its coefficients, and k-diffusion, one sampler per unit): its integrator, how it walks
 * the grid (sequentially, by Picard sweeps inside blocks, or by a sliding window), its round width, its
 * corrector default and which settings apply to it. This enum is the one registration point: adding a
 * sampler kind means adding a constant here (and its classes).
 */
public enum SamplerKind {
    /** Sequential exponential-integrator SDE (DDPM-like), docs/ALGORITHMS.md section 1. */
    SDE("sde", Integrator.SDE, Walk.SEQUENTIAL, CorrectorDefault.UNAVAILABLE),
    /** Sequential probability-flow ODE (DDIM-like); the corrector is available, off by default. */
    ODE("ode", Integrator.ODE, Walk.SEQUENTIAL, CorrectorDefault.OFF),
    /** ParaDiGMS sliding-window Picard over the whole grid (Shih et al. 2023), SDE steps. */
    PARADIGMS("paradigms", Integrator.SDE, Walk.SLIDING_WINDOW, CorrectorDefault.UNAVAILABLE),
    /** ParaDiGMS with ODE steps. */
    PARADIGMS_ODE("paradigms-ode", Integrator.ODE, Walk.SLIDING_WINDOW, CorrectorDefault.UNAVAILABLE),
    /** PIADM-SDE: Picard sweeps inside each outer block (arXiv 2405.15986, section 3, Theorem 3.3). */
    PIADM_SDE("piadm-sde", Integrator.SDE, Walk.PICARD_BLOCKS, CorrectorDefault.UNAVAILABLE),
    /** PIADM-ODE: Picard predictor plus the parallel underdamped-Langevin corrector (ibid., Theorem 3.5). */
    PIADM_ODE("piadm-ode", Integrator.ODE, Walk.PICARD_BLOCKS, CorrectorDefault.ON);

    /** How a kind walks the grid. */
    public enum Walk {
        /** One grid point per round. */
        SEQUENTIAL,
        /** Picard sweeps over each outer block (one stage per block). */
        PICARD_BLOCKS,
        /** A window of grid points sliding over the whole grid (one stage). */
        SLIDING_WINDOW
    }

    /** Whether the underdamped-Langevin corrector is available and on by default. */
    public enum CorrectorDefault { UNAVAILABLE, OFF, ON }

    private final String id;
    private final Integrator integrator;
    private final Walk walk;
    private final CorrectorDefault corrector;

    SamplerKind(String id, Integrator integrator, Walk walk, CorrectorDefault corrector) {
        this.id = id;
        this.integrator = integrator;
        this.walk = walk;
        this.corrector = corrector;
    }

    /** The name users give (e.g. {@code piadm-sde}). */
    public String id() {
        return id;
    }

    public Integrator integrator() {
        return integrator;
    }

    public Walk walk() {
        return walk;
    }

    /** True when rounds evaluate many grid points per sample (Picard or window), false for sequential. */
    public boolean parallelInTime() {
        return walk != Walk.SEQUENTIAL;
    }

    public boolean correctorAvailable() {
        return corrector != CorrectorDefault.UNAVAILABLE;
    }

    public boolean correctorOnByDefault() {
        return corrector == CorrectorDefault.ON;
    }

    /** The sequential sampler on the same grid and integrator (itself for sequential kinds). */
    public SamplerKind sequentialCounterpart() {
        return integrator == Integrator.SDE ? SDE : ODE;
    }

    /** Sampler-specific settings that apply to this kind (the others are refused, never ignored). */
    public Set<Setting> settings() {
        EnumSet<Setting> s = EnumSet.noneOf(Setting.class);
        switch (walk) {
            case PICARD_BLOCKS:
                s.add(Setting.ITERATIONS);
                s.add(Setting.TOLERANCE);
                s.add(Setting.MAX_ITERATIONS);
                s.add(Setting.PICARD_SCHEME);
                s.add(Setting.ANDERSON);
                s.add(Setting.FROZEN_FRONT);
                s.add(Setting.WARM_START);
                break;
            case SLIDING_WINDOW:
                s.add(Setting.TOLERANCE);
                s.add(Setting.WINDOW);
                s.add(Setting.ANDERSON);
                break;
            default:
                break;
        }
        if (correctorAvailable()) {
            s.add(Setting.CORRECTOR);
            s.add(Setting.CORRECTOR_STEPS);
            s.add(Setting.CORRECTOR_TIME);
            s.add(Setting.FRICTION);
        }
        return s;
    }

    /** The kinds a sampler-specific setting applies to, for messages. */
    public static List<String> accepting(Setting setting) {
        List<String> out = new ArrayList<>();
        for (SamplerKind k : values()) {
            if (k.settings().contains(setting)) {
                out.add(k.id);
            }
        }
        return out;
    }

    /** True when this kind on {@code config} runs the wavefront across blocks (docs/ALGORITHMS.md section 6b). */
    public boolean wavefront(SamplerConfig config) {
        return walk == Walk.PICARD_BLOCKS && config.picard().scheme() == PicardOptions.Scheme.WAVEFRONT;
    }

    /**
     * Stages a run goes through: outer blocks, or one for a whole-grid window and for the wavefront (its
     * blocks overlap in time, so only the whole grid is a stage; section 6b).
     */
    public int stageCount(SamplerConfig config) {
        return walk == Walk.SLIDING_WINDOW || wavefront(config) ? 1 : config.schedule().blockCount();
    }

    /**
     * Grid points one sample contributes to a round, at most: 1, the largest block M (and corrector), the
     * window, or for the wavefront every block's points.
     */
    public int roundWidth(SamplerConfig config) {
        switch (walk) {
            case SEQUENTIAL:
                return 1;
            case SLIDING_WINDOW:
                return Math.min(config.window(), config.schedule().totalSteps());
            default:
                if (wavefront(config)) {
                    // Every block may be active in the same round.
                    int sum = 0;
                    for (Block b : config.schedule().blocks()) {
                        sum += b.steps() + (config.corrector().enabled() ? config.corrector().steps(b.steps()) : 0);
                    }
                    return sum;
                }
                int m = 1;
                for (Block b : config.schedule().blocks()) {
                    m = Math.max(m, b.steps());
                    if (config.corrector().enabled()) {
                        m = Math.max(m, config.corrector().steps(b.steps()));
                    }
                }
                return m;
        }
    }

    /**
     * The sampler of this kind on {@code config} for dimension {@code dim}; the corrector of the config
     * applies only where {@link #correctorAvailable()}.
     */
    public Sampler create(SamplerConfig config, int dim) {
        SamplerConfig c = correctorAvailable() ? config : config.withCorrector(CorrectorOptions.off());
        if (walk == Walk.SLIDING_WINDOW) {
            return new ParadigmsSampler(this, c, dim);
        }
        if (wavefront(c)) {
            return new WavefrontSampler(this, c);
        }
        return new BlockSampler(this, c);
    }

    /** The kind named {@code id}; unknown names are refused naming the allowed ones. */
    public static SamplerKind of(String id) {
        String s = id == null ? "" : id.trim().toLowerCase(Locale.ROOT);
        for (SamplerKind k : values()) {
            if (k.id.equals(s)) {
                return k;
            }
        }
        throw new InvalidSettingException("{0} must be one of " + String.join(", ", ids()) + "; got '" + id + "'",
                Setting.SAMPLER);
    }

    public static List<String> ids() {
        List<String> out = new ArrayList<>();
        for (SamplerKind k : values()) {
            out.add(k.id);
        }
        return out;
    }

    @Override
    public String toString() {
        return id;
    }
}
