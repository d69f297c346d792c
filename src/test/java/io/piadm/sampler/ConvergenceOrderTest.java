package io.piadm.sampler;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.piadm.eval.LocalEvaluator;
import io.piadm.model.DiagonalGaussian;
import io.piadm.schedule.Schedule;
import io.piadm.schedule.ScheduleConfig;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * docs/ALGORITHMS.md section 7, invariant 2: for a Gaussian target every sampler's output law is Gaussian, and
 * its KL to p_eta falls with the step size at the expected order. The exponential integrator is first
 * order, so the variance error falls like the step (halving per doubling of M) and KL, quadratic in that
 * error, like the step squared (a factor ~4 per doubling).
 *
 * <p>Measured on an isotropic target whose coordinates are i.i.d., so moments are pooled over d x N
 * scalars and the Monte-Carlo error (relative variance error ~ sqrt(2 / (d N)) = 0.6%) stays well below
 * the discretisation error at the grids used. The horizon T = 12 makes the initialisation error
 * (e^{-T/2} in the mean) negligible, so what remains is discretisation.
 */
class ConvergenceOrderTest {
    static final int D = 32;
    static final int N = 1600;

    /** Pooled {mean error, relative variance error, d x KL(pooled N(m, v) || N(m*, v*))}. */
    static double[] error(String name, int m) {
        return error(name, m, p -> p);
    }

    static double[] error(String name, int m, java.util.function.UnaryOperator<PicardOptions> options) {
        DiagonalGaussian g = DiagonalGaussian.isotropic(D, 1.0, 0.5);
        Schedule s = new ScheduleConfig(D).horizon(12.0).eta(0.01).stepsPerBlock(m).build();
        SamplerConfig cfg = SamplerConfig.of(s, 99).withPicard(options.apply(PicardOptions.tolerance(1e-5, null)))
                .withWindow(8);
        if (name.equals("piadm-ode")) {
            cfg = cfg.withCorrector(CorrectorOptions.on());
        }
        double[] x;
        try (LocalEvaluator ev = new LocalEvaluator(g, 2)) {
            x = new SamplingDriver(SamplerKind.of(name).create(cfg, D), ev, N).run(0, N, SamplingListener.NONE).samples();
        }
        double[][] mv = g.diagonalGaussianMoments(s.eta());
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
        double r = var / mv[1][0];
        double dm = mean - mv[0][0];
        double kl = D * 0.5 * (r - 1 - Math.log(r) + dm * dm / mv[1][0]);
        return new double[] {dm, r - 1, kl};
    }

    @ParameterizedTest
    @ValueSource(strings = {"sde", "ode", "piadm-sde", "piadm-ode", "paradigms", "paradigms-ode"})
    void klFallsAtSecondOrderInTheStep(String name) {
        checkOrder(name, name, p -> p);
    }

    /** The same order for every scheme of docs/ALGORITHMS.md sections 6b-6c (wavefront, Anderson, frozen front). */
    @ParameterizedTest
    @ValueSource(strings = {"piadm-sde wavefront all", "piadm-sde blockwise all",
            "piadm-ode wavefront all", "paradigms anderson"})
    void klOrderIsUnchangedByTheAccelerations(String label) {
        String name = label.substring(0, label.indexOf(' '));
        boolean all = label.endsWith("all") || label.endsWith("anderson");
        boolean wave = label.contains("wavefront");
        checkOrder(label, name, p -> {
            PicardOptions q = wave ? p.withScheme(PicardOptions.Scheme.WAVEFRONT) : p;
            return all ? q.withAnderson(3).withFrozenFront(!name.startsWith("paradigms")).withWarmStart(
                    !name.startsWith("paradigms")) : q;
        });
    }

    private static void checkOrder(String label, String name, java.util.function.UnaryOperator<PicardOptions> o) {
        double[] e2 = error(name, 2, o);
        double[] e4 = error(name, 4, o);
        double[] e8 = error(name, 8, o);
        String msg = String.format("%s: var errors %.4f %.4f %.4f, KL %.3e %.3e %.3e", label,
                e2[1], e4[1], e8[1], e2[2], e4[2], e8[2]);
        System.out.println(msg);
        // First order in the variance: ratio ~2 per halving of the step.
        double r1 = e2[1] / e4[1];
        double r2 = e4[1] / e8[1];
        assertTrue(r1 > 1.5 && r1 < 3.0 && r2 > 1.5 && r2 < 3.0, "variance error order: " + msg);
        // Second order in KL: ratio ~4 per halving (log2 ratio within [1.4, 2.6]).
        double o1 = Math.log(e2[2] / e4[2]) / Math.log(2);
        double o2 = Math.log(e4[2] / e8[2]) / Math.log(2);
        assertTrue(o1 > 1.4 && o1 < 2.6 && o2 > 1.4 && o2 < 2.6, "KL order " + o1 + ", " + o2 + ": " + msg);
    }
}
