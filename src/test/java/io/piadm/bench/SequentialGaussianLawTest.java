package io.piadm.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.piadm.eval.LocalEvaluator;
import io.piadm.model.DiagonalGaussian;
import io.piadm.sampler.Integrator;
import io.piadm.sampler.SamplerConfig;
import io.piadm.sampler.SamplerKind;
import io.piadm.sampler.SamplingDriver;
import io.piadm.sampler.SamplingListener;
import io.piadm.schedule.Schedule;
import io.piadm.schedule.ScheduleConfig;

import io.piadm.exact.ExactGaussian;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The closed-form output law agrees with the real sequential sampler's samples. */
class SequentialGaussianLawTest {

    @ParameterizedTest
    @EnumSource(Integrator.class)
    void closedFormMatchesTheSampler(Integrator integrator) {
        int d = 32;
        int n = 2000;
        DiagonalGaussian g = DiagonalGaussian.isotropic(d, 1.0, 0.5);
        Schedule s = new ScheduleConfig(d).horizon(5.0).eta(0.01).stepsPerBlock(3).build();
        double[][] law = SequentialGaussianLaw.outputMoments(g, s, integrator);
        double[] x;
        try (LocalEvaluator ev = new LocalEvaluator(g, 2)) {
            String name = integrator == Integrator.SDE ? "sde" : "ode";
            x = new SamplingDriver(SamplerKind.of(name).create(SamplerConfig.of(s, 3), d), ev, n)
                    .run(0, n, SamplingListener.NONE).samples();
        }
        double mean = 0;
        for (double v : x) {
            mean += v;
        }
        mean /= x.length;
        double var = 0;
        for (double v : x) {
            var += (v - mean) * (v - mean);
        }
        var /= x.length - 1;
        // Pooled over d n = 64000 scalars: standard errors ~ sqrt(V / dn) and V sqrt(2 / dn).
        assertEquals(law[0][0], mean, 4 * Math.sqrt(law[1][0] / (d * n)));
        assertEquals(law[1][0], var, law[1][0] * 4 * Math.sqrt(2.0 / (d * n)));
        // And the grid is coarse enough that the law is visibly not p_eta: the check has teeth.
        double[][] ref = g.diagonalGaussianMoments(s.eta());
        assertTrue(Math.abs(law[1][0] / ref[1][0] - 1) > 10 * Math.sqrt(2.0 / (d * n)));
        // The closed form itself against the independent oracle: the exponential-integrator chain law of
        // docs/ALGORITHMS.md section 8.4, from N(0, 1) at the horizon over the concatenated grid.
        ExactGaussian.Moments o = ExactGaussian.eiChain(integrator == Integrator.SDE ? ExactGaussian.Step.SDE
                : ExactGaussian.Step.ODE, 1.0, 0.25, s.concatenatedTimes()).apply(new ExactGaussian.Moments(0, 1));
        assertEquals(o.mean(), law[0][0], 1e-12);
        assertEquals(o.var(), law[1][0], 1e-12);
        double v = ref[1][0];
        double dm = o.mean() - ref[0][0];
        assertEquals(0.5 * d * (o.var() / v - 1 - Math.log(o.var() / v) + dm * dm / v),
                SequentialGaussianLaw.kl(g, s, integrator), 1e-9);
    }
}
