package io.piadm.sampler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.piadm.eval.LocalEvaluator;
import io.piadm.model.DiagonalGaussian;
import io.piadm.model.ScoreModel;
import io.piadm.noise.CounterNoise;
import io.piadm.noise.NoiseSource;
import io.piadm.schedule.Block;
import io.piadm.schedule.Schedule;
import io.piadm.schedule.ScheduleConfig;

import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The accelerations of docs/ALGORITHMS.md sections 6b and 6c against plain blockwise Picard: Anderson with
 * m = 0 or 1 is plain Picard bit for bit (checked against Picard written out here, independently of the
 * kernel); the wavefront given enough rounds equals blockwise; and rounds and evaluations fall where the
 * methods say they must.
 */
class PicardAccelerationTest {
    static final int D = 6;

    static Schedule grid(int m) {
        return new ScheduleConfig(D).horizon(4.0).eta(0.01).stepsPerBlock(m).build();
    }

    /**
     * Blockwise Picard written out plainly (section 4): y_m^0 = y; every sweep evaluates all M points of the
     * old path and rescans from y; stop when the largest scaled residual is at most tol, or after M sweeps.
     * No windows, rings, skipping or shared code with the kernel besides each phase's own step.
     */
    static double[] plainPicard(Phase ph, long id, double[] z0, ScoreModel model, double tol) {
        int m = ph.steps;
        int s = ph.stateSize;
        double[][] path = new double[m + 1][];
        for (int j = 0; j <= m; j++) {
            path[j] = z0.clone();
        }
        double[][] xi = new double[m][Math.max(1, ph.noiseSize)];
        for (int j = 0; j < m; j++) {
            ph.fillNoise(id, j, xi[j], 0);
        }
        for (int k = 1; k <= m; k++) {
            double[][] g = new double[m][ph.dim];
            for (int j = 0; j < m; j++) {
                model.score(Arrays.copyOf(path[j], ph.dim), new double[] {ph.evalTime(j)}, 1, g[j]);
            }
            double[][] next = new double[m + 1][];
            next[0] = z0.clone();
            double worst = 0.0;
            for (int j = 0; j < m; j++) {
                next[j + 1] = new double[s];
                ph.step(j, next[j], 0, g[j], 0, xi[j], 0, next[j + 1], 0);
                double d2 = 0.0;
                for (int c = 0; c < s; c++) {
                    double dc = next[j + 1][c] - path[j + 1][c];
                    d2 += dc * dc;
                }
                worst = Math.max(worst, d2 / (s * ph.residualVariance(j + 1)));
            }
            path = next;
            if (Math.sqrt(worst) <= tol) {
                break;
            }
        }
        return path[m];
    }

    /** PIADM on the whole schedule with {@link #plainPicard} per phase (the corrector when {@code co} is on). */
    static double[] plainSampler(Schedule sch, Integrator integ, CorrectorOptions co, long seed, int n, double tol,
            ScoreModel model) {
        NoiseSource noise = new CounterNoise(seed);
        double[] y = SamplingDriver.initialState(noise, 0, n, D);
        for (Block b : sch.blocks()) {
            PredictorPhase ph = new PredictorPhase(b, D, integ, noise, "p");
            CorrectorPhase cp = co.enabled()
                    ? new CorrectorPhase(b.index(), b.endTime(), D, co.steps(b.steps()), co.time(), co.friction(), noise)
                    : null;
            for (int i = 0; i < n; i++) {
                double[] end = plainPicard(ph, i, Arrays.copyOfRange(y, i * D, (i + 1) * D), model, tol);
                if (cp != null) {
                    double[] xv = new double[2 * D];
                    System.arraycopy(end, 0, xv, 0, D);
                    cp.fillInitialVelocity(i, xv, D);
                    end = Arrays.copyOf(plainPicard(cp, i, xv, model, tol), D);
                }
                System.arraycopy(end, 0, y, i * D, D);
            }
        }
        return y;
    }

    static double[] run(String name, SamplerConfig cfg, ScoreModel model, int n, int batch) {
        return PicardExactnessTest.run(name, cfg, model, n, 2, batch);
    }

    @ParameterizedTest
    @ValueSource(strings = {"piadm-sde", "piadm-ode"})
    void andersonZeroAndOneArePlainPicardBitForBit(String name) {
        DiagonalGaussian g = PicardExactnessTest.target();
        Schedule s = grid(9);
        double tol = 1e-2;
        CorrectorOptions co = name.equals("piadm-ode") ? new CorrectorOptions(true, 7, 0.8, 1.5) : CorrectorOptions.off();
        SamplerConfig cfg = SamplerConfig.of(s, 21).withPicard(PicardOptions.tolerance(tol, null).withFrozenFront(false)
                .withWarmStart(false)).withCorrector(co);
        SamplerKind kind = SamplerKind.of(name);
        double[] oracle = plainSampler(s, kind.integrator(), co, 21, 5, tol, g.build());
        for (int m : new int[] {0, 1}) {
            SamplerConfig c = cfg.withPicard(cfg.picard().withAnderson(m));
            assertArrayEquals(oracle, run(name, c, g, 5, 3), 0.0, name + " Anderson " + m);
        }
        // Not vacuous: with two iterates Anderson mixes, and the samples move (within the tolerance's reach).
        double[] mixed = run(name, cfg.withPicard(cfg.picard().withAnderson(2)), g, 5, 5);
        double diff = maxDiff(oracle, mixed);
        assertTrue(diff > 0 && diff < 0.05, name + ": Anderson 2 against plain, max diff " + diff);
    }

    @Test
    void andersonZeroIsPlainForTheWavefrontAndParadigms() {
        DiagonalGaussian g = PicardExactnessTest.target();
        SamplerConfig cfg = SamplerConfig.of(grid(9), 4).withPicard(PicardOptions.tolerance(1e-2, null));
        SamplerConfig wave = cfg.withPicard(cfg.picard().withScheme(PicardOptions.Scheme.WAVEFRONT));
        assertArrayEquals(run("piadm-sde", wave, g, 4, 4),
                run("piadm-sde", wave.withPicard(wave.picard().withAnderson(1)), g, 4, 2), 0.0, "wavefront");
        SamplerConfig win = cfg.withWindow(5);
        assertArrayEquals(run("paradigms", win, g, 4, 4),
                run("paradigms", win.withPicard(win.picard().withAnderson(1)), g, 4, 3), 0.0, "paradigms");
    }

    @Test
    void wavefrontGivenEnoughRoundsEqualsBlockwise() {
        DiagonalGaussian g = PicardExactnessTest.target();
        SamplerConfig base = SamplerConfig.of(grid(12), 8);
        for (boolean corrector : new boolean[] {false, true}) {
            String name = corrector ? "piadm-ode" : "piadm-sde";
            SamplerConfig c = corrector ? base.withCorrector(new CorrectorOptions(true, 6, 0.8, 1.5)) : base;
            for (double tol : new double[] {0.0, 1e-12}) {
                SamplerConfig bw = c.withPicard(PicardOptions.tolerance(tol, null));
                SamplerConfig wf = c.withPicard(bw.picard().withScheme(PicardOptions.Scheme.WAVEFRONT));
                double[] a = run(name, bw, g, 4, 4);
                double[] b = run(name, wf, g, 4, 4);
                if (tol == 0.0) {
                    assertArrayEquals(a, b, 0.0, name + " tol 0");
                } else {
                    assertTrue(maxDiff(a, b) < 1e-9, name + " tol " + tol + ": " + maxDiff(a, b));
                }
            }
            // Not vacuous: at a loose tolerance the two schemes stop at different iterates.
            SamplerConfig loose = c.withPicard(PicardOptions.tolerance(0.05, null));
            double diff = maxDiff(run(name, loose, g, 4, 4),
                    run(name, loose.withPicard(loose.picard().withScheme(PicardOptions.Scheme.WAVEFRONT)), g, 4, 4));
            assertTrue(diff > 0, name + ": loose tolerance, schemes should differ");
        }
    }

    static SamplingResult result(SamplerConfig cfg, ScoreModel model, int dim, int n) {
        try (LocalEvaluator ev = new LocalEvaluator(model, 2)) {
            return new SamplingDriver(SamplerKind.PIADM_SDE.create(cfg, dim), ev, n).run(0, n, SamplingListener.NONE);
        }
    }

    /**
     * On the default grid of a 64-dimensional target (18 blocks x 64 steps), where blockwise Picard needs
     * N K rounds: the wavefront overlaps the blocks and needs about 2N + J; Anderson cuts sweeps per block;
     * the frozen front and the warm start cut evaluations and never add rounds.
     */
    @Test
    void roundsAndEvaluationsFallWhereTheyMust() {
        int d = 64;
        DiagonalGaussian g = DiagonalGaussian.isotropic(d, 0.5, 0.5);
        Schedule s = new ScheduleConfig(d).dataSecondMoment(g.secondMoment()).build();
        int n = 6;
        SamplerConfig base = SamplerConfig.of(s, 3);
        PicardOptions po = PicardOptions.defaults().withFrozenFront(false).withWarmStart(false);
        SamplingResult bw = result(base.withPicard(po), g, d, n);
        SamplingResult wf = result(base.withPicard(po.withScheme(PicardOptions.Scheme.WAVEFRONT)), g, d, n);
        SamplingResult aa = result(base.withPicard(po.withAnderson(3)), g, d, n);
        SamplingResult ff = result(base.withPicard(po.withFrozenFront(true)), g, d, n);
        SamplingResult ws = result(base.withPicard(po.withFrozenFront(true).withWarmStart(true)), g, d, n);
        SamplingResult wfa = result(base.withPicard(po.withScheme(PicardOptions.Scheme.WAVEFRONT).withAnderson(3)), g, d, n);
        int blocks = s.blockCount();
        assertTrue(bw.rounds() >= 3L * blocks, "blockwise: at least 3 sweeps per block, " + bw.rounds());
        assertTrue(wf.rounds() < bw.rounds() / 2, "wavefront " + wf.rounds() + " vs blockwise " + bw.rounds());
        assertTrue(wf.rounds() <= 3L * blocks, "wavefront about 2N + J: " + wf.rounds() + " for N = " + blocks);
        assertTrue(aa.rounds() < bw.rounds(), "Anderson " + aa.rounds() + " vs " + bw.rounds());
        assertTrue(wfa.rounds() < wf.rounds(), "wavefront + Anderson " + wfa.rounds() + " vs " + wf.rounds());
        assertTrue(ff.rounds() <= bw.rounds() && ff.evaluationsPerSample() < 0.9 * bw.evaluationsPerSample(),
                "frozen front " + ff.rounds() + " rounds, " + ff.evaluationsPerSample() + " evaluations vs "
                        + bw.evaluationsPerSample());
        // The warm start saves M - 1 of each block's first-sweep evaluations.
        double saved = ff.evaluationsPerSample() - ws.evaluationsPerSample();
        assertTrue(ws.rounds() <= ff.rounds() && saved > 0.8 * blocks * 63,
                "warm start " + ws.rounds() + " rounds, saved " + saved);
    }

    @Test
    void theWavefrontTraceShowsBlocksJoiningOneRoundAfterTheirPredecessor() {
        DiagonalGaussian g = DiagonalGaussian.isotropic(8, 0.5, 0.5);
        Schedule s = new ScheduleConfig(8).stepsPerBlock(16).build();
        SamplerConfig cfg = SamplerConfig.of(s, 1).withPicard(PicardOptions.defaults()
                .withScheme(PicardOptions.Scheme.WAVEFRONT));
        SamplingResult one = result(cfg, g, 8, 5);
        assertEquals(1, one.stages().size(), "the wavefront is one stage");
        StageTrace st = one.stages().get(0);
        RoundLog log = st.roundLog();
        assertEquals(one.rounds(), log.rounds());
        assertEquals(s.blockCount(), log.links());
        for (int r = 0; r < log.rounds(); r++) {
            int[] act = log.active(r);
            if (r < s.blockCount()) {
                assertEquals(r, act[act.length - 1], "round " + (r + 1) + ": block " + r + " joins");
            }
            for (int k = 1; k < act.length; k++) {
                assertEquals(act[k - 1] + 1, act[k], "active blocks are contiguous in round " + (r + 1));
            }
        }
        assertEquals(s.blockCount() - 1, log.active(log.rounds() - 1)[0], "the last block finishes last");
        // Batches never change the trace: two batches merge into the one-batch log.
        SamplingResult two;
        try (LocalEvaluator ev = new LocalEvaluator(g, 1)) {
            two = new SamplingDriver(SamplerKind.PIADM_SDE.create(cfg, 8), ev, 2).run(0, 5, SamplingListener.NONE);
        }
        RoundLog merged = two.stages().get(0).roundLog();
        assertEquals(log.rounds(), merged.rounds());
        for (int r = 0; r < log.rounds(); r++) {
            assertArrayEquals(log.active(r), merged.active(r));
            assertArrayEquals(log.residuals(r), merged.residuals(r), 0.0);
        }
        assertArrayEquals(one.samples(), two.samples(), 0.0);
        assertEquals(one.evaluationsTotal(), two.evaluationsTotal());
    }

    static double maxDiff(double[] a, double[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
