package io.piadm.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

class CounterNoiseTest {

    @Test
    void philoxMatchesRandom123KnownAnswers() {
        // Known-answer vectors of philox4x32-10 from the Random123 distribution (kat_vectors).
        int[] out = new int[4];
        CounterNoise.philox(0, 0, 0, 0, 0, 0, out);
        assertArrayEquals(new int[] {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}, out);
        CounterNoise.philox(-1, -1, -1, -1, -1, -1, out);
        assertArrayEquals(new int[] {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}, out);
        CounterNoise.philox(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, out);
        assertArrayEquals(new int[] {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}, out);
    }

    @Test
    void drawsArePureFunctionsOfTheirKey() {
        CounterNoise a = new CounterNoise(42);
        CounterNoise b = new CounterNoise(42);
        double[] x = a.normals(NoiseStream.STEP, 17, 3, 5, 9);
        double[] y = b.normals(NoiseStream.STEP, 17, 3, 5, 9);
        assertArrayEquals(x, y, 0.0);
        // A prefix of a longer draw equals the shorter draw (odd and even lengths).
        double[] longer = a.normals(NoiseStream.STEP, 17, 3, 5, 20);
        assertArrayEquals(x, Arrays.copyOf(longer, 9), 0.0);
        // Any change of key changes the draw.
        assertFalse(Arrays.equals(x, a.normals(NoiseStream.STEP, 18, 3, 5, 9)));
        assertFalse(Arrays.equals(x, a.normals(NoiseStream.STEP, 17, 4, 5, 9)));
        assertFalse(Arrays.equals(x, a.normals(NoiseStream.STEP, 17, 3, 6, 9)));
        assertFalse(Arrays.equals(x, a.normals(NoiseStream.INITIAL, 17, 3, 5, 9)));
        assertFalse(Arrays.equals(x, new CounterNoise(43).normals(NoiseStream.STEP, 17, 3, 5, 9)));
    }

    @Test
    void normalsHaveStandardMomentsAndNoCorrelationAcrossKeys() {
        CounterNoise noise = new CounterNoise(7);
        int n = 200_000;
        double s1 = 0, s2 = 0, s4 = 0, cross = 0;
        double[] prev = null;
        int tail = 0;
        for (int k = 0; k < n / 8; k++) {
            double[] z = noise.normals(NoiseStream.STEP, k, 0, 0, 8);
            for (double v : z) {
                s1 += v;
                s2 += v * v;
                s4 += v * v * v * v;
                if (Math.abs(v) > 3) {
                    tail++;
                }
            }
            if (prev != null) {
                cross += prev[0] * z[0];
            }
            prev = z;
        }
        double mean = s1 / n;
        double var = s2 / n;
        double kurt = s4 / n;
        assertEquals(0.0, mean, 5 * Math.sqrt(1.0 / n));
        assertEquals(1.0, var, 5 * Math.sqrt(2.0 / n));
        assertEquals(3.0, kurt, 5 * Math.sqrt(96.0 / n));
        assertEquals(0.0, cross / (n / 8.0), 5 * Math.sqrt(8.0 / n));
        // P(|Z| > 3) = 0.0026998
        assertEquals(0.0026998 * n, tail, 5 * Math.sqrt(0.0027 * n));
    }

    @Test
    void normalsPassKolmogorovSmirnovAgainstThePhiCdf() {
        // The ziggurat's layers, wedges and tail must add up to the exact normal law.
        int n = 100_000;
        double[] z = new double[n];
        CounterNoise noise = new CounterNoise(123);
        for (int k = 0; k < n / 10; k++) {
            noise.normals(NoiseStream.CORRECTOR_STEP, k, 2, 1, z, 10 * k, 10);
        }
        Arrays.sort(z);
        org.apache.commons.math3.distribution.NormalDistribution phi =
                new org.apache.commons.math3.distribution.NormalDistribution(null, 0, 1);
        double dmax = 0;
        for (int i = 0; i < n; i++) {
            double f = phi.cumulativeProbability(z[i]);
            dmax = Math.max(dmax, Math.max(f - (double) i / n, (double) (i + 1) / n - f));
        }
        // KS critical value at alpha = 0.001: 1.95 / sqrt(n).
        assertTrue(dmax < 1.95 / Math.sqrt(n), "KS distance " + dmax);
        // The tail beyond the ziggurat's R = 3.4426 is populated at the right rate: P(|Z| > R) = 5.76e-4.
        int beyond = 0;
        for (double v : z) {
            if (Math.abs(v) > 3.442619855899) {
                beyond++;
            }
        }
        assertEquals(5.76e-4 * n, beyond, 5 * Math.sqrt(5.76e-4 * n));
    }

    @Test
    void uniformsAreOpenIntervalAndUniform() {
        int n = 50_000;
        double[] u = new double[n];
        CounterNoise noise = new CounterNoise(9);
        for (int k = 0; k < n / 5; k++) {
            noise.uniforms(NoiseStream.AUXILIARY, k, 1, 0, u, 5 * k, 5);
        }
        Arrays.sort(u);
        assertTrue(u[0] > 0 && u[n - 1] < 1);
        double dmax = 0;
        for (int i = 0; i < n; i++) {
            dmax = Math.max(dmax, Math.max(u[i] - (double) i / n, (double) (i + 1) / n - u[i]));
        }
        assertTrue(dmax < 1.95 / Math.sqrt(n), "KS distance " + dmax);
        assertArrayEquals(noise.uniforms(NoiseStream.AUXILIARY, 3, 1, 0, 3),
                Arrays.copyOf(noise.uniforms(NoiseStream.AUXILIARY, 3, 1, 0, 8), 3), 0.0);
    }

    @Test
    void rejectsKeysOutsideTheCounterSpace() {
        CounterNoise noise = new CounterNoise(1);
        double[] out = new double[2];
        assertTrue(assertThrowsMessage(() -> noise.normals(NoiseStream.STEP, -1, 0, 0, out, 0, 2)).contains("sample"));
        assertTrue(assertThrowsMessage(() -> noise.normals(NoiseStream.STEP, 0, 1 << 24, 0, out, 0, 2)).contains("block"));
    }

    private static String assertThrowsMessage(Runnable r) {
        try {
            r.run();
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        throw new AssertionError("expected IllegalArgumentException");
    }
}
