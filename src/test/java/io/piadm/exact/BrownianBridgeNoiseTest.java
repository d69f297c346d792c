package io.piadm.exact;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link BrownianBridgeNoise} (docs/ALGORITHMS.md section 8.6): Brownian covariance, time keying, N(0, 1)
 * step noise, independence over disjoint steps, and the refinement error against its closed-form size.
 */
class BrownianBridgeNoiseTest {

    @Test
    void pathHasBrownianCovariance() {
        BrownianBridgeNoise bb = new BrownianBridgeNoise(11L, 4.0, 12);
        int n = 20_000;
        double[] s = {0.3, 1.1, 2.0, 3.77};
        double[][] w = new double[s.length][n];
        for (int p = 0; p < n; p++) {
            for (int k = 0; k < s.length; k++) {
                w[k][p] = bb.w(p, 0, s[k]);
            }
        }
        for (int a = 0; a < s.length; a++) {
            for (int b = a; b < s.length; b++) {
                double cov = 0;
                for (int p = 0; p < n; p++) {
                    cov += w[a][p] * w[b][p];
                }
                cov /= n;
                double want = Math.min(s[a], s[b]);
                // sd of the mean of W_a W_b: sqrt(s_a s_b + min^2) / sqrt(n)
                double se = Math.sqrt(s[a] * s[b] + want * want) / Math.sqrt(n);
                assertEquals(want, cov, 4.5 * se, "Cov(W(" + s[a] + "), W(" + s[b] + "))");
            }
        }
    }

    @Test
    void valuesAreKeyedByTimeNotByQueryOrderOrLevel() {
        BrownianBridgeNoise coarse = new BrownianBridgeNoise(5L, 3.0, 8);
        BrownianBridgeNoise fine = new BrownianBridgeNoise(5L, 3.0, 14);
        for (long k = 0; k <= 256; k += 7) {
            // the level-8 point k is the level-14 point k 2^6: the same bits
            assertEquals(coarse.wAtGrid(42, 3, k), fine.wAtGrid(42, 3, k << 6), 0.0);
        }
        double a1 = fine.xi(1, 0, 0.2, 0.45);
        double b1 = fine.xi(1, 0, 2.0, 2.9);
        double b2 = fine.xi(1, 0, 2.0, 2.9);
        double a2 = new BrownianBridgeNoise(5L, 3.0, 14).xi(1, 0, 0.2, 0.45);
        assertEquals(a1, a2, 0.0);
        assertEquals(b1, b2, 0.0);
        assertNotEquals(a1, fine.xi(2, 0, 0.2, 0.45));
        assertNotEquals(a1, fine.xi(1, 1, 0.2, 0.45));
        assertNotEquals(a1, new BrownianBridgeNoise(6L, 3.0, 14).xi(1, 0, 0.2, 0.45));
    }

    /**
     * 2 000 steps of a non-dyadic, geometric grid over [0, S] on 10 paths: the 20 000 xi values are
     * N(0, 1) (KS at the 0.1% level, mean and variance within 4.5 standard errors).
     */
    @Test
    void stepNoiseIsStandardNormal() {
        double horizon = 6.0;
        // Level 18: the variance deficit of W^L, about delta / (3 Delta) per step (section 8.6), averages
        // 0.35% on this grid, against a standard error of 1%. (At level 16 with steps 4x smaller it was 3%.)
        BrownianBridgeNoise bb = new BrownianBridgeNoise(2024L, horizon, 18);
        int steps = 2000;
        double[] grid = new double[steps + 1];
        double ratio = 1.001;
        double first = horizon * (ratio - 1) / (Math.pow(ratio, steps) - 1);
        for (int j = 1; j <= steps; j++) {
            grid[j] = grid[j - 1] + first * Math.pow(ratio, j - 1);
        }
        grid[steps] = horizon;
        int paths = 10;
        double[] xi = new double[steps * paths];
        for (int p = 0; p < paths; p++) {
            for (int j = 0; j < steps; j++) {
                xi[p * steps + j] = bb.xi(p, 0, grid[j], grid[j + 1]);
            }
        }
        int n = xi.length;
        double ks = Stats.ksAgainstNormal(xi);
        double zMean = Stats.mean(xi) * Math.sqrt(n);
        double zVar = (Stats.var(xi) - 1) / Math.sqrt(2.0 / (n - 1));
        System.out.printf("Brownian-bridge xi: KS %.4f (critical %.4f), z mean %.2f, z var %.2f%n",
                ks, Stats.ksCritical001(n), zMean, zVar);
        assertTrue(ks < Stats.ksCritical001(n), "KS statistic " + ks);
        assertTrue(Math.abs(zMean) < 4.5, "mean z " + zMean);
        assertTrue(Math.abs(zVar) < 4.5, "variance z " + zVar);
    }

    /** Adjacent and separated steps, with the shared end on and off the level grid: uncorrelated. */
    @Test
    void disjointStepsAreUncorrelated() {
        BrownianBridgeNoise bb = new BrownianBridgeNoise(77L, 2.0, 10);
        int n = 20_000;
        double onGrid = 0.5; // a level-10 point of [0, 2]
        double offGrid = 0.5 + 0.37 * bb.spacing();
        double[][] pairs = {{0.3, onGrid, onGrid, 0.8}, {0.3, offGrid, offGrid, 0.8}, {0.1, 0.4, 1.2, 1.9}};
        for (double[] q : pairs) {
            double[] x = new double[n];
            double[] y = new double[n];
            for (int p = 0; p < n; p++) {
                x[p] = bb.xi(p, 0, q[0], q[1]);
                y[p] = bb.xi(p, 0, q[2], q[3]);
            }
            double r = Stats.corr(x, y);
            assertTrue(Math.abs(r) < 4.5 / Math.sqrt(n), "correlation " + r + " for steps " + q[0] + ".." + q[3]);
        }
    }

    /**
     * Refining from level L to a reference level R changes xi by a mean square that section 8.6 predicts
     * exactly, because the projections are nested: {@code Var(I_R - I_L) = Var(I - I_L) - Var(I - I_R)}.
     * - Ends off the grid, at random positions: {@code (1 + e^D)(delta_L - delta_R) / (6 (e^D - 1))},
     *   so the rms falls like 2^{-L/2}.
     * - Ends on the grid: {@code (delta_L^2 - delta_R^2) / 48}, so the rms falls like 2^{-L}.
     */
    @Test
    void refinementChangesXiByThePredictedAmount() {
        double horizon = 4.0;
        int ref = 17;
        BrownianBridgeNoise fine = new BrownianBridgeNoise(3L, horizon, ref);
        SplittableRandom rng = new SplittableRandom(8L);
        int n = 2000;
        double dStep = 0.05;
        double[] sa = new double[n];
        for (int p = 0; p < n; p++) {
            sa[p] = rng.nextDouble() * (horizon - 2 * dStep);
        }
        double[] xiRef = new double[n];
        for (int p = 0; p < n; p++) {
            xiRef[p] = fine.xi(p, 0, sa[p], sa[p] + dStep);
        }
        double prevOff = Double.NaN;
        for (int level = 8; level <= 14; level += 2) {
            BrownianBridgeNoise bb = new BrownianBridgeNoise(3L, horizon, level);
            double ms = 0;
            for (int p = 0; p < n; p++) {
                double dx = bb.xi(p, 0, sa[p], sa[p] + dStep) - xiRef[p];
                ms += dx * dx;
            }
            ms /= n;
            double em1 = Math.expm1(dStep);
            double want = (2 + em1) * (bb.spacing() - fine.spacing()) / (6 * em1);
            System.out.printf("refinement off-grid L=%d: rms %.3e, predicted %.3e%n", level, Math.sqrt(ms), Math.sqrt(want));
            assertEquals(1.0, Math.sqrt(ms / want), 0.1, "rms / predicted at level " + level);
            if (!Double.isNaN(prevOff)) {
                double r = prevOff / Math.sqrt(ms);
                assertTrue(r > 1.7 && r < 2.3, "rms ratio per 2 levels " + r);
            }
            prevOff = Math.sqrt(ms);
        }
        // Ends on the level-L grid: the step [k, k + m] delta_L for a random k.
        double prevOn = Double.NaN;
        for (int level = 8; level <= 12; level += 2) {
            BrownianBridgeNoise bb = new BrownianBridgeNoise(3L, horizon, level);
            double dl = bb.spacing();
            int m = (int) Math.round(dStep / dl) + 1;
            double ms = 0;
            for (int p = 0; p < n; p++) {
                long k = rng.nextLong((1L << level) - m);
                double a = k * dl;
                double b = (k + m) * dl;
                double dx = bb.xi(p, 0, a, b) - fine.xi(p, 0, a, b);
                ms += dx * dx;
            }
            ms /= n;
            double want = (dl * dl - fine.spacing() * fine.spacing()) / 48;
            System.out.printf("refinement on-grid L=%d: rms %.3e, predicted %.3e%n", level, Math.sqrt(ms), Math.sqrt(want));
            assertEquals(1.0, Math.sqrt(ms / want), 0.1, "rms / predicted at level " + level);
            if (!Double.isNaN(prevOn)) {
                double r = prevOn / Math.sqrt(ms);
                assertTrue(r > 3.4 && r < 4.6, "rms ratio per 2 levels " + r);
            }
            prevOn = Math.sqrt(ms);
        }
    }

    @Test
    void kernelIntegralAgreesWithTheClosedFormCellIntegral() {
        BrownianBridgeNoise bb = new BrownianBridgeNoise(9L, 2.0, 10);
        double sa = 0.123;
        double sb = 0.987;
        for (int p = 0; p < 20; p++) {
            double exact = bb.eiIntegral(p, 0, sa, sb);
            double quad = bb.integral(p, 0, sa, sb, r -> Math.exp(0.5 * (sb - r)));
            assertEquals(exact, quad, 1e-13 * (1 + Math.abs(exact)));
        }
        // a constant kernel integrates to the increment of W^L
        assertEquals(bb.w(4, 2, sb) - bb.w(4, 2, sa), bb.integral(4, 2, sa, sb, r -> 1.0), 1e-13);
    }

    @Test
    void badArgumentsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new BrownianBridgeNoise(0L, 0.0, 4));
        assertThrows(IllegalArgumentException.class, () -> new BrownianBridgeNoise(0L, 1.0, -1));
        assertThrows(IllegalArgumentException.class, () -> new BrownianBridgeNoise(0L, 1.0, 41));
        BrownianBridgeNoise bb = new BrownianBridgeNoise(0L, 1.0, 4);
        assertThrows(IllegalArgumentException.class, () -> bb.xi(0, 0, 0.5, 0.5));
        assertThrows(IllegalArgumentException.class, () -> bb.xi(0, 0, 0.5, 1.5));
        assertThrows(IllegalArgumentException.class, () -> bb.w(0, 0, -0.1));
    }
}
