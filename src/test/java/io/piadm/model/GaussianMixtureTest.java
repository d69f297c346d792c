package io.piadm.model;

import io.piadm.metrics.SpecialFunctions;
import io.piadm.noise.CounterNoise;
import io.piadm.noise.NoiseStream;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GaussianMixtureTest {
    private static final double[] TIMES = {1e-3, 0.05, 0.5, 2.0, 10.0};

    /** A diagonal 3-component mixture in d = 3 with unequal stds per coordinate. */
    static GaussianMixture diagMixture() {
        double[] w = {0.2, 0.5, 0.3};
        double[][] mu = {{1.0, -0.5, 0.3}, {-1.2, 0.4, 0.0}, {0.2, 1.1, -0.9}};
        double[][] s = {{0.6, 0.9, 0.4}, {0.8, 0.5, 1.3}, {0.45, 0.7, 0.65}};
        return new GaussianMixture(w, mu, s);
    }

    static GaussianMixture isoMixture() {
        double[] w = {1.0, 2.0, 1.5, 0.5};
        double[][] mu = {{1.0, 0.0, 0.5, -0.5}, {-1.0, 0.5, 0.0, 0.0}, {0.0, -1.0, 1.0, 0.2}, {0.3, 0.3, -1.0, 1.0}};
        double[] s = {0.7, 0.5, 0.9, 0.6};
        return new GaussianMixture(w, mu, s);
    }

    /** A seeded 3-component isotropic mixture in dimension d with overlapping modes. */
    static GaussianMixture isoMixtureInDim(int d) {
        return GaussianMixture.seeded(d, 3, 5, 0.8, 1.0);
    }

    /** Points where responsibilities are mixed: scaled normals around the origin, between the modes. */
    private static double[] probePoints(int n, int d, long seed, double scale) {
        CounterNoise noise = new CounterNoise(seed);
        double[] x = new double[n * d];
        for (int r = 0; r < n; r++) {
            noise.normals(NoiseStream.AUXILIARY, r, 100, 0, x, r * d, d);
        }
        for (int i = 0; i < x.length; i++) {
            x[i] *= scale;
        }
        return x;
    }

    /** Exact score vs central differences of logDensity, at several times including t = 1e-3 and t = 10. */
    private static void checkScoreAgainstFiniteDifferences(ScoreModel model, AnalyticTarget target) {
        int d = target.dim();
        int n = 6;
        double h = 1e-5;
        for (double t : TIMES) {
            double[] x = probePoints(n, d, 7, 0.8);
            double[] ts = new double[n];
            java.util.Arrays.fill(ts, t);
            double[] g = new double[n * d];
            model.score(x, ts, n, g);
            for (int r = 0; r < n; r++) {
                for (int i = 0; i < d; i++) {
                    double[] xp = x.clone();
                    double[] xm = x.clone();
                    xp[r * d + i] += h;
                    xm[r * d + i] -= h;
                    double fd = (target.logDensity(xp, r * d, t) - target.logDensity(xm, r * d, t)) / (2 * h);
                    double exact = g[r * d + i];
                    assertEquals(fd, exact, 1e-6 * (1 + Math.abs(exact)),
                            "t=" + t + " row " + r + " coord " + i);
                }
            }
        }
    }

    @Test
    void gaussianIsotropicScoreIsGradientOfLogDensity() {
        DiagonalGaussian g = DiagonalGaussian.isotropic(3, 0.7, 0.4);
        checkScoreAgainstFiniteDifferences(g, g);
    }

    @Test
    void gaussianDiagonalScoreIsGradientOfLogDensity() {
        DiagonalGaussian g = new DiagonalGaussian(new double[] {1, -2, 0.5}, new double[] {0.3, 1.7, 0.9});
        checkScoreAgainstFiniteDifferences(g, g);
    }

    @Test
    void mixtureIsotropicScoreIsGradientOfLogDensity() {
        GaussianMixture m = isoMixture();
        checkScoreAgainstFiniteDifferences(m, m);
    }

    @Test
    void mixtureDiagonalScoreIsGradientOfLogDensity() {
        GaussianMixture m = diagMixture();
        checkScoreAgainstFiniteDifferences(m, m);
    }

    @Test
    void seededMixtureScoreIsGradientOfLogDensity() {
        GaussianMixture m = GaussianMixture.seeded(5, 6, 11, 0.5, 1.5);
        checkScoreAgainstFiniteDifferences(m, m);
    }

    @Test
    void responsibilitiesAreMixedAtTheProbePoints() {
        // Guards the finite-difference tests above: they must exercise the mixing, not a single component.
        GaussianMixture m = isoMixture();
        double[] x = probePoints(6, 4, 7, 0.8);
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int r = 0; r < 6; r++) {
            seen.add(m.assign(x, r * 4, 0.05));
        }
        assertTrue(seen.size() >= 2, "probe points all fall in one component: " + seen);
    }

    @Test
    void logDensityIsNormalisedIn1d() {
        // Trapezoid integral of p_t over a wide grid must be 1: checks constants, weights and log-sum-exp.
        GaussianMixture m = new GaussianMixture(new double[] {0.3, 0.7}, new double[][] {{-2}, {1.5}},
                new double[] {0.4, 0.9});
        for (double t : new double[] {0.0, 1e-3, 0.5, 5}) {
            double s = 0;
            double dx = 1e-3;
            double[] x = new double[1];
            for (int i = -15000; i <= 15000; i++) {
                x[0] = i * dx;
                s += StrictMath.exp(m.logDensity(x, 0, t)) * dx;
            }
            assertEquals(1.0, s, 1e-9, "t=" + t);
        }
    }

    @Test
    void oneComponentMixtureEqualsDiagonalGaussianBitwise() {
        double[] mu = {0.5, -1, 2};
        double[] sd = {0.3, 1.2, 0.8};
        GaussianMixture m = new GaussianMixture(new double[] {3.0}, new double[][] {mu}, new double[][] {sd});
        DiagonalGaussian g = new DiagonalGaussian(mu, sd);
        int n = 5;
        double[] x = probePoints(n, 3, 3, 2.0);
        double[] t = {1e-3, 0.1, 1, 3, 12};
        double[] a = new double[n * 3];
        double[] b = new double[n * 3];
        m.score(x, t, n, a);
        g.score(x, t, n, b);
        assertArrayEquals(b, a, 0.0);
        double[][] mg = g.diagonalGaussianMoments(0.4);
        double[][] mm = m.diagonalGaussianMoments(0.4);
        assertArrayEquals(mg[0], mm[0], 1e-15);
        assertArrayEquals(mg[1], mm[1], 1e-15);
        assertNull(isoMixture().diagonalGaussianMoments(0.4));
    }

    @Test
    void diagonalLogDeterminantMatchesSumOfLogs() {
        // The product form of log det (moderate stds) and the per-coordinate logs (extreme stds) both agree
        // with DiagonalGaussian's sum of logs.
        int d = 300;
        CounterNoise noise = new CounterNoise(4);
        double[] u = noise.uniforms(NoiseStream.AUXILIARY, 0, 101, 0, d);
        double[] mu = noise.normals(NoiseStream.AUXILIARY, 0, 101, 1, d);
        double[] moderate = new double[d];
        double[] extreme = new double[d];
        for (int i = 0; i < d; i++) {
            moderate[i] = 0.05 + 3 * u[i];
            extreme[i] = i == 0 ? 1e-120 : moderate[i];
        }
        double[] x = probePoints(1, d, 8, 1.0);
        for (double[] sd : new double[][] {moderate, extreme}) {
            GaussianMixture m = new GaussianMixture(new double[] {1}, new double[][] {mu}, new double[][] {sd});
            DiagonalGaussian g = new DiagonalGaussian(mu, sd);
            for (double t : TIMES) {
                double lg = g.logDensity(x, 0, t);
                assertEquals(lg, m.logDensity(x, 0, t), 1e-12 * Math.abs(lg), "t=" + t);
            }
        }
    }

    @Test
    void scoresAreBatchInvariantBitwise() {
        for (GaussianMixture m : new GaussianMixture[] {isoMixture(), diagMixture(),
                GaussianMixture.seeded(64, 5, 2, 0.5, 4)}) {
            int d = m.dim();
            int n = 37;
            double[] x = probePoints(n, d, 5, 1.5);
            double[] t = new double[n];
            for (int r = 0; r < n; r++) {
                t[r] = TIMES[(r / 3) % TIMES.length]; // runs of equal times exercise the per-time cache
            }
            double[] batch = new double[n * d];
            m.score(x, t, n, batch);
            double[] split = new double[n * d];
            m.score(x, t, 0, 11, split);
            m.score(x, t, 11, 26, split);
            assertArrayEquals(batch, split, 0.0);
            for (int r = 0; r < n; r++) {
                double[] xr = new double[d];
                System.arraycopy(x, r * d, xr, 0, d);
                double[] one = new double[d];
                m.score(xr, new double[] {t[r]}, 1, one);
                for (int i = 0; i < d; i++) {
                    assertEquals(Double.doubleToLongBits(batch[r * d + i]), Double.doubleToLongBits(one[i]),
                            "row " + r + " coord " + i);
                }
            }
            // out may alias x
            double[] alias = x.clone();
            m.score(alias, t, n, alias);
            assertArrayEquals(batch, alias, 0.0);
        }
    }

    @Test
    void highDimensionFarFromEveryModeIsFastFiniteAndExact() {
        int d = 4096;
        int k = 16;
        GaussianMixture m = GaussianMixture.seeded(d, k, 1, 0.5, 4);
        int n = 64;
        double[] noise = probePoints(n, d, 9, 1.0);
        double[] scale = {1e3, 1e6, 1e200};
        double[] x = new double[n * d];
        double[] t = new double[n];
        for (int r = 0; r < n; r++) {
            t[r] = r % 2 == 0 ? 1e-3 : 5.0;
            if (r < n / 2) {
                // Far out along the direction of mode r % k: logit gaps ~ scale * alpha * |mu|^2, so the
                // exact responsibility is one-hot on that mode (even at t = 5 where alpha = 0.08).
                double[] mu = m.mean(r % k);
                for (int i = 0; i < d; i++) {
                    x[r * d + i] = scale[r % 3] * mu[i] + noise[r * d + i];
                }
            } else {
                // Far out in a random direction: responsibilities may be mixed; scores must stay finite.
                for (int i = 0; i < d; i++) {
                    x[r * d + i] = scale[r % 3] * noise[r * d + i];
                }
            }
        }
        double[] out = new double[n * d];
        m.score(x, t, n, out); // warm-up
        long t0 = System.nanoTime();
        m.score(x, t, n, out);
        double seconds = (System.nanoTime() - t0) * 1e-9;
        assertTrue(seconds < 2.0, "64 rows at d=4096, k=16 took " + seconds + " s");
        for (int r = 0; r < n; r++) {
            double a = StrictMath.exp(-0.5 * t[r]);
            double v = a * a * 0.25 - StrictMath.expm1(-t[r]);
            for (int i = 0; i < d; i++) {
                assertTrue(Double.isFinite(out[r * d + i]), "row " + r + " coord " + i + " = " + out[r * d + i]);
            }
            if (r < n / 2) {
                int c = r % k;
                assertEquals(c, m.assign(x, r * d, t[r]));
                double[] mu = m.mean(c);
                for (int i = 0; i < d; i++) {
                    double expected = -(x[r * d + i] - a * mu[i]) / v;
                    assertEquals(expected, out[r * d + i], 1e-12 * Math.abs(expected));
                }
            }
            if (scale[r % 3] < 1e100) {
                assertTrue(Double.isFinite(m.logDensity(x, r * d, t[r])));
            }
        }
    }

    @Test
    void samplingMatchesWeightsAndComponentLaws() {
        // Radius 40 with std 0.5: no sample can be assigned to the wrong component.
        GaussianMixture m = GaussianMixture.seeded(2, 8, 3, 0.5, 40);
        int n = 40000;
        double t = 0.02;
        double[] x = new double[n * 2];
        m.sample(17, n, t, x);
        long[] counts = new long[8];
        double[][] sum = new double[8][2];
        double[][] sum2 = new double[8][2];
        for (int r = 0; r < n; r++) {
            int c = m.assign(x, 2 * r, t);
            counts[c]++;
            for (int i = 0; i < 2; i++) {
                sum[c][i] += x[2 * r + i];
                sum2[c][i] += x[2 * r + i] * x[2 * r + i];
            }
        }
        double[] w = m.weights();
        double chi2 = 0;
        for (int c = 0; c < 8; c++) {
            double e = n * w[c];
            chi2 += (counts[c] - e) * (counts[c] - e) / e;
        }
        double p = SpecialFunctions.chiSquareSurvival(chi2, 7);
        assertTrue(p > 1e-3, "chi2=" + chi2 + " p=" + p);
        double a = StrictMath.exp(-0.5 * t);
        double v = a * a * 0.25 - StrictMath.expm1(-t);
        for (int c = 0; c < 8; c++) {
            double[] mu = m.mean(c);
            for (int i = 0; i < 2; i++) {
                double mean = sum[c][i] / counts[c];
                double var = sum2[c][i] / counts[c] - mean * mean;
                assertEquals(a * mu[i], mean, 5 * Math.sqrt(v / counts[c]));
                assertEquals(v, var, 5 * v * Math.sqrt(2.0 / counts[c]));
            }
        }
        // the weights really are unequal, so the test above can tell
        double min = 1;
        double max = 0;
        for (double wc : w) {
            min = Math.min(min, wc);
            max = Math.max(max, wc);
        }
        assertTrue(max / min > 1.2, "weights too equal: " + java.util.Arrays.toString(w));
    }

    @Test
    void samplesArePureFunctionsOfSeedAndRow() {
        GaussianMixture m = diagMixture();
        double[] a = new double[10 * 3];
        double[] b = new double[100 * 3];
        m.sample(5, 10, 0.3, a);
        m.sample(5, 100, 0.3, b);
        for (int i = 0; i < a.length; i++) {
            assertEquals(Double.doubleToLongBits(a[i]), Double.doubleToLongBits(b[i]));
        }
        double[] c = new double[10 * 3];
        m.sample(6, 10, 0.3, c);
        assertTrue(a[0] != c[0]);
    }

    @Test
    void seededMixtureLayout() {
        GaussianMixture m = GaussianMixture.seeded(2, 8, 0, 0.5, 4);
        for (int c = 0; c < 8; c++) {
            double[] mu = m.mean(c);
            assertEquals(4.0 * Math.cos(2 * Math.PI * c / 8), mu[0], 1e-12);
            assertEquals(4.0 * Math.sin(2 * Math.PI * c / 8), mu[1], 1e-12);
        }
        GaussianMixture h = GaussianMixture.seeded(100, 5, 9, 0.5, 3);
        for (int c = 0; c < 5; c++) {
            double[] mu = h.mean(c);
            double n2 = 0;
            for (double v : mu) {
                n2 += v * v;
            }
            assertEquals(3.0, Math.sqrt(n2), 1e-12);
        }
        GaussianMixture one = GaussianMixture.seeded(1, 3, 0, 0.5, 2);
        assertEquals(-2.0, one.mean(0)[0], 0.0);
        assertEquals(0.0, one.mean(1)[0], 0.0);
        assertEquals(2.0, one.mean(2)[0], 0.0);
        assertEquals("gmm:d=2,k=8,seed=0,std=0.5,radius=4.0", m.id());
        // the same arguments give the same mixture; another seed other weights
        assertArrayEquals(m.weights(), GaussianMixture.seeded(2, 8, 0, 0.5, 4).weights(), 0.0);
        assertTrue(m.weights()[0] != GaussianMixture.seeded(2, 8, 1, 0.5, 4).weights()[0]);
    }

    @Test
    void describeRebuildsTheTarget() {
        for (GaussianMixture m : new GaussianMixture[] {GaussianMixture.seeded(3, 4, 2, 0.5, 4), diagMixture()}) {
            Map<String, Object> desc = m.describe();
            assertEquals("gmm", desc.get("type"));
            assertEquals(m.dim(), desc.get("dim"));
            double[] w = (double[]) desc.get("weights");
            double[][] mu = (double[][]) desc.get("means");
            Object sd = desc.get("stds");
            GaussianMixture r = sd instanceof double[][]
                    ? new GaussianMixture(w, mu, (double[][]) sd)
                    : new GaussianMixture(w, mu, (double[]) sd);
            double[] x = probePoints(4, m.dim(), 1, 1.0);
            double[] t = {0.01, 0.1, 1, 4};
            double[] a = new double[x.length];
            double[] b = new double[x.length];
            m.score(x, t, 4, a);
            r.score(x, t, 4, b);
            for (int i = 0; i < a.length; i++) {
                assertEquals(a[i], b[i], 1e-13 * (1 + Math.abs(a[i])));
            }
            assertEquals(m.logDensity(x, 0, 0.1), r.logDensity(x, 0, 0.1), 1e-12);
        }
    }

    @Test
    void javaSerializationRoundTrip() throws Exception {
        GaussianMixture m = diagMixture();
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (ObjectOutputStream oos = new ObjectOutputStream(bos)) {
            oos.writeObject(m);
        }
        GaussianMixture back;
        try (ObjectInputStream ois = new ObjectInputStream(new ByteArrayInputStream(bos.toByteArray()))) {
            back = (GaussianMixture) ois.readObject();
        }
        assertEquals(m.id(), back.id());
        double[] x = probePoints(3, 3, 2, 1.0);
        double[] t = {0.1, 0.2, 0.3};
        double[] a = new double[9];
        double[] b = new double[9];
        m.score(x, t, 3, a);
        back.build().score(x, t, 3, b);
        assertArrayEquals(a, b, 0.0);
    }

    @org.junit.jupiter.api.Test
    void secondMomentMatchesExactDraws() {
        GaussianMixture g = GaussianMixture.seeded(3, 5, 2, 0.7, 3.0);
        int n = 40_000;
        double[] x = new double[n * 3];
        g.sample(4, n, 0.0, x);
        double m2 = 0;
        for (double v : x) {
            m2 += v * v;
        }
        m2 /= n;
        org.junit.jupiter.api.Assertions.assertEquals(g.secondMoment(), m2, 0.03 * g.secondMoment());
        DiagonalGaussian dg = new DiagonalGaussian(new double[] {1, -2}, new double[] {0.5, 2});
        org.junit.jupiter.api.Assertions.assertEquals(1 + 4 + 0.25 + 4, dg.secondMoment(), 1e-12);
    }
}
