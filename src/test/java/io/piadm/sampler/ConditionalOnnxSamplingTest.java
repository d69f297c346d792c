package io.piadm.sampler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.piadm.eval.LocalEvaluator;
import io.piadm.model.ClassConditional;
import io.piadm.model.ModelSpec;
import io.piadm.model.ModelSpecs;
import io.piadm.model.ScoreModel;
import io.piadm.process.OuProcess;
import io.piadm.schedule.Block;
import io.piadm.schedule.Schedule;
import io.piadm.schedule.ScheduleConfig;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

/**
 * Class labels and classifier-free guidance on the exact-score conditional fixture (src/test/resources/onnx/
 * gauss-cond.onnx, integer timesteps): the grid snapped to training steps keeps the Picard invariants
 * (ALGORITHMS.md section 7: K = M equals the sequential sampler bit for bit; invariant 4: determinism under any
 * threads, batches and sample range), and the guided sampler draws the closed-form target: with mu_null = 0,
 * eps_u + w (eps_c - eps_u) is the exact eps of N(w mu_c, s^2 I), so class c's samples have mean
 * alpha(eta) w mu_c (section 10).
 */
class ConditionalOnnxSamplingTest {
    static final String FIXTURE = "onnx:src/test/resources/onnx/gauss-cond.onnx,time=ddpm-linear,null-label=10";
    static final int D = 64;

    static ModelSpec guided(double w) {
        return ClassConditional.wrap(ModelSpecs.parse(FIXTURE), ClassConditional.parseClasses("0..9"), w);
    }

    static double[] run(String sampler, SamplerConfig cfg, ScoreModel m, long first, int n, int threads, int batch) {
        try (LocalEvaluator ev = new LocalEvaluator(m, threads, 1)) {
            Sampler s = SamplerKind.of(sampler).create(cfg, D);
            return new SamplingDriver(s, ev, batch).run(first, n, SamplingListener.NONE).samples();
        }
    }

    @Test
    void snappedGridKeepsPicardExactnessAndDeterminismWithLabels() {
        ModelSpec spec = guided(2.0);
        double[] tk = spec.trainingTimes();
        Schedule s = new ScheduleConfig(D).trainingTimes(tk).horizon(3.0).eta(0.01).stepsPerBlock(6).build();
        for (Block b : s.blocks()) {
            for (double t : b.forwardTimes()) {
                assertTrue(Arrays.binarySearch(tk, t) >= 0, "every grid time is a training time: " + t);
            }
        }
        SamplerConfig base = SamplerConfig.of(s, 5);
        try (ScoreModel m = spec.build()) {
            int n = 10;
            double[] seq = run("sde", base, m, 0, n, 1, n);
            double[] full = run("piadm-sde", base.withPicard(PicardOptions.fixed(6)), m, 0, n, 2, 4);
            assertArrayEquals(seq, full, 0.0, "piadm-sde with K = M equals sde bit for bit");
            SamplerConfig tol = base.withPicard(PicardOptions.tolerance(1e-3, null));
            double[] ref = run("piadm-sde", tol, m, 0, n, 1, n);
            for (int threads : new int[] {1, 2}) {
                for (int batch : new int[] {1, 3}) {
                    assertArrayEquals(ref, run("piadm-sde", tol, m, 0, n, threads, batch), 0.0,
                            "threads=" + threads + " batch=" + batch);
                }
            }
            // samples 4..8 alone: same rows, so each sample's label comes with its id, not its position
            assertArrayEquals(Arrays.copyOfRange(ref, 4 * D, 9 * D), run("piadm-sde", tol, m, 4, 5, 2, 2), 0.0);
        }
    }

    /** Fitted w: sum over classes of <mean_c, mu_c> / (alpha(eta) |mu_c|^2), averaged over classes. */
    static double fittedGuidance(double[] x, int n, double eta) {
        double[] sum = new double[10];
        int[] count = new int[10];
        double[][] mean = new double[10][D];
        for (int r = 0; r < n; r++) {
            int c = r % 10;
            count[c]++;
            for (int p = 0; p < D; p++) {
                mean[c][p] += x[r * D + p];
            }
        }
        double w = 0;
        for (int c = 0; c < 10; c++) {
            double dot = 0;
            double norm = 0;
            for (int p = 0; p < D; p++) {
                double mu = 0.75 * Math.cos(Math.PI * (c + 1) * (p + 0.5) / D);
                dot += mean[c][p] / count[c] * mu;
                norm += mu * mu;
            }
            sum[c] = dot / (OuProcess.alpha(eta) * norm);
            w += sum[c] / 10;
        }
        return w;
    }

    @Test
    void guidedSamplesHaveTheClosedFormClassMeans() {
        int n = 300;
        for (double w : new double[] {0.0, 1.0, 2.0}) {
            ModelSpec spec = guided(w);
            Schedule s = new ScheduleConfig(D).trainingTimes(spec.trainingTimes()).build();
            try (ScoreModel m = spec.build()) {
                double[] x = run("sde", SamplerConfig.of(s, 77), m, 0, n, 2, n);
                double fit = fittedGuidance(x, n, s.eta());
                // sd of the fit: s / (sqrt(n/10) |mu_c|) = 0.5 / (sqrt(30) 4.24) = 0.022
                assertEquals(w, fit, 0.1, "w = " + w + ": fitted guidance " + fit);
                double var = 0;
                for (int r = 0; r < n; r++) {
                    int c = r % 10;
                    for (int p = 0; p < D; p++) {
                        double mu = w * OuProcess.alpha(s.eta()) * 0.75 * Math.cos(Math.PI * (c + 1) * (p + 0.5) / D);
                        var += (x[r * D + p] - mu) * (x[r * D + p] - mu);
                    }
                }
                var /= (double) n * D;
                double want = OuProcess.alpha(s.eta()) * OuProcess.alpha(s.eta()) * 0.25 + OuProcess.sigma2(s.eta());
                assertEquals(want, var, 0.02, "w = " + w + ": per-coordinate variance");
            }
        }
    }
}
