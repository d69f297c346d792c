package io.piadm.metrics;

import io.piadm.model.GaussianMixture;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModeOccupancyTest {
    @Test
    void knownCounts() {
        ModeOccupancy.Result r = ModeOccupancy.fromLabels(new int[] {0, 0, 1, 1, 1, 2},
                new double[] {1.0 / 3, 1.0 / 3, 1.0 / 3});
        assertArrayEquals(new long[] {2, 3, 1}, r.counts);
        assertEquals(1.0, r.chiSquare, 1e-14);
        assertEquals(2, r.degreesOfFreedom);
        assertEquals(Math.exp(-0.5), r.pValue, 1e-14);
        assertEquals(1.0 / 6, r.totalVariation, 1e-15);
    }

    @Test
    void exactDrawsPassAndAWrongWeightVectorIsDetected() {
        GaussianMixture m = GaussianMixture.seeded(2, 8, 0, 0.5, 4);
        int n = 20000;
        double t = 0.01;
        double[] x = new double[n * 2];
        m.sample(3, n, t, x);
        ModeOccupancy.Result ok = ModeOccupancy.compute(m, t, x, n);
        assertTrue(ok.pValue > 1e-3, "exact draws rejected: p=" + ok.pValue);
        assertTrue(ok.totalVariation < 0.02, "tv=" + ok.totalVariation);

        double[][] mu = new double[8][];
        for (int c = 0; c < 8; c++) {
            mu[c] = m.mean(c);
        }
        double[] stds = {0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5};
        GaussianMixture uniform = new GaussianMixture(new double[] {1, 1, 1, 1, 1, 1, 1, 1}, mu, stds);
        ModeOccupancy.Result bad = ModeOccupancy.compute(uniform, t, x, n);
        assertTrue(bad.pValue < 1e-6, "wrong weights not detected: p=" + bad.pValue);
        assertTrue(bad.totalVariation > 0.03, "tv=" + bad.totalVariation);
    }
}
