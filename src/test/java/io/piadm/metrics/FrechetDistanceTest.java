package io.piadm.metrics;

import io.piadm.noise.CounterNoise;
import io.piadm.noise.NoiseStream;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** docs/ALGORITHMS.md section 13: the Frechet distance against closed forms. */
class FrechetDistanceTest {
    @Test
    void commutingCovariancesReduceToTheDiagonalFormula() {
        int d = 4;
        double[] m0 = {0, 1, -2, 0.5};
        double[] m1 = {1, 1, 0, 0};
        double[] v0 = {1, 4, 0.25, 2};
        double[] v1 = {9, 1, 0.25, 0.5};
        double[] s0 = new double[d * d];
        double[] s1 = new double[d * d];
        double want = 0;
        for (int i = 0; i < d; i++) {
            s0[i * d + i] = v0[i];
            s1[i * d + i] = v1[i];
            want += (m0[i] - m1[i]) * (m0[i] - m1[i]) + Math.pow(Math.sqrt(v0[i]) - Math.sqrt(v1[i]), 2);
        }
        assertEquals(want, FrechetDistance.between(m0, s0, m1, s1, d), 1e-12);
    }

    @Test
    void twoByTwoNonCommutingCaseMatchesTheTraceFormula() {
        // For 2 x 2 PSD M, tr sqrt(M) = sqrt(tr M + 2 sqrt(det M)); with M = S0^1/2 S1 S0^1/2,
        // tr M = tr(S0 S1) and det M = det S0 det S1.
        double[] s0 = {2.0, 0.7, 0.7, 1.0};
        double[] s1 = {0.5, -0.3, -0.3, 1.5};
        double trS0S1 = s0[0] * s1[0] + s0[1] * s1[2] + s0[2] * s1[1] + s0[3] * s1[3];
        double det0 = s0[0] * s0[3] - s0[1] * s0[2];
        double det1 = s1[0] * s1[3] - s1[1] * s1[2];
        double cross = Math.sqrt(trS0S1 + 2 * Math.sqrt(det0 * det1));
        double want = 1.0 + 4.0 + (s0[0] + s0[3] + s1[0] + s1[3]) - 2 * cross;
        assertEquals(want, FrechetDistance.between(new double[] {0, 0}, s0, new double[] {1, 2}, s1, 2), 1e-12);
    }

    @Test
    void samplesOfOneLawHaveASmallDistanceAndAShiftIsSeen() {
        int n = 4000;
        int d = 3;
        double[] a = new double[n * d];
        double[] b = new double[n * d];
        CounterNoise noise = new CounterNoise(9);
        for (int r = 0; r < n; r++) {
            noise.normals(NoiseStream.AUXILIARY, r, 0, 0, a, r * d, d);
            noise.normals(NoiseStream.AUXILIARY, r, 0, 1, b, r * d, d);
        }
        double same = FrechetDistance.squared(a, n, b, n, d);
        assertTrue(same < 0.01, "same law: " + same);
        for (int i = 0; i < b.length; i += d) {
            b[i] += 0.5;
        }
        assertEquals(0.25, FrechetDistance.squared(a, n, b, n, d), 0.03);
    }
}
