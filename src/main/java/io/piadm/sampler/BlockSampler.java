package io.piadm.sampler;

import io.piadm.eval.CountingEvaluator;
import io.piadm.noise.NoiseSource;
import io.piadm.schedule.Block;

import java.util.ArrayList;
import java.util.List;

/**
 * The block-structured samplers: one stage per outer block, a predictor phase (exponential-integrator
 * SDE or ODE steps over the block's grid) and, when enabled, the underdamped Langevin corrector at the
 * block's end time. Walked sequentially this is the DDPM-like {@code sde} / DDIM-like {@code ode}
 * baseline; walked by Picard sweeps it is PIADM-SDE / PIADM-ODE (docs/ALGORITHMS.md sections 4 and 5;
 * arXiv 2405.15986, Theorems 3.3 and 3.5). Both go through the same {@link PicardKernel} with the same
 * noise keys and the same step function, so at full iteration they agree exactly.
 */
final class BlockSampler implements Sampler {
    private final SamplerKind kind;
    private final SamplerConfig config;
    private final boolean parallel;
    private final NoiseSource noise;

    BlockSampler(SamplerKind kind, SamplerConfig config) {
        this.kind = kind;
        this.config = config;
        this.parallel = kind.parallelInTime();
        this.noise = config.noise();
    }

    @Override
    public SamplerKind kind() {
        return kind;
    }

    @Override
    public SamplerConfig config() {
        return config;
    }

    private PicardKernel.Plan plan(int steps) {
        return parallel ? PicardKernel.Plan.blockwise(steps, config.picard()) : PicardKernel.Plan.sequential(steps);
    }

    @Override
    public StageTrace runStage(int stage, long[] ids, double[] y, CountingEvaluator evaluator, SamplingListener listener) {
        Block block = config.schedule().block(stage);
        int d = evaluator.dim();
        int n = ids.length;
        String name = kind.id();
        List<PhaseTrace> phases = new ArrayList<>(2);
        PredictorPhase predictor = new PredictorPhase(block, d, kind.integrator(), noise,
                parallel ? "predictor" : "sequential");
        phases.add(PicardKernel.run(predictor, ids, y, plan(block.steps()), evaluator, listener, name, stage));
        CorrectorOptions co = config.corrector();
        if (co.enabled()) {
            CorrectorPhase corrector = new CorrectorPhase(block.index(), block.endTime(), d,
                    co.steps(block.steps()), co.time(), co.friction(), noise);
            double[] xv = new double[n * 2 * d];
            for (int i = 0; i < n; i++) {
                System.arraycopy(y, i * d, xv, i * 2 * d, d);
                corrector.fillInitialVelocity(ids[i], xv, i * 2 * d + d);
            }
            phases.add(PicardKernel.run(corrector, ids, xv, plan(corrector.steps), evaluator, listener, name, stage));
            for (int i = 0; i < n; i++) {
                System.arraycopy(xv, i * 2 * d, y, i * d, d);
            }
        }
        return new StageTrace(stage, block.forwardTimes(), phases);
    }

    @Override
    public long workingDoublesPerSample(int dim) {
        int m = 0;
        for (Block b : config.schedule().blocks()) {
            m = Math.max(m, b.steps());
        }
        if (!parallel) {
            return 8L * dim;
        }
        int h = config.picard().andersonActive() ? config.picard().anderson() : 0;
        long pred = (long) (m + 1) * dim + (long) m * 3 * dim + TriangularAnderson.doubles(m + 1, dim, h);
        long corr = 0;
        if (config.corrector().enabled()) {
            long mc = config.corrector().steps(m);
            corr = (mc + 1) * 2 * dim + mc * 4 * dim + TriangularAnderson.doubles((int) mc + 1, 2 * dim, h);
        }
        return Math.max(pred, corr) + 2L * dim;
    }
}
