package io.piadm.sampler;

import io.piadm.eval.CountingEvaluator;
import io.piadm.eval.LocalEvaluator;
import io.piadm.model.DiagonalGaussian;
import io.piadm.model.ScoreModel;
import io.piadm.noise.CounterNoise;
import io.piadm.schedule.Block;
import io.piadm.schedule.Schedule;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one kernel's rules: the ParaDiGMS stride, counting, and its safeguards. */
class PicardKernelTest {
    static final int D = 3;

    static Block uniform(int index, double from, double to, int m) {
        double[] t = new double[m + 1];
        for (int j = 0; j <= m; j++) {
            t[j] = from + (to - from) * j / m;
        }
        t[m] = to;
        return new Block(index, t);
    }

    /**
     * The stride rule of docs/ALGORITHMS.md section 6, checked independently from what the kernel shows
     * after each sweep: the next window starts at the first point whose scaled residual (its change over
     * the sweep, in units of sqrt(s v_m)) exceeds the tolerance, by at least one point, or at the window's
     * end when none fails.
     */
    @ParameterizedTest
    @ValueSource(doubles = {0.0, 1e-3, 0.05, 1e9})
    void theWindowSlidesToTheFirstFailingPoint(double tol) {
        ScoreModel model = DiagonalGaussian.isotropic(D, 0.4, 0.6).build();
        PredictorPhase ph = new PredictorPhase(uniform(0, 2.0, 0.2, 24), D, Integrator.SDE, new CounterNoise(9), "w");
        int w = 6;
        List<int[]> windows = new ArrayList<>();
        List<double[][]> views = new ArrayList<>();
        double[] z = new CounterNoise(3).normals(io.piadm.noise.NoiseStream.AUXILIARY, 0, 0, 0, D);
        PicardKernel.run(ph, new long[] {0}, z, PicardKernel.Plan.slidingWindow(ph.steps, w, tol),
                CountingEvaluator.of(new LocalEvaluator(model, 1)), SamplingListener.NONE, "t", 0,
                (i, sweep, a, e, points) -> {
                    windows.add(new int[] {a, e});
                    views.add(points);
                });
        for (int k = 0; k + 1 < windows.size(); k++) {
            int a = windows.get(k)[0];
            int e = windows.get(k)[1];
            int expected = e;
            for (int m = a + 1; m <= e; m++) {
                double[] before = previous(windows, views, k, m);
                double[] after = views.get(k)[m];
                double d2 = 0;
                for (int c = 0; c < D; c++) {
                    d2 += (after[c] - before[c]) * (after[c] - before[c]);
                }
                if (Math.sqrt(d2 / (D * ph.residualVariance(m))) > tol) {
                    expected = m;
                    break;
                }
            }
            assertEquals(Math.max(a + 1, expected), windows.get(k + 1)[0], "sweep " + (k + 1) + " at tol " + tol);
        }
        if (tol >= 1e9) {
            assertEquals((ph.steps + w - 1) / w, windows.size(), "nothing fails: the window jumps by w");
        }
    }

    /** Point m before sweep k: its value after sweep k-1, or (new in the window) the window's old last point. */
    private static double[] previous(List<int[]> windows, List<double[][]> views, int k, int m) {
        if (k == 0) {
            return views.get(0)[0]; // every point starts at the start state, which point 0 keeps
        }
        int prevEnd = windows.get(k - 1)[1];
        return views.get(k - 1)[Math.min(m, prevEnd)];
    }

    @Test
    void evaluationsAreCountedOnceByTheCountingEvaluator() {
        ScoreModel model = DiagonalGaussian.isotropic(D, 0.4, 0.6).build();
        Schedule s = new Schedule(List.of(uniform(0, 2.0, 1.0, 8), uniform(1, 1.0, 0.5, 8)));
        for (boolean warm : new boolean[] {false, true}) {
            SamplerConfig cfg = SamplerConfig.of(s, 4).withPicard(PicardOptions.fixed(3).withWarmStart(warm));
            CountingEvaluator ev = CountingEvaluator.of(new LocalEvaluator(model, 1));
            SamplingResult r = new SamplingDriver(SamplerKind.PIADM_SDE.create(cfg, D), ev, 2).run(0, 5, SamplingListener.NONE);
            // 3 batches (2 + 2 + 1) x 2 blocks x 3 sweeps; sweep k evaluates 8 - k + 1 points of each sample,
            // except that the warm start's first sweep evaluates the start only.
            assertEquals(3 * 2 * 3, ev.calls());
            assertEquals(3 * 2 * 3, r.evaluatorCalls());
            assertEquals(2 * 3, r.rounds(), "rounds are those of one batch holding every sample");
            assertEquals(5L * 2 * ((warm ? 1 : 8) + 7 + 6), ev.rows());
            assertEquals(ev.rows(), r.evaluationsTotal());
        }
    }

    @Test
    void aModelReturningNanStopsNamingBlockSweepAndSample() {
        ScoreModel good = DiagonalGaussian.isotropic(D, 0.4, 0.6).build();
        ScoreModel nan = new ScoreModel() {
            @Override
            public int dim() {
                return D;
            }

            @Override
            public void score(double[] x, double[] t, long[] ids, int from, int n, double[] out) {
                good.score(x, t, from, n, out);
                for (int r = from; r < from + n; r++) {
                    if (ids[r] == 13 && t[r] < 1.0) {
                        out[r * D] = Double.NaN;
                    }
                }
            }

            @Override
            public void score(double[] x, double[] t, int from, int n, double[] out) {
                throw new AssertionError("the kernel passes the rows' sample ids");
            }
        };
        Schedule s = new Schedule(List.of(uniform(0, 2.0, 1.0, 8), uniform(1, 1.0, 0.5, 8)));
        for (SamplerKind kind : new SamplerKind[] {SamplerKind.SDE, SamplerKind.PIADM_SDE, SamplerKind.PARADIGMS}) {
            NonFiniteStateException e = assertThrows(NonFiniteStateException.class, () -> new SamplingDriver(
                    kind.create(SamplerConfig.of(s, 1), D), new LocalEvaluator(nan, 1), 4)
                    .run(10, 6, SamplingListener.NONE));
            assertEquals(13, e.sample(), kind.id());
            assertTrue(e.getMessage().contains("sample 13") && e.getMessage().contains("sweep"), e.getMessage());
            assertEquals(kind == SamplerKind.PARADIGMS ? 0 : 1, e.stage(), kind.id());
        }
    }

    /**
     * One long block right down to the data makes the score's Lipschitz constant times the block length
     * huge, so Picard diverges: every sample falls back to sequential steps from its exact prefix, which
     * makes the result the sequential sampler's, bit for bit, instead of an overflow.
     */
    @Test
    void aDivergingBlockFallsBackToExactSequentialSteps() {
        DiagonalGaussian target = DiagonalGaussian.isotropic(D, 0.4, 0.02);
        double[] t = new double[65];
        for (int j = 0; j <= 64; j++) {
            t[j] = 2.0 * Math.pow(1e-3 / 2.0, j / 64.0);
        }
        Schedule s = new Schedule(List.of(new Block(0, t)));
        SamplerConfig cfg = SamplerConfig.of(s, 2).withPicard(PicardOptions.tolerance(1e-6, null));
        int n = 4;
        double[] seq;
        SamplingResult par;
        try (LocalEvaluator ev = new LocalEvaluator(target, 1)) {
            seq = new SamplingDriver(SamplerKind.SDE.create(cfg, D), ev, n).run(0, n, SamplingListener.NONE).samples();
            par = new SamplingDriver(SamplerKind.PIADM_SDE.create(cfg, D), ev, n).run(0, n, SamplingListener.NONE);
        }
        PhaseTrace p = par.stages().get(0).phases().get(0);
        assertEquals(n, p.sequentialFallbacks(), "every sample fell back");
        assertArrayEquals(seq, par.samples(), 0.0);
        assertTrue(p.sweeps() <= 64 + PicardKernel.DIVERGENCE_SWEEPS, "at most M sweeps plus the detection: " + p.sweeps());
    }
}
