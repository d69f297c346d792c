package io.piadm.sampler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.piadm.eval.CountingEvaluator;
import io.piadm.eval.LocalEvaluator;
import io.piadm.model.DiagonalGaussian;
import io.piadm.noise.CounterNoise;
import io.piadm.noise.NoiseStream;
import io.piadm.schedule.Block;
import io.piadm.schedule.Schedule;
import io.piadm.schedule.ScheduleConfig;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * docs/ALGORITHMS.md section 7, invariant 3: within a block of length h <= 1 and a smooth score, the Picard
 * residual falls at least geometrically. For a score with Lipschitz constant L the k-th Picard error is
 * bounded by (L h)^k / k! times the first, so each sweep must shrink the residual by a fixed factor,
 * faster as k grows. The first sweeps still carry the whole noise path, so the test asks for a factor
 * 0.8 on the first three sweeps and 0.5 after, until round-off.
 */
class PicardResidualTest {

    @ParameterizedTest
    @ValueSource(strings = {"piadm-sde", "piadm-ode"})
    void residualFallsGeometricallyInEveryBlock(String name) {
        int d = 16;
        DiagonalGaussian g = new DiagonalGaussian(linspace(d, -2, 2), linspace(d, 0.3, 1.2));
        Schedule s = new ScheduleConfig(d).horizon(6.0).eta(0.01).blockLength(1.0).stepsPerBlock(24).build();
        SamplerConfig cfg = SamplerConfig.of(s, 5).withPicard(PicardOptions.fixed(24))
                .withCorrector(new CorrectorOptions(name.equals("piadm-ode"), 16, 1.0, 2.0));
        SamplingResult r;
        try (LocalEvaluator ev = new LocalEvaluator(g, 2)) {
            r = new SamplingDriver(SamplerKind.of(name).create(cfg, d), ev, 8).run(0, 8, SamplingListener.NONE);
        }
        for (StageTrace st : r.stages()) {
            for (PhaseTrace ph : st.phases()) {
                double[] res = ph.residuals();
                assertTrue(res.length >= 4, "sweeps recorded");
                int checked = 0;
                for (int k = 0; k + 1 < res.length && res[k + 1] > 1e-12; k++) {
                    // Every sweep contracts (factor <= 0.8); from the fourth on, by at least half: the
                    // (L h)^k / k! bound makes the contraction superlinear.
                    double factor = k < 3 ? 0.8 : 0.5;
                    assertTrue(res[k + 1] <= factor * res[k], name + " block " + st.stage() + " " + ph.phase()
                            + ": residual " + res[k] + " -> " + res[k + 1] + " at sweep " + (k + 2));
                    checked++;
                }
                assertTrue(checked >= 3, "at least three contractions observed in block " + st.stage());
                // Run to M sweeps, the last residual is at round-off: the fixed point is reached.
                assertTrue(res[res.length - 1] < 1e-10, "converged to round-off: " + res[res.length - 1]);
            }
        }
    }

    @Test
    void adaptiveToleranceStopsEarlyAndMeetsTheTolerance() {
        int d = 8;
        DiagonalGaussian g = DiagonalGaussian.isotropic(d, 0.5, 0.5);
        Schedule s = new ScheduleConfig(d).horizon(6.0).eta(0.01).stepsPerBlock(32).build();
        // The plain stopping rule (the frozen front also stops a sample when its front passes the end).
        SamplerConfig cfg = SamplerConfig.of(s, 1).withPicard(PicardOptions.tolerance(1e-3, null)
                .withFrozenFront(false));
        SamplingResult r;
        try (LocalEvaluator ev = new LocalEvaluator(g, 1)) {
            r = new SamplingDriver(SamplerKind.of("piadm-sde").create(cfg, d), ev, 4).run(0, 4, SamplingListener.NONE);
        }
        for (StageTrace st : r.stages()) {
            PhaseTrace ph = st.phases().get(0);
            assertTrue(ph.sweeps() < 32, "stops well before M");
            double[] res = ph.residuals();
            assertTrue(res[res.length - 1] <= 1e-3, "last residual meets the tolerance");
            assertEquals(ph.sweeps(), res.length);
        }
        assertTrue(r.rounds() * 4 < s.totalSteps(), "rounds " + r.rounds() + " vs sequential " + s.totalSteps());
    }

    @Test
    void correctorLeavesTheTargetApproximatelyInvariant() {
        // Start exactly in p_t and run only the corrector (sequentially): the law must stay p_t up to the
        // O(step) bias of the frozen-force integrator, which must itself shrink with the step.
        int d = 16;
        int n = 3000;
        double t = 0.3;
        DiagonalGaussian g = DiagonalGaussian.isotropic(d, 1.0, 0.5);
        double[][] mv = g.diagonalGaussianMoments(t);
        double[] errors = new double[2];
        int[] steps = {8, 32};
        for (int c = 0; c < steps.length; c++) {
            double[] x = new double[n * d];
            g.sample(77, n, t, x);
            CorrectorPhase ph = new CorrectorPhase(0, t, d, steps[c], 1.0, 2.0, new CounterNoise(3));
            double[] z = new double[n * 2 * d];
            long[] ids = new long[n];
            for (int i = 0; i < n; i++) {
                ids[i] = i;
                System.arraycopy(x, i * d, z, i * 2 * d, d);
                ph.fillInitialVelocity(i, z, i * 2 * d + d);
            }
            try (LocalEvaluator ev = new LocalEvaluator(g, 2)) {
                PicardKernel.run(ph, ids, z, PicardKernel.Plan.sequential(ph.steps), CountingEvaluator.of(ev),
                        SamplingListener.NONE, "t", 0);
            }
            double m1 = 0;
            double m2 = 0;
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < d; k++) {
                    m1 += z[i * 2 * d + k];
                }
            }
            m1 /= (double) n * d;
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < d; k++) {
                    double v = z[i * 2 * d + k] - m1;
                    m2 += v * v;
                }
            }
            m2 /= (double) n * d - 1;
            assertEquals(mv[0][0], m1, 0.02, "mean stays");
            errors[c] = Math.abs(m2 / mv[1][0] - 1);
        }
        // Monte-Carlo error of the pooled variance ~ sqrt(2 / (n d)) = 0.6%.
        assertTrue(errors[1] < 0.04, "variance kept within 4% at 32 steps: " + errors[1]);
        assertTrue(errors[1] < errors[0], "bias shrinks with the step: " + errors[0] + " -> " + errors[1]);
    }

    static double[] linspace(int n, double a, double b) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = a + (b - a) * i / (n - 1);
        }
        return v;
    }
}
