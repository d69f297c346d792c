package io.piadm.sampler;

import io.piadm.eval.LocalEvaluator;
import io.piadm.exact.BrownianBridgeNoise;
import io.piadm.exact.ExactGaussian;
import io.piadm.model.DiagonalGaussian;
import io.piadm.noise.CounterNoise;
import io.piadm.noise.NoiseSource;
import io.piadm.noise.NoiseStream;
import io.piadm.schedule.Block;
import io.piadm.schedule.Schedule;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pathwise (strong) convergence of whole samplers, through the injectable noise seam: the step noise is
 * taken from one Brownian path ({@link BrownianBridgeNoise}, keyed by reverse time), so every grid
 * resolution sees the same path, and the sampler's output is compared with the exact pathwise solution of
 * the reverse SDE on that path (docs/ALGORITHMS.md section 8). Additive noise and a score frozen at the
 * left end give strong order 1: doubling the steps halves the rms error. Picard at full iteration and at
 * a tight tolerance must converge the same way.
 */
class StrongConvergenceTest {
    static final double MU = 0.7;
    static final double STD = 0.5;
    static final double BIG_T = 2.0;
    static final double ETA = 0.5;
    static final int D = 2;
    static final int PATHS = 120;

    /** Step noise from the Brownian path; everything else (the start) counter-based. */
    static final class BrownianSteps implements NoiseSource {
        private static final long serialVersionUID = 1L;
        private final transient BrownianBridgeNoise path;
        private final double[] times;
        private final CounterNoise rest = new CounterNoise(5);

        BrownianSteps(BrownianBridgeNoise path, double[] times) {
            this.path = path;
            this.times = times;
        }

        @Override
        public void normals(NoiseStream stream, long sample, int block, int step, double[] out, int off, int n) {
            if (stream != NoiseStream.STEP) {
                rest.normals(stream, sample, block, step, out, off, n);
                return;
            }
            double sa = BIG_T - times[step];
            double sb = BIG_T - times[step + 1];
            for (int c = 0; c < n; c++) {
                out[off + c] = path.xi(sample, c, sa, sb);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sde", "piadm-sde-full", "piadm-sde-tol"})
    void convergesPathwiseAtOrderOne(String which) {
        DiagonalGaussian g = DiagonalGaussian.isotropic(D, MU, STD);
        double horizon = BIG_T - ETA;
        BrownianBridgeNoise bb = new BrownianBridgeNoise(31L, horizon, 12);
        double prev = Double.NaN;
        double[] exact = null;
        for (int n = 8; n <= 64; n *= 2) {
            double[] times = new double[n + 1];
            for (int j = 0; j <= n; j++) {
                times[j] = BIG_T - horizon * j / n;
            }
            Schedule s = new Schedule(List.of(new Block(0, times)));
            PicardOptions picard = which.equals("piadm-sde-tol") ? PicardOptions.tolerance(1e-9, null)
                    : PicardOptions.fixed(n);
            SamplerConfig cfg = new SamplerConfig(s, 3, picard, CorrectorOptions.off(), SamplerConfig.DEFAULT_WINDOW)
                    .withNoise(new BrownianSteps(bb, times));
            SamplerKind kind = which.equals("sde") ? SamplerKind.SDE : SamplerKind.PIADM_SDE;
            double[] y;
            try (LocalEvaluator ev = new LocalEvaluator(g, 1)) {
                y = new SamplingDriver(kind.create(cfg, D), ev, PATHS).run(0, PATHS, SamplingListener.NONE).samples();
            }
            if (exact == null) {
                double[] y0 = SamplingDriver.initialState(cfg.noise(), 0, PATHS, D);
                exact = new double[PATHS * D];
                double s2 = STD * STD;
                for (int p = 0; p < PATHS; p++) {
                    for (int c = 0; c < D; c++) {
                        final int cc = c;
                        double noise = bb.integral(p, c, 0.0, horizon, r -> ExactGaussian.pathKernel(s2, ETA, BIG_T - r));
                        exact[p * D + c] = ExactGaussian.alpha(ETA) * MU + ExactGaussian.pathKernel(s2, ETA, BIG_T)
                                * (y0[p * D + cc] - ExactGaussian.alpha(BIG_T) * MU) + noise;
                    }
                }
            }
            double ms = 0;
            for (int i = 0; i < y.length; i++) {
                ms += (y[i] - exact[i]) * (y[i] - exact[i]);
            }
            double rms = Math.sqrt(ms / y.length);
            if (!Double.isNaN(prev)) {
                double ratio = prev / rms;
                assertTrue(ratio > 1.7 && ratio < 2.3, which + ": strong error ratio " + ratio + " at " + n
                        + " steps (rms " + prev + " -> " + rms + ")");
            }
            prev = rms;
        }
    }
}
