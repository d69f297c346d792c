package io.piadm.sampler;

import io.piadm.config.InvalidSettingException;
import io.piadm.config.Setting;
import io.piadm.noise.CounterNoise;
import io.piadm.noise.NoiseSource;
import io.piadm.schedule.Schedule;

import java.io.Serializable;

/**
 * Everything a sampler needs besides the evaluator: the grid, the seed and the iteration settings, and
 * where its noise comes from (counter-based noise of the seed unless a test injects another source).
 */
public final class SamplerConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Default ParaDiGMS window when --window is not given. */
    public static final int DEFAULT_WINDOW = 32;

    private final Schedule schedule;
    private final long seed;
    private final PicardOptions picard;
    private final CorrectorOptions corrector;
    private final int window;
    /** Null: counter-based noise of {@link #seed}. */
    private final NoiseSource noise;

    public SamplerConfig(Schedule schedule, long seed, PicardOptions picard, CorrectorOptions corrector,
            int window) {
        this(schedule, seed, picard, corrector, window, null);
    }

    private SamplerConfig(Schedule schedule, long seed, PicardOptions picard, CorrectorOptions corrector,
            int window, NoiseSource noise) {
        if (window < 1) {
            throw InvalidSettingException.range(Setting.WINDOW, "an integer >= 1", window);
        }
        this.schedule = schedule;
        this.seed = seed;
        this.picard = picard;
        this.corrector = corrector;
        this.window = window;
        this.noise = noise;
    }

    public static SamplerConfig of(Schedule schedule, long seed) {
        return new SamplerConfig(schedule, seed, PicardOptions.defaults(), CorrectorOptions.off(),
                DEFAULT_WINDOW);
    }

    public Schedule schedule() {
        return schedule;
    }

    public long seed() {
        return seed;
    }

    public PicardOptions picard() {
        return picard;
    }

    public CorrectorOptions corrector() {
        return corrector;
    }

    public int window() {
        return window;
    }

    /** The noise every sampler on this config draws: injected, or counter-based noise of the seed. */
    public NoiseSource noise() {
        return noise != null ? noise : new CounterNoise(seed);
    }

    /** True when a test injected the noise source (checkpoints and hashes assume counter noise). */
    public boolean customNoise() {
        return noise != null;
    }

    public SamplerConfig withPicard(PicardOptions p) {
        return new SamplerConfig(schedule, seed, p, corrector, window, noise);
    }

    public SamplerConfig withCorrector(CorrectorOptions c) {
        return new SamplerConfig(schedule, seed, picard, c, window, noise);
    }

    public SamplerConfig withWindow(int w) {
        return new SamplerConfig(schedule, seed, picard, corrector, w, noise);
    }

    public SamplerConfig withSeed(long s) {
        return new SamplerConfig(schedule, s, picard, corrector, window, noise);
    }

    /** The same config drawing its noise from {@code source} (tests: e.g. a Brownian path). */
    public SamplerConfig withNoise(NoiseSource source) {
        return new SamplerConfig(schedule, seed, picard, corrector, window, source);
    }
}
