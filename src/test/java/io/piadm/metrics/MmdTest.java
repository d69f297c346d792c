package io.piadm.metrics;

import io.piadm.model.DiagonalGaussian;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MmdTest {
    private static double[] gaussian(int n, int d, double shift0, long seed) {
        double[] x = new double[n * d];
        DiagonalGaussian.isotropic(d, 0, 1).sample(seed, n, 0, x);
        for (int r = 0; r < n; r++) {
            x[r * d] += shift0;
        }
        return x;
    }

    @Test
    void matchesClosedFormForShiftedGaussians() {
        // X ~ N(0, I), Y ~ N(delta e, I), kernel exp(-|x-y|^2/(2h^2)):
        // MMD^2 = 2 (h^2/(h^2+2))^{d/2} (1 - exp(-delta^2 / (2 (h^2+2)))).
        int d = 2;
        double h = 1;
        double delta = 1;
        double exact = 2 * Math.pow(h * h / (h * h + 2), d / 2.0) * (1 - Math.exp(-delta * delta / (2 * (h * h + 2))));
        Mmd.Result r = Mmd.mmd2(gaussian(2000, d, 0, 1), 2000, gaussian(2000, d, delta, 2), 2000, d, h, 2000);
        assertEquals(exact, r.mmd2, 0.1 * exact);
    }

    @Test
    void nearZeroForSameLawAndClearlyPositiveOtherwise() {
        int d = 3;
        double[] x = gaussian(1500, d, 0, 1);
        double[] y = gaussian(1500, d, 0, 2);
        double[] z = gaussian(1500, d, 0.5, 3);
        Mmd.Result same = Mmd.mmd2(x, 1500, y, 1500, d);
        Mmd.Result diff = Mmd.mmd2(x, 1500, z, 1500, d);
        assertEquals(1000, same.pointsX);
        assertTrue(Math.abs(same.mmd2) < 2e-3, "same law: " + same.mmd2);
        assertTrue(diff.mmd2 > 10 * Math.abs(same.mmd2) && diff.mmd2 > 0.01, "different laws: " + diff.mmd2);
        // median heuristic on N(0, I) pooled: median of 2 chi2_3 is about 2 * 2.366
        assertEquals(Math.sqrt(2 * 2.366), same.bandwidth, 0.15);
    }

    @Test
    void subsamplesDeterministicallyAboveTheCap() {
        int d = 2;
        double[] x = gaussian(5000, d, 0, 1);
        double[] y = gaussian(300, d, 0, 2);
        Mmd.Result a = Mmd.mmd2(x, 5000, y, 300, d, 1.0, 1000);
        Mmd.Result b = Mmd.mmd2(x, 5000, y, 300, d, 1.0, 1000);
        assertEquals(1000, a.pointsX);
        assertEquals(300, a.pointsY);
        assertEquals(a.mmd2, b.mmd2, 0.0);
        assertEquals(1000, Mmd.defaultMaxPoints(2));
        assertEquals(316, Mmd.defaultMaxPoints(1000));
        assertEquals(200, Mmd.defaultMaxPoints(4096));
    }
}
