package io.piadm.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.piadm.model.FullGaussian;
import io.piadm.model.ModelSpecs;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** The full-covariance Gaussian KL and its Monte-Carlo floor, against hand computation and simulation. */
class FullCovarianceKlTest {
    @Test
    void handComputedTwoDimensionalCases() {
        // S2 = [2 1; 1 2]: S2^-1 = [2 -1; -1 2] / 3, det S2 = 3.
        double[] s2 = {2, 1, 1, 2};
        double[] m2 = {1, 2};
        // S1 = I, m1 = 0: tr = 4/3, Mahalanobis (1,2) S2^-1 (1,2)^T = (2 - 4 + 8)/3 = 2, ln det S1 = 0.
        assertEquals(0.5 * (4.0 / 3 + 2 - 2 + Math.log(3)),
                GaussianKl.klFull(new double[] {0, 0}, new double[] {1, 0, 0, 1}, m2, s2, 2), 1e-14);
        // S1 = [1 0.5; 0.5 2], m1 = (1, 1): tr(S2^-1 S1) = (2 - 0.5 - 0.5 + 4)/3 = 5/3,
        // m2 - m1 = (0, 1): Mahalanobis 2/3, det S1 = 1.75.
        assertEquals(0.5 * (5.0 / 3 + 2.0 / 3 - 2 + Math.log(3) - Math.log(1.75)),
                GaussianKl.klFull(new double[] {1, 1}, new double[] {1, 0.5, 0.5, 2}, m2, s2, 2), 1e-14);
        // KL of a law to itself is zero.
        assertEquals(0, GaussianKl.klFull(m2, s2, m2, s2, 2), 1e-15);
    }

    @Test
    void equalsTheCoordinateFormulaForDiagonalCovariances() {
        int d = 5;
        double[] m1 = {0.1, -2, 3, 0, 1};
        double[] v1 = {0.5, 1, 2, 0.01, 7};
        double[] m2 = {0, -1, 2.5, 0.2, 1};
        double[] v2 = {1, 0.3, 2, 0.02, 4};
        double[] s1 = new double[d * d];
        double[] s2 = new double[d * d];
        double ref = 0;
        for (int i = 0; i < d; i++) {
            s1[i * d + i] = v1[i];
            s2[i * d + i] = v2[i];
            ref += GaussianKl.klCoordinate(m1[i], v1[i], m2[i], v2[i]);
        }
        assertEquals(ref, GaussianKl.klFull(m1, s1, m2, s2, d), 1e-13 * ref);
        // And from samples: with the same data, the full formula on a diagonal target differs from the
        // coordinate-wise one only by the sample correlations, which the full formula charges for (>=).
        Random rnd = new Random(5);
        int n = 400;
        double[] x = new double[n * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = m2[i % d] + Math.sqrt(v2[i % d]) * rnd.nextGaussian();
        }
        double full = GaussianKl.computeFull(x, n, d, m2, s2).kl;
        double diag = GaussianKl.compute(x, n, d, m2, v2).kl;
        assertTrue(full >= diag - 1e-12, full + " vs " + diag);
        // In d = 1 the two are the same estimator.
        double[] x1 = new double[n];
        for (int r = 0; r < n; r++) {
            x1[r] = x[r * d];
        }
        assertEquals(GaussianKl.compute(x1, n, 1, new double[] {m2[0]}, new double[] {v2[0]}).kl,
                GaussianKl.computeFull(x1, n, 1, new double[] {m2[0]}, new double[] {v2[0]}).kl, 1e-13);
        assertEquals(GaussianKl.expectedFloor(n, 1), GaussianKl.expectedFloorFull(n, 1), 1e-15);
    }

    /** The exact floor (Bartlett decomposition) against a simulation of exact draws. */
    @Test
    void floorMeanAndSpreadMatchSimulation() {
        Random rnd = new Random(11);
        for (int[] c : new int[][] {{3, 12}, {6, 60}}) {
            int d = c[0];
            int n = c[1];
            int reps = 6000;
            double[] mean = new double[d];
            double[] cov = new double[d * d];
            for (int i = 0; i < d; i++) {
                cov[i * d + i] = 1;
            }
            double s = 0;
            double ss = 0;
            double[] x = new double[n * d];
            for (int r = 0; r < reps; r++) {
                for (int i = 0; i < x.length; i++) {
                    x[i] = rnd.nextGaussian();
                }
                double kl = GaussianKl.computeFull(x, n, d, mean, cov).kl;
                s += kl;
                ss += kl * kl;
            }
            double m = s / reps;
            double sd = Math.sqrt((ss - reps * m * m) / (reps - 1));
            double floor = GaussianKl.expectedFloorFull(n, d);
            double floorSd = GaussianKl.floorSdFull(n, d);
            assertEquals(floor, m, 4 * floorSd / Math.sqrt(reps), "mean KL, d=" + d + ", n=" + n);
            assertEquals(floorSd, sd, 0.06 * floorSd, "sd of KL, d=" + d + ", n=" + n);
            // Not the asymptotic value: small n is where the exact form matters.
            assertTrue(floor > (d + d * (d + 1) / 2.0) / (2.0 * n), "finite-n floor above the chi-square one");
        }
    }

    @Test
    void rejectsTooFewSamples() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GaussianKl.computeFull(new double[12], 3, 4, new double[4], new double[16]));
        assertTrue(e.getMessage().contains("more samples than dimensions"), e.getMessage());
    }

    @SuppressWarnings("unchecked")
    @Test
    void metricsReportUsesTheFullFormulaForACorrelatedTarget() {
        int d = 8;
        int n = 1500;
        double eta = 1e-3;
        FullGaussian g = (FullGaussian) ModelSpecs.parse("gaussian:d=8,spectrum=0.01:1,rotation-seed=2,mean=0.5");
        double[] exact = new double[n * d];
        g.sample(123, n, eta, exact);
        LinkedHashMap<String, Object> m = MetricsReport.compute(g, eta, exact, n, 7);
        Map<String, Object> kl = (Map<String, Object>) m.get("gaussian_kl");
        assertEquals("full-covariance", kl.get("formula"));
        double floor = ((Number) kl.get("mc_floor")).doubleValue();
        double sd = ((Number) kl.get("mc_floor_sd")).doubleValue();
        assertEquals(GaussianKl.expectedFloorFull(n, d), floor, 0.0);
        assertEquals(floor, ((Number) kl.get("value")).doubleValue(), 5 * sd);
        assertEquals(floor, ((Number) kl.get("exact_draws_value")).doubleValue(), 5 * sd);
        // Draws from the uncorrelated Gaussian with the same marginal variances: the diagonal KL cannot see the
        // difference, the full one must.
        double[][] mom = g.gaussianMoments(eta);
        Random rnd = new Random(4);
        double[] wrong = new double[n * d];
        for (int i = 0; i < wrong.length; i++) {
            int c = i % d;
            wrong[i] = mom[0][c] + Math.sqrt(mom[1][c * d + c]) * rnd.nextGaussian();
        }
        double bad = ((Number) ((Map<String, Object>) MetricsReport.compute(g, eta, wrong, n, 7).get("gaussian_kl"))
                .get("value")).doubleValue();
        assertTrue(bad > floor + 20 * sd, "decorrelated draws: KL " + bad + " vs floor " + floor);
        // Too few rows: said so, no number.
        Map<String, Object> few = (Map<String, Object>) MetricsReport.compute(g, eta, exact, d, 7).get("gaussian_kl");
        assertFalse(few.containsKey("value"));
        assertTrue(((String) few.get("skipped")).contains("more finite samples than d = 8"), few.toString());
    }
}
