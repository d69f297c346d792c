package io.piadm.sampler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.piadm.eval.CountingEvaluator;
import io.piadm.eval.LocalEvaluator;
import io.piadm.eval.ScoreEvaluator;
import io.piadm.model.DiagonalGaussian;
import io.piadm.model.ScoreModel;
import io.piadm.noise.CounterNoise;
import io.piadm.schedule.Block;
import io.piadm.schedule.Schedule;
import io.piadm.schedule.ScheduleConfig;

import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * docs/ALGORITHMS.md section 7, invariant 1: Picard with K = M sweeps (or tolerance 0) reproduces the sequential
 * sampler on the same grid and noise (here: bit for bit, since both call the same step function on the
 * same inputs), and after k sweeps the first k points of a block are exact.
 */
class PicardExactnessTest {
    static final int D = 6;

    /** A non-isotropic, off-centre Gaussian: every coordinate has its own score. */
    static DiagonalGaussian target() {
        double[] mean = new double[D];
        double[] std = new double[D];
        for (int i = 0; i < D; i++) {
            mean[i] = 0.7 * i - 1.5;
            std[i] = 0.2 + 0.25 * i;
        }
        return new DiagonalGaussian(mean, std);
    }

    static Schedule grid(int m) {
        return new ScheduleConfig(D).horizon(4.0).eta(0.01).stepsPerBlock(m).build();
    }

    static double[] run(String name, SamplerConfig cfg, ScoreModel model, int n, int threads, int batch) {
        try (LocalEvaluator ev = new LocalEvaluator(model, threads, 1)) {
            Sampler s = SamplerKind.of(name).create(cfg, model.dim());
            return new SamplingDriver(s, ev, batch).run(0, n, SamplingListener.NONE).samples();
        }
    }

    static Stream<Arguments> pairs() {
        int m = 7;
        SamplerConfig base = SamplerConfig.of(grid(m), 11);
        SamplerConfig full = base.withPicard(PicardOptions.fixed(m));
        SamplerConfig zeroTol = base.withPicard(PicardOptions.tolerance(0.0, null));
        CorrectorOptions corr = new CorrectorOptions(true, 5, 0.8, 1.5);
        PicardOptions.Scheme wave = PicardOptions.Scheme.WAVEFRONT;
        PicardOptions zero = PicardOptions.tolerance(0.0, null);
        PicardOptions fixed = PicardOptions.fixed(m);
        // Every acceleration of section 6b-6c at K = M or tolerance 0 (docs/ALGORITHMS.md section 7, invariant 1).
        PicardOptions allZero = zero.withAnderson(3).withFrozenFront(true).withWarmStart(true);
        return Stream.of(
                Arguments.of("wavefront tol=0", "piadm-sde", base.withPicard(zero.withScheme(wave)), "sde", base),
                Arguments.of("wavefront K=M", "piadm-sde", base.withPicard(fixed.withScheme(wave)), "sde", base),
                Arguments.of("wavefront + Anderson + frozen front + warm start, tol=0", "piadm-sde",
                        base.withPicard(allZero.withScheme(wave)), "sde", base),
                Arguments.of("frozen front tol=0", "piadm-sde", base.withPicard(zero.withFrozenFront(true)), "sde", base),
                Arguments.of("frozen front K=M", "piadm-sde", base.withPicard(fixed.withFrozenFront(true)), "sde", base),
                Arguments.of("warm start K=M", "piadm-sde", base.withPicard(fixed.withWarmStart(true)), "sde", base),
                Arguments.of("Anderson 3 K=M", "piadm-sde", base.withPicard(fixed.withAnderson(3)), "sde", base),
                Arguments.of("Anderson 3 + frozen front + warm start tol=0", "piadm-sde", base.withPicard(allZero),
                        "sde", base),
                Arguments.of("piadm-ode wavefront K=M, corrector", "piadm-ode",
                        full.withPicard(fixed.withScheme(wave)).withCorrector(corr), "ode", base.withCorrector(corr)),
                Arguments.of("piadm-ode wavefront, all accelerations, tol=0, corrector", "piadm-ode",
                        base.withPicard(allZero.withScheme(wave)).withCorrector(corr), "ode", base.withCorrector(corr)),
                Arguments.of("piadm-ode blockwise, all accelerations, K=M, corrector", "piadm-ode",
                        base.withPicard(fixed.withAnderson(2).withFrozenFront(true).withWarmStart(true)).withCorrector(corr),
                        "ode", base.withCorrector(corr)),
                Arguments.of("paradigms + Anderson 3, tol=0", "paradigms", base.withPicard(zero.withAnderson(3)).withWindow(5),
                        "sde", base),
                Arguments.of("piadm-sde K=M", "piadm-sde", full, "sde", base),
                Arguments.of("piadm-sde tol=0", "piadm-sde", zeroTol, "sde", base),
                Arguments.of("piadm-ode K=M, no corrector", "piadm-ode", full, "ode", base),
                Arguments.of("piadm-ode K=M, corrector", "piadm-ode", full.withCorrector(corr), "ode",
                        base.withCorrector(corr)),
                Arguments.of("paradigms tol=0", "paradigms", zeroTol.withWindow(5), "sde", base),
                Arguments.of("paradigms-ode tol=0", "paradigms-ode", zeroTol.withWindow(4), "ode", base));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pairs")
    void fullIterationEqualsSequentialBitForBit(String label, String parallel, SamplerConfig pc,
            String sequential, SamplerConfig sc) {
        DiagonalGaussian g = target();
        double[] a = run(parallel, pc, g, 5, 2, 5);
        double[] b = run(sequential, sc, g, 5, 1, 5);
        assertArrayEquals(b, a, 0.0, label);
    }

    @ParameterizedTest(name = "{0} on a mixture")
    @MethodSource("pairs")
    void fullIterationEqualsSequentialOnAMixture(String label, String parallel, SamplerConfig pc,
            String sequential, SamplerConfig sc) {
        // A nonlinear score (responsibilities change along the path): still bit for bit.
        io.piadm.model.GaussianMixture gmm = io.piadm.model.GaussianMixture.seeded(D, 4, 3, 0.4, 2.0);
        double[] a = run(parallel, pc, gmm, 4, 2, 3);
        double[] b = run(sequential, sc, gmm, 4, 1, 4);
        assertArrayEquals(b, a, 0.0, label);
    }

    @Test
    void fewerSweepsDifferFromSequential() {
        // The comparison above is not vacuous: one sweep short of M changes the samples.
        DiagonalGaussian g = target();
        SamplerConfig base = SamplerConfig.of(grid(7), 11);
        double[] a = run("piadm-sde", base.withPicard(PicardOptions.fixed(3)), g, 5, 1, 5);
        double[] b = run("sde", base, g, 5, 1, 5);
        double maxDiff = 0;
        for (int i = 0; i < a.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
        }
        assertTrue(maxDiff > 1e-8, "K=3 < M=7 must differ from sequential, max diff " + maxDiff);
    }

    /** The sequential trajectory of one phase, step by step, as the oracle. */
    static double[][] sequentialTrajectory(Phase ph, long id, double[] z0, ScoreModel model) {
        int s = ph.stateSize;
        double[][] traj = new double[ph.steps + 1][];
        traj[0] = z0.clone();
        double[] g = new double[ph.dim];
        double[] xi = new double[Math.max(1, ph.noiseSize)];
        for (int j = 0; j < ph.steps; j++) {
            model.score(java.util.Arrays.copyOf(traj[j], ph.dim), new double[] {ph.evalTime(j)}, 1, g);
            ph.fillNoise(id, j, xi, 0);
            traj[j + 1] = new double[s];
            ph.step(j, traj[j], 0, g, 0, xi, 0, traj[j + 1], 0);
        }
        return traj;
    }

    static Stream<Arguments> phases() {
        DiagonalGaussian g = target();
        Block block = grid(9).block(1);
        CounterNoise noise = new CounterNoise(5);
        return Stream.of(
                Arguments.of("sde predictor", new PredictorPhase(block, D, Integrator.SDE, noise, "p"), g),
                Arguments.of("ode predictor", new PredictorPhase(block, D, Integrator.ODE, noise, "p"), g),
                Arguments.of("corrector", new CorrectorPhase(3, 0.5, D, 9, 1.0, 2.0, noise), g));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("phases")
    void firstKPointsExactAfterKSweeps(String label, Phase ph, ScoreModel model) {
        long id = 3;
        double[] z0 = new CounterNoise(99).normals(io.piadm.noise.NoiseStream.AUXILIARY, 0, 0, 0, ph.stateSize);
        double[][] seq = sequentialTrajectory(ph, id, z0, model);
        ScoreEvaluator ev = new LocalEvaluator(model, 1);
        for (int k = 1; k <= ph.steps; k++) {
            double[][][] pts = new double[1][][];
            double[] z = z0.clone();
            PhaseTrace tr = PicardKernel.run(ph, new long[] {id}, z,
                    PicardKernel.Plan.blockwise(ph.steps, PicardOptions.fixed(k).withFrozenFront(false)
                            .withWarmStart(false)), CountingEvaluator.of(ev),
                    SamplingListener.NONE, "t", 0, (i, sweep, a, e, points) -> pts[0] = points);
            assertEquals(k, tr.sweeps());
            for (int p = 0; p <= k; p++) {
                assertArrayEquals(seq[p], pts[0][p], 0.0, label + ": point " + p + " after " + k + " sweeps");
            }
            if (k + 1 <= ph.steps) {
                double[] next = pts[0][k + 1];
                double diff = 0;
                for (int i = 0; i < next.length; i++) {
                    diff = Math.max(diff, Math.abs(next[i] - seq[k + 1][i]));
                }
                assertTrue(diff > 0, label + ": point " + (k + 1) + " should not yet be exact after " + k + " sweeps");
            }
            // Skipping exact points: sweep j evaluates M - (j - 1) points; the corrector's first sweep has M
            // identical rows (every point at the start, one evaluation time), so it evaluates one.
            long expected = (long) k * ph.steps - (long) k * (k - 1) / 2 - (ph.constantEvalTime() ? ph.steps - 1 : 0);
            assertEquals(expected, tr.pointsEvaluated(), label);
        }
    }
}
