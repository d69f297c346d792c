package io.piadm.exact;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The oracles together, pathwise (docs/ALGORITHMS.md sections 8.3 and 8.6, invariant 7). An
 * exponential-integrator SDE path is written here from section 1 and driven by {@link BrownianBridgeNoise}.
 * It is compared with the exact pathwise solution
 * {@code Y(S) = alpha_b mu + K(S, 0)(y0 - alpha_a mu) + int_0^S K(S, r) dW_r}, which is driven by the
 * same path. For additive noise and a score frozen at each step's left end, the strong error is O(h), so
 * doubling the steps halves the rms pathwise error. This is the template the sampler's pathwise test
 * will follow, once it can take its noise from this source.
 */
class PathwiseOracleTest {

    @Test
    void exponentialIntegratorConvergesPathwiseAtOrderOne() {
        double mu = 0.7;
        double s2 = 0.25;
        double bigT = 2.0;
        double eta = 0.5;
        double horizon = bigT - eta;
        BrownianBridgeNoise bb = new BrownianBridgeNoise(31L, horizon, 12);
        int paths = 200;
        SplittableRandom rng = new SplittableRandom(4L);
        double[] y0 = new double[paths];
        double[] exact = new double[paths];
        double ta = bigT;
        double tb = eta;
        for (int p = 0; p < paths; p++) {
            y0[p] = rng.nextGaussian();
            double noise = bb.integral(p, 0, 0.0, horizon, r -> ExactGaussian.pathKernel(s2, tb, bigT - r));
            exact[p] = ExactGaussian.alpha(tb) * mu
                    + ExactGaussian.pathKernel(s2, tb, ta) * (y0[p] - ExactGaussian.alpha(ta) * mu) + noise;
        }
        double prev = Double.NaN;
        for (int n = 8; n <= 64; n *= 2) {
            double ms = 0;
            for (int p = 0; p < paths; p++) {
                double y = y0[p];
                for (int j = 0; j < n; j++) {
                    double sa = horizon * j / n;
                    double sb = horizon * (j + 1) / n;
                    double e = sb - sa;
                    double t = bigT - sa;
                    double g = -(y - Math.exp(-t / 2) * mu) / (Math.exp(-t) * s2 + 1 - Math.exp(-t));
                    y = Math.exp(e / 2) * y + 2 * Math.expm1(e / 2) * g + Math.sqrt(Math.expm1(e)) * bb.xi(p, 0, sa, sb);
                }
                ms += (y - exact[p]) * (y - exact[p]);
            }
            double rms = Math.sqrt(ms / paths);
            System.out.printf("pathwise EI error, n=%d steps: rms %.3e%n", n, rms);
            if (!Double.isNaN(prev)) {
                double ratio = prev / rms;
                assertTrue(ratio > 1.7 && ratio < 2.3, "strong error ratio " + ratio + " at n=" + n);
            }
            prev = rms;
        }
    }
}
