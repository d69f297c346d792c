package io.piadm.sampler;

import io.piadm.eval.ScoreEvaluator;
import io.piadm.noise.CounterNoise;
import io.piadm.schedule.Block;

import java.util.ArrayList;
import java.util.List;

/**
 * The block-structured samplers: one stage per outer block, a predictor phase (exponential-integrator
 * SDE or ODE steps over the block's grid) and, when enabled, the underdamped Langevin corrector at the
 * block's end time. Run sequentially this is the DDPM-like {@code sde} / DDIM-like {@code ode} baseline;
 * run by Picard sweeps it is PIADM-SDE / PIADM-ODE (ALGORITHMS.md sections 4 and 5). Both walk the same
 * grid with the same noise keys and the same step function, so at full iteration they agree exactly.
 */
public final class BlockSampler implements Sampler {
    private final String name;
    private final SamplerConfig config;
    private final Integrator integrator;
    private final boolean parallel;
    private final CounterNoise noise;

    public BlockSampler(String name, SamplerConfig config, Integrator integrator, boolean parallel) {
        this.name = name;
        this.config = config;
        this.integrator = integrator;
        this.parallel = parallel;
        this.noise = new CounterNoise(config.seed());
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public SamplerConfig config() {
        return config;
    }

    @Override
    public int stageCount() {
        return config.schedule().blockCount();
    }

    @Override
    public StageTrace runStage(int stage, long[] ids, double[] y, ScoreEvaluator evaluator, SamplingListener listener) {
        Block block = config.schedule().block(stage);
        int d = evaluator.dim();
        int n = ids.length;
        List<PhaseTrace> phases = new ArrayList<>(2);
        PredictorPhase predictor = new PredictorPhase(block, d, integrator, noise, parallel ? "predictor" : "sequential");
        phases.add(parallel
                ? PhaseRunner.picard(predictor, ids, y, config.picard(), evaluator, listener, name, stage)
                : PhaseRunner.sequential(predictor, ids, y, evaluator, listener, name, stage));
        CorrectorOptions co = config.corrector();
        if (co.enabled()) {
            CorrectorPhase corrector = new CorrectorPhase(block.index(), block.endTime(), d,
                    co.steps(block.steps()), co.time(), co.friction(), noise);
            double[] xv = new double[n * 2 * d];
            for (int i = 0; i < n; i++) {
                System.arraycopy(y, i * d, xv, i * 2 * d, d);
                corrector.fillInitialVelocity(ids[i], xv, i * 2 * d + d);
            }
            phases.add(parallel
                    ? PhaseRunner.picard(corrector, ids, xv, config.picard(), evaluator, listener, name, stage)
                    : PhaseRunner.sequential(corrector, ids, xv, evaluator, listener, name, stage));
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
        long pred = (long) (m + 1) * dim + (long) m * 3 * dim;
        long corr = 0;
        if (config.corrector().enabled()) {
            long mc = config.corrector().steps(m);
            corr = (mc + 1) * 2 * dim + mc * 4 * dim;
        }
        return Math.max(pred, corr) + 2L * dim;
    }
}
