package io.piadm.sampler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.piadm.model.DiagonalGaussian;
import io.piadm.schedule.Schedule;
import io.piadm.schedule.ScheduleConfig;

import java.util.Arrays;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.params.provider.CsvSource;

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

    /**
     * The same for every scheme of docs/ALGORITHMS.md sections 6b-6c: each sample's stopping, frozen front
     * and Anderson weights depend on that sample alone, and the wavefront's rounds on the sample and the
     * block index alone.
     */
    @ParameterizedTest(name = "{0} {1} anderson={2} frozen={3} warm={4}")
    @CsvSource({
            "piadm-sde, wavefront, 0, false, false",
            "piadm-sde, wavefront, 3, true, true",
            "piadm-sde, blockwise, 3, true, true",
            "piadm-sde, blockwise, 2, false, false",
            "piadm-ode, wavefront, 3, true, true",
            "piadm-ode, blockwise, 3, true, false",
            "paradigms, blockwise, 3, false, false"})
    void sameSamplesForEveryScheme(String name, String scheme, int anderson, boolean frozen, boolean warm) {
        int d = 5;
        DiagonalGaussian g = new DiagonalGaussian(new double[] {-1, 0, 0.5, 2, 0.1},
                new double[] {0.3, 1.0, 0.5, 0.2, 1.5});
        Schedule s = new ScheduleConfig(d).horizon(5.0).eta(0.01).stepsPerBlock(12).build();
        PicardOptions po = PicardOptions.tolerance(1e-2, null).withScheme(PicardOptions.Scheme.of(scheme))
                .withAnderson(anderson).withFrozenFront(frozen).withWarmStart(warm);
        SamplerConfig cfg = SamplerConfig.of(s, 77).withPicard(po).withWindow(6);
        if (name.equals("piadm-ode")) {
            cfg = cfg.withCorrector(new CorrectorOptions(true, 6, 0.5, 2.0));
        }
        int n = 11;
        double[] reference = PicardExactnessTest.run(name, cfg, g, n, 1, n);
        for (int threads : new int[] {1, 3}) {
            for (int batch : new int[] {1, 4}) {
                assertArrayEquals(reference, PicardExactnessTest.run(name, cfg, g, n, threads, batch), 0.0,
                        name + " threads=" + threads + " batch=" + batch);
            }
        }
        try (io.piadm.eval.LocalEvaluator ev = new io.piadm.eval.LocalEvaluator(g, 2, 1)) {
            Sampler sampler = SamplerKind.of(name).create(cfg, d);
            double[] part = new SamplingDriver(sampler, ev, 3).run(4, 5, SamplingListener.NONE).samples();
            assertArrayEquals(Arrays.copyOfRange(reference, 4 * d, 9 * d), part, 0.0, name + " sub-range");
        }
    }
}
