package io.piadm.sampler;

import io.piadm.schedule.Schedule;

import java.io.Serializable;

/** Everything a sampler needs besides the evaluator: the grid, the seed and the iteration settings. */
public final class SamplerConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Default ParaDiGMS window when --window is not given. */
    public static final int DEFAULT_WINDOW = 32;

    private final Schedule schedule;
    private final long seed;
    private final PicardOptions picard;
    private final CorrectorOptions corrector;
    private final int window;

    public SamplerConfig(Schedule schedule, long seed, PicardOptions picard, CorrectorOptions corrector,
            int window) {
        if (window < 1) {
            throw new IllegalArgumentException("--window must be an integer >= 1, got " + window);
        }
        this.schedule = schedule;
        this.seed = seed;
        this.picard = picard;
        this.corrector = corrector;
        this.window = window;
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

    public SamplerConfig withPicard(PicardOptions p) {
        return new SamplerConfig(schedule, seed, p, corrector, window);
    }

    public SamplerConfig withCorrector(CorrectorOptions c) {
        return new SamplerConfig(schedule, seed, picard, c, window);
    }

    public SamplerConfig withWindow(int w) {
        return new SamplerConfig(schedule, seed, picard, corrector, w);
    }

    public SamplerConfig withSeed(long s) {
        return new SamplerConfig(schedule, s, picard, corrector, window);
    }
}
