package io.piadm.sampler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.piadm.model.DiagonalGaussian;
import io.piadm.schedule.Schedule;
import io.piadm.schedule.ScheduleConfig;

import java.util.Arrays;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * docs/ALGORITHMS.md section 7, invariant 4: the same seed gives the same samples whatever the thread count,
 * the batch size or which other samples are drawn in the same run; with an adaptive tolerance too,
 * because each sample decides its own convergence.
 */
class DeterminismTest {

    @ParameterizedTest
    @ValueSource(strings = {"sde", "ode", "piadm-sde", "piadm-ode", "paradigms", "paradigms-ode"})
    void sameSamplesWhateverThreadsBatchesAndRange(String name) {
        int d = 5;
        DiagonalGaussian g = new DiagonalGaussian(new double[] {-1, 0, 0.5, 2, 0.1},
                new double[] {0.3, 1.0, 0.5, 0.2, 1.5});
        Schedule s = new ScheduleConfig(d).horizon(5.0).eta(0.01).stepsPerBlock(12).build();
        SamplerConfig cfg = SamplerConfig.of(s, 2024).withPicard(PicardOptions.tolerance(1e-2, null)).withWindow(6);
        if (name.equals("piadm-ode")) {
            cfg = cfg.withCorrector(new CorrectorOptions(true, 6, 0.5, 2.0));
        }
        int n = 13;
        double[] reference = PicardExactnessTest.run(name, cfg, g, n, 1, n);
        for (int threads : new int[] {2, 3}) {
            for (int batch : new int[] {1, 4, n}) {
                assertArrayEquals(reference, PicardExactnessTest.run(name, cfg, g, n, threads, batch), 0.0,
                        name + " threads=" + threads + " batch=" + batch);
            }
        }
        // Samples 5..9 drawn alone equal rows 5..9 of the full run.
        try (io.piadm.eval.LocalEvaluator ev = new io.piadm.eval.LocalEvaluator(g, 2, 1)) {
            Sampler sampler = SamplerKind.of(name).create(cfg, d);
            double[] part = new SamplingDriver(sampler, ev, 2).run(5, 5, SamplingListener.NONE).samples();
            assertArrayEquals(Arrays.copyOfRange(reference, 5 * d, 10 * d), part, 0.0, name + " sub-range");
        }
    }
}
