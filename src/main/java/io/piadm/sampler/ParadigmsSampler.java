package io.piadm.sampler;

import io.piadm.eval.CountingEvaluator;
import io.piadm.noise.NoiseSource;
import io.piadm.schedule.Block;
import io.piadm.schedule.Schedule;

import java.util.List;

/**
 * ParaDiGMS (Shih et al. 2023, arXiv 2305.16317; docs/ALGORITHMS.md section 6): Picard iteration over a
 * window of p consecutive points of the whole grid, sliding to the first point whose scaled residual
 * exceeds the tolerance ({@link PicardKernel.Advance#FIRST_FAILING}). It is the kernel over a
 * {@link GridPhase} that chains the blocks' predictor steps, with their noise keyed exactly as for the
 * sequential sampler, so tolerance 0 reproduces it. One stage covers the whole grid.
 */
final class ParadigmsSampler implements Sampler {
    private final SamplerKind kind;
    private final SamplerConfig config;
    private final GridPhase grid;

    ParadigmsSampler(SamplerKind kind, SamplerConfig config, int dim) {
        this.kind = kind;
        this.config = config;
        Schedule s = config.schedule();
        NoiseSource noise = config.noise();
        PredictorPhase[] phases = new PredictorPhase[s.blockCount()];
        for (Block b : s.blocks()) {
            phases[b.index()] = new PredictorPhase(b, dim, kind.integrator(), noise, "window");
        }
        this.grid = new GridPhase("window", phases);
    }

    @Override
    public SamplerKind kind() {
        return kind;
    }

    @Override
    public SamplerConfig config() {
        return config;
    }

    @Override
    public long workingDoublesPerSample(int dim) {
        long p = Math.min(config.window(), grid.steps);
        return (p + 1) * dim + p * 4L * dim + TriangularAnderson.doubles((int) p + 1, dim,
                config.picard().andersonActive() ? config.picard().anderson() : 0);
    }

    @Override
    public StageTrace runStage(int stage, long[] ids, double[] y, CountingEvaluator ev, SamplingListener listener) {
        PicardKernel.Plan plan = PicardKernel.Plan.slidingWindow(grid.steps, config.window(),
                config.picard().tolerance(), config.picard().anderson());
        PhaseTrace trace = PicardKernel.run(grid, ids, y, plan, ev, listener, kind.id(), stage);
        return new StageTrace(stage, config.schedule().concatenatedTimes(), List.of(trace));
    }
}
