package io.piadm.bench;

import io.piadm.eval.LocalEvaluator;
import io.piadm.model.ScoreModel;
import io.piadm.noise.NoiseSource;
import io.piadm.noise.NoiseStream;
import io.piadm.process.OuProcess;
import io.piadm.sampler.Integrator;
import io.piadm.sampler.SamplerConfig;
import io.piadm.sampler.SamplerKind;
import io.piadm.sampler.SamplingDriver;
import io.piadm.sampler.SamplingListener;
import io.piadm.sampler.SamplingResult;
import io.piadm.schedule.Block;
import io.piadm.schedule.Schedule;

/**
 * The output law of a sampler, Picard or not, on an isotropic Gaussian target {@code N(mu 1, s^2 I)},
 * computed by running the actual sampler on coefficient vectors instead of samples (docs/ALGORITHMS.md
 * section 6e). With the exact score {@code -(x - alpha mu)/v} every step, scan and (given its weights)
 * Anderson update is affine in the start y_0 and the step noises xi_q, so one coordinate of a sample is
 * {@code c_0 + c_1 y_0 + sum_q c_{2+q} xi_q}. The run carries the vector c (state size 2 + the noise
 * count): the start is the unit vector e_1, the noise of step q the unit vector e_{2+q}, the score acts on
 * c_0 as on a value and on the other entries as on a linear part. The output coordinate is then exactly
 * {@code N(c_0, sum_{k>=1} c_k^2)}, and the d coordinates are independent.
 *
 * <p>The decisions (when a block stops, where its front freezes, Anderson's weights) are taken on c, i.e.
 * on the expected squared residual per coordinate instead of one sample's empirical mean over d
 * coordinates: the tolerance is rescaled by {@code 1/sqrt(state size)} so that the kernel's scaled
 * residual {@code ||dc|| / sqrt(S v)} becomes {@code sqrt(E[dy^2] / v)}. A real sample at dimension d takes
 * the same decisions up to the fluctuation of its residual (relative {@code sqrt(2/d)}), so the law is that
 * of the sampler with mean-residual decisions: exact for the sequential sampler, fixed K, and tolerance 0,
 * and the large-d limit otherwise (the tests compare it with Monte Carlo). Predictor phases only: the
 * corrector's fresh velocities and paired noises are not modelled.
 */
public final class SamplerLaw {
    private SamplerLaw() {}

    /** One sampler's law: per-coordinate mean and variance, its KL to p_eta (all d coordinates), and the run. */
    public static final class Result {
        public final double mean;
        public final double variance;
        public final double kl;
        public final long rounds;
        public final double evaluationsPerSample;

        Result(double mean, double variance, double kl, long rounds, double evaluationsPerSample) {
            this.mean = mean;
            this.variance = variance;
            this.kl = kl;
            this.rounds = rounds;
            this.evaluationsPerSample = evaluationsPerSample;
        }
    }

    /**
     * The law of {@code kind} on {@code config} for the target {@code N(mean 1, std^2 I)} in d dimensions.
     * The corrector must be off.
     */
    public static Result of(SamplerKind kind, SamplerConfig config, int d, double mean, double std, int threads) {
        if (config.corrector().enabled() && kind.correctorAvailable()) {
            throw new IllegalArgumentException("the coefficient law models predictor phases only; the corrector is on");
        }
        Schedule s = config.schedule();
        boolean sde = kind.integrator() == Integrator.SDE;
        int size = 2 + (sde ? s.totalSteps() : 0);
        SamplerConfig cfg = config.withPicard(config.picard().withTolerance(config.picard().tolerance() / Math.sqrt(size)))
                .withNoise(new UnitNoise(s, size));
        SamplingResult r;
        try (LocalEvaluator ev = new LocalEvaluator(new CoefficientScore(size, mean, std), threads)) {
            r = new SamplingDriver(kind.create(cfg, size), ev, 1).run(0, 1, SamplingListener.NONE);
        }
        double[] c = r.samples();
        double m = c[0];
        double v = 0.0;
        for (int k = 1; k < size; k++) {
            v += c[k] * c[k];
        }
        double eta = s.eta();
        double a = OuProcess.alpha(eta);
        double ve = a * a * std * std + OuProcess.sigma2(eta);
        double ratio = v / ve;
        double dm = m - a * mean;
        double kl = d * 0.5 * (ratio - 1 - Math.log(ratio) + dm * dm / ve);
        return new Result(m, v, kl, r.rounds(), r.evaluationsPerSample());
    }

    /** The exact score acting on a coefficient vector: c_0 as a value, c_k (k >= 1) as a linear part. */
    static final class CoefficientScore implements ScoreModel {
        private final int size;
        private final double mean;
        private final double std;

        CoefficientScore(int size, double mean, double std) {
            this.size = size;
            this.mean = mean;
            this.std = std;
        }

        @Override
        public int dim() {
            return size;
        }

        @Override
        public void score(double[] x, double[] t, int from, int n, double[] out) {
            for (int r = from; r < from + n; r++) {
                double a = OuProcess.alpha(t[r]);
                double v = a * a * std * std + OuProcess.sigma2(t[r]);
                int o = r * size;
                out[o] = -(x[o] - a * mean) / v;
                for (int k = 1; k < size; k++) {
                    out[o + k] = -x[o + k] / v;
                }
            }
        }
    }

    /** Unit vectors as noise: the start is e_1, step j of block b is e_{2 + (steps before b) + j}. */
    static final class UnitNoise implements NoiseSource {
        private static final long serialVersionUID = 1L;
        private final int[] firstStep;
        private final int size;

        UnitNoise(Schedule s, int size) {
            this.size = size;
            this.firstStep = new int[s.blockCount()];
            int q = 0;
            for (Block b : s.blocks()) {
                firstStep[b.index()] = q;
                q += b.steps();
            }
        }

        @Override
        public void normals(NoiseStream stream, long sample, int block, int step, double[] out, int off, int n) {
            if (n != size) {
                throw new IllegalArgumentException("unit noise of size " + size + ", asked for " + n);
            }
            java.util.Arrays.fill(out, off, off + n, 0.0);
            switch (stream) {
                case INITIAL:
                    out[off + 1] = 1.0;
                    break;
                case STEP:
                    out[off + 2 + firstStep[block] + step] = 1.0;
                    break;
                default:
                    throw new IllegalArgumentException("the coefficient law has no " + stream + " noise");
            }
        }
    }
}
