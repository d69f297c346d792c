package io.piadm.metrics;

import io.piadm.model.DiagonalGaussian;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GaussianKlTest {
    @Test
    void coordinateKlClosedForm() {
        // KL(N(m1, s1^2) || N(m2, s2^2)) = ln(s2/s1) + (s1^2 + (m1-m2)^2) / (2 s2^2) - 1/2
        assertEquals(Math.log(0.5) + 2.5 - 0.5, GaussianKl.klCoordinate(1, 4, 0, 1), 1e-15);
        assertEquals(Math.log(3 / 0.5) + (0.25 + 4) / 18 - 0.5, GaussianKl.klCoordinate(-1, 0.25, 1, 9), 1e-15);
        assertEquals(0.0, GaussianKl.klCoordinate(0.3, 2, 0.3, 2), 0.0);
    }

    @Test
    void exactDrawsScoreTheDerivedMonteCarloFloor() {
        // 400 independent runs of N = 100 exact draws in d = 4: the mean KL must match E[KL] (the floor)
        // and the spread its predicted sd.
        int d = 4;
        int n = 100;
        int runs = 400;
        DiagonalGaussian g = new DiagonalGaussian(new double[] {1, -2, 0, 0.5}, new double[] {0.5, 2, 1, 0.1});
        double[][] mv = g.diagonalGaussianMoments(0);
        double[] x = new double[n * d];
        double s = 0;
        double s2 = 0;
        for (int r = 0; r < runs; r++) {
            g.sample(1000 + r, n, 0, x);
            double kl = GaussianKl.compute(x, n, d, mv[0], mv[1]).kl;
            s += kl;
            s2 += kl * kl;
        }
        double mean = s / runs;
        double sd = Math.sqrt((s2 - runs * mean * mean) / (runs - 1));
        double floor = GaussianKl.expectedFloor(n, d);
        double se = sd / Math.sqrt(runs);
        assertEquals(floor, mean, 4 * se, "mean KL " + mean + " vs floor " + floor);
        assertEquals(d / (double) n, floor, 0.02 * floor); // the headline approximation d/N
        assertEquals(GaussianKl.floorSd(n, d), sd, 0.15 * sd);
    }

    @Test
    void shiftedAndScaledGaussianMatchesClosedForm() {
        int d = 3;
        int n = 50;
        double[] m = {0, 1, -1};
        double[] v = {1, 4, 0.25};
        double[] m2 = {0.5, 0, -1};
        double[] s2 = {1.5, 1, 0.5};
        // Standardised draws (sample mean 0, unbiased variance 1 per column) mapped to N(m2, s2^2): the
        // estimator's fitted moments are then exactly (m2, s2^2).
        double[] z = new double[n * d];
        DiagonalGaussian.isotropic(d, 0, 1).sample(3, n, 0, z);
        for (int i = 0; i < d; i++) {
            double mu = 0;
            for (int r = 0; r < n; r++) {
                mu += z[r * d + i];
            }
            mu /= n;
            double ss = 0;
            for (int r = 0; r < n; r++) {
                ss += (z[r * d + i] - mu) * (z[r * d + i] - mu);
            }
            double sd = Math.sqrt(ss / (n - 1));
            for (int r = 0; r < n; r++) {
                z[r * d + i] = m2[i] + s2[i] * (z[r * d + i] - mu) / sd;
            }
        }
        double closed = 0;
        for (int i = 0; i < d; i++) {
            closed += Math.log(Math.sqrt(v[i]) / s2[i]) + (s2[i] * s2[i] + (m2[i] - m[i]) * (m2[i] - m[i])) / (2 * v[i]) - 0.5;
        }
        assertEquals(closed, GaussianKl.compute(z, n, d, m, v).kl, 1e-12);

        // Plain exact draws of the shifted/scaled law: closed form plus the Monte-Carlo floor.
        int big = 20000;
        double[] x = new double[big * d];
        new DiagonalGaussian(m2, s2).sample(4, big, 0, x);
        GaussianKl.Result res = GaussianKl.compute(x, big, d, m, v);
        assertTrue(closed > 0.5, "the shift must be visible");
        assertEquals(closed + res.floor, res.kl, 0.05);
    }

    @Test
    void rejectsTooFewSamples() {
        assertThrows(IllegalArgumentException.class,
                () -> GaussianKl.compute(new double[2], 1, 2, new double[2], new double[] {1, 1}));
    }
}
