package io.piadm.sampler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.piadm.eval.CountingEvaluator;
import io.piadm.eval.LocalEvaluator;
import io.piadm.model.DiagonalGaussian;
import io.piadm.schedule.Schedule;
import io.piadm.schedule.ScheduleConfig;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The block-to-block reuse of working arrays (Workspace) never changes a sample: a walk inside a scope whose
 * given-back arrays are filled with NaN (so any read of a stale value would spread into the samples) equals,
 * bit for bit, the same walk with every block on freshly allocated (zeroed) arrays.
 */
class WorkspaceTest {

    private static final DiagonalGaussian TARGET = new DiagonalGaussian(new double[] {-1, 0, 0.5, 2, 0.1},
            new double[] {0.3, 1.0, 0.5, 0.2, 1.5});

    /** Every stage run on its own, outside any scope: fresh arrays for every block. */
    private static double[] fresh(Sampler s, int n, int batch) {
        int d = TARGET.dim();
        double[] y = SamplingDriver.initialState(s.config().noise(), 0, n, d);
        try (LocalEvaluator le = new LocalEvaluator(TARGET, 1, 1)) {
            CountingEvaluator ev = CountingEvaluator.of(le);
            for (int stage = 0; stage < s.stageCount(); stage++) {
                for (int from = 0; from < n; from += batch) {
                    int b = Math.min(batch, n - from);
                    long[] ids = new long[b];
                    double[] yb = new double[b * d];
                    for (int i = 0; i < b; i++) {
                        ids[i] = from + i;
                    }
                    System.arraycopy(y, from * d, yb, 0, b * d);
                    assertEquals(0, Workspace.freeArrays(), "no workspace outside a scope");
                    s.runStage(stage, ids, yb, ev, SamplingListener.NONE);
                    System.arraycopy(yb, 0, y, from * d, b * d);
                }
            }
        }
        return y;
    }

    @ParameterizedTest(name = "{0} {1} anderson={2} batch={3}")
    @CsvSource({
            "sde, blockwise, 0, 4",
            "ode, blockwise, 0, 13",
            "piadm-sde, blockwise, 0, 4",
            "piadm-sde, blockwise, 3, 13",
            "piadm-sde, wavefront, 0, 5",
            "piadm-ode, blockwise, 0, 4",
            "piadm-ode, blockwise, 3, 13",
            "paradigms, blockwise, 0, 6"})
    void reuseNeverChangesASample(String name, String scheme, int anderson, int batch) {
        Schedule sch = new ScheduleConfig(TARGET.dim()).horizon(5.0).eta(0.01).stepsPerBlock(12).build();
        PicardOptions po = PicardOptions.tolerance(1e-2, null).withScheme(PicardOptions.Scheme.of(scheme))
                .withAnderson(anderson);
        SamplerConfig cfg = SamplerConfig.of(sch, 31).withPicard(po).withWindow(6);
        if (name.equals("piadm-ode")) {
            // A corrector of other length than the predictor: the two phases' rings differ in size.
            cfg = cfg.withCorrector(new CorrectorOptions(true, 7, 0.5, 2.0));
        }
        int n = 13;
        Sampler s = SamplerKind.of(name).create(cfg, TARGET.dim());
        double[] expected = fresh(s, n, batch);
        double[] reused;
        try (Workspace.Scope ws = Workspace.openPoisoned(); LocalEvaluator le = new LocalEvaluator(TARGET, 2, 1)) {
            reused = new SamplingDriver(s, le, batch).run(0, n, SamplingListener.NONE).samples();
            // The wavefront is one stage holding all its blocks' rings at once: nothing to hand on.
            assertTrue(scheme.equals("wavefront") || Workspace.reusedTakes() > 0,
                    name + ": the poisoned arrays were handed out again");
        }
        for (double v : reused) {
            assertTrue(Double.isFinite(v), name + ": a stale (poisoned) value reached the samples");
        }
        assertArrayEquals(expected, reused, 0.0, name + " batch " + batch);
        assertEquals(0, Workspace.freeArrays(), "the outermost scope drops its arrays");
    }

    @Test
    void arraysComeBackWithinAScopeAndNotOutside() {
        double[] outside = Workspace.take(100);
        Workspace.give(outside);
        assertEquals(0, Workspace.freeArrays());
        try (Workspace.Scope outer = Workspace.open()) {
            double[] a = Workspace.take(100);
            Workspace.give(a);
            try (Workspace.Scope inner = Workspace.open()) {
                assertSame(a, Workspace.take(80), "a free array up to twice the length asked for is reused");
                Workspace.give(a);
            }
            assertEquals(1, Workspace.freeArrays(), "an inner scope leaves the outer's arrays");
            assertTrue(Workspace.take(40) != a, "an array over twice the length asked for is kept for a larger ask");
            assertSame(a, Workspace.take(100));
        }
        assertEquals(0, Workspace.freeArrays());
    }
}
