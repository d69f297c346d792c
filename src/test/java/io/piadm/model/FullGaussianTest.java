package io.piadm.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.piadm.io.Npy;
import io.piadm.linalg.Linalg;
import io.piadm.process.OuProcess;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The full-covariance Gaussian target against closed forms computed here independently of the class: the
 * covariance from its definition, the density from an explicit inverse, the score from central differences
 * of the density and from a Cholesky solve (Breeze), eigenvalues from Breeze's eigSym.
 */
class FullGaussianTest {
    static final double[] TIMES = {1e-3, 0.05, 0.5, 2.0, 8.0};

    /** The spectrum by its definition, with Math.pow (the class uses exp/log). */
    static double[] spectrumByDefinition(int d, double lo, double hi) {
        double[] l = new double[d];
        for (int i = 0; i < d; i++) {
            l[i] = d == 1 ? lo : lo * Math.pow(hi / lo, (double) i / (d - 1));
        }
        return l;
    }

    /** alpha^2 S + sigma^2 I with S = Q diag(lambda) Q^T formed here (Breeze multiply), lambda by definition. */
    static double[] covarianceAt(FullGaussian g, double t) {
        int d = g.dim();
        double[] q = g.rotation();
        double[] lam = spectrumByDefinition(d, g.spectrumLo(), g.spectrumHi());
        double[] ql = new double[d * d];
        for (int i = 0; i < d; i++) {
            for (int k = 0; k < d; k++) {
                ql[i * d + k] = q[i * d + k] * lam[k];
            }
        }
        double[] s = Linalg.multiply(ql, d, d, Linalg.transpose(q, d, d), d);
        double a = Math.exp(-t / 2);
        double[] c = new double[d * d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                c[i * d + j] = a * a * 0.5 * (s[i * d + j] + s[j * d + i]) + (i == j ? 1 - Math.exp(-t) : 0);
            }
        }
        return c;
    }

    static double maxAbs(double[] a) {
        double m = 0;
        for (double v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    @Test
    void rotationIsOrthogonalDeterministicAndTheQrFactorOfTheSeededGaussianMatrix() {
        for (int d : new int[] {2, 7, 50}) {
            FullGaussian g = new FullGaussian(d, 0.1, 1, 3, 0);
            double[] q = g.rotation();
            double[] qtq = Linalg.multiply(Linalg.transpose(q, d, d), d, d, q, d);
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    assertEquals(i == j ? 1 : 0, qtq[i * d + j], 1e-12, "Q^T Q at d=" + d);
                }
            }
            // Same seed, a fresh object: the same bits. Another seed: another rotation.
            assertArrayEquals(q, new FullGaussian(d, 0.5, 2, 3, 1).rotation(), 0.0);
            double[] q4 = new FullGaussian(d, 0.1, 1, 4, 0).rotation();
            assertTrue(maxAbs(diff(q, q4)) > 0.1, "seed 4 should give another rotation at d=" + d);
            // R = Q^T G is upper triangular with a positive diagonal (the unique QR that makes Q Haar).
            double[] r = Linalg.multiply(Linalg.transpose(q, d, d), d, d, FullGaussian.gaussianMatrix(d, 3), d);
            for (int i = 0; i < d; i++) {
                assertTrue(r[i * d + i] > 0, "R_ii > 0 at d=" + d);
                for (int j = 0; j < i; j++) {
                    assertEquals(0, r[i * d + j], 1e-12 * Math.sqrt(d), "R below the diagonal at d=" + d);
                }
            }
        }
        assertArrayEquals(new double[] {1.0}, new FullGaussian(1, 0.3, 0.3, 9, 0).rotation(), 0.0);
    }

    /** d = 600 takes the column-parallel QR path and the row-parallel S: same bits with 1, 3 or all threads. */
    @Test
    void parallelConstructionGivesTheSameBitsForAnyThreadCount() throws Exception {
        int d = 600;
        double[] q = FullGaussian.haarRotation(d, 12);
        double[] s = new FullGaussian(d, 0.01, 1, 12, 0).covariance();
        for (int threads : new int[] {1, 3}) {
            java.util.concurrent.ForkJoinPool pool = new java.util.concurrent.ForkJoinPool(threads);
            try {
                // Parallel streams started inside a pool's task run in that pool.
                assertArrayEquals(q, pool.submit(() -> FullGaussian.haarRotation(d, 12)).get(), 0.0);
                assertArrayEquals(s, pool.submit(() -> new FullGaussian(d, 0.01, 1, 12, 0).covariance()).get(), 0.0);
            } finally {
                pool.shutdown();
            }
        }
        // Still orthogonal: spot-check a few column pairs.
        for (int[] p : new int[][] {{0, 0}, {0, 599}, {17, 17}, {17, 400}, {599, 599}}) {
            double dot = 0;
            for (int i = 0; i < d; i++) {
                dot += q[i * d + p[0]] * q[i * d + p[1]];
            }
            assertEquals(p[0] == p[1] ? 1 : 0, dot, 1e-12, "columns " + p[0] + ", " + p[1]);
        }
    }

    static double[] diff(double[] a, double[] b) {
        double[] c = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i] - b[i];
        }
        return c;
    }

    @Test
    void eigenvaluesOfTheBuiltCovarianceAreTheSpectrum() {
        int d = 32;
        FullGaussian g = new FullGaussian(d, 1e-3, 1, 0, 0.5);
        double[] s = g.covariance();
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                assertEquals(s[i * d + j], s[j * d + i], 0.0, "S is exactly symmetric");
            }
        }
        double[] w = Linalg.eigSym(s, d).values; // ascending
        double[] ref = spectrumByDefinition(d, 1e-3, 1);
        for (int i = 0; i < d; i++) {
            assertEquals(ref[i], w[i], 1e-13 + 1e-10 * ref[i], "eigenvalue " + i);
        }
        assertEquals(1e-3, g.eigenvalues()[0], 0.0);
        assertEquals(1.0, g.eigenvalues()[d - 1], 0.0);
        // S itself equals Q diag(lambda) Q^T formed independently.
        assertArrayEquals(covarianceAt(g, 0), s, 1e-14);
        // d = 1: the variance is LO.
        assertArrayEquals(new double[] {0.25}, new FullGaussian(1, 0.25, 4, 0, 0).covariance(), 0.0);
    }

    @Test
    void scoreEqualsCentralDifferencesOfTheLogDensity() {
        int d = 6;
        FullGaussian g = new FullGaussian(d, 0.01, 2, 11, 0.7);
        Random rnd = new Random(1);
        for (double t : TIMES) {
            double[] x = new double[d];
            for (int i = 0; i < d; i++) {
                x[i] = rnd.nextGaussian();
            }
            double[] s = new double[d];
            g.score(x, new double[] {t}, 1, s);
            // log p_t is quadratic, so the central difference is exact up to round-off of log p / h.
            double h = 1e-4;
            for (int i = 0; i < d; i++) {
                double[] xp = x.clone();
                double[] xm = x.clone();
                xp[i] += h;
                xm[i] -= h;
                double fd = (g.logDensity(xp, 0, t) - g.logDensity(xm, 0, t)) / (2 * h);
                assertEquals(fd, s[i], 1e-6 * (1 + Math.abs(fd)), "t=" + t + ", i=" + i);
            }
        }
    }

    @Test
    void scoreEqualsACholeskySolveWithTheExplicitCovariance() {
        int d = 24;
        FullGaussian g = new FullGaussian(d, 1e-3, 1, 2, -0.3);
        Random rnd = new Random(2);
        for (double t : TIMES) {
            double[] c = covarianceAt(g, t);
            double[] l = Linalg.cholesky(c, d);
            double a = Math.exp(-t / 2);
            double[] x = new double[d];
            double[] z = new double[d];
            for (int i = 0; i < d; i++) {
                x[i] = rnd.nextGaussian();
                z[i] = x[i] - a * -0.3;
            }
            // -(C^-1) z via L L^T y = z: y = L^-T (L^-1 z); L^-T solved as an upper system by back substitution.
            double[] u = Linalg.solveLower(l, d, z, 1);
            double[] y = new double[d];
            for (int i = d - 1; i >= 0; i--) {
                double v = u[i];
                for (int k = i + 1; k < d; k++) {
                    v -= l[k * d + i] * y[k];
                }
                y[i] = v / l[i * d + i];
            }
            double[] s = new double[d];
            g.score(x, new double[] {t}, 1, s);
            double scale = maxAbs(y);
            for (int i = 0; i < d; i++) {
                assertEquals(-y[i], s[i], 1e-9 * scale, "t=" + t + ", i=" + i);
            }
        }
    }

    @Test
    void logDensityMatchesTheExplicitTwoByTwoInverseAndIntegratesToOne() {
        FullGaussian g = new FullGaussian(2, 0.2, 3, 5, 0.4);
        for (double t : new double[] {1e-3, 0.3, 2}) {
            double[] c = covarianceAt(g, t);
            double det = c[0] * c[3] - c[1] * c[2];
            double[] inv = {c[3] / det, -c[1] / det, -c[2] / det, c[0] / det};
            double a = Math.exp(-t / 2);
            double[] x = {0.9, -1.3};
            double z0 = x[0] - a * 0.4;
            double z1 = x[1] - a * 0.4;
            double quad = z0 * (inv[0] * z0 + inv[1] * z1) + z1 * (inv[2] * z0 + inv[3] * z1);
            double ref = -0.5 * quad - Math.log(2 * Math.PI) - 0.5 * Math.log(det);
            assertEquals(ref, g.logDensity(x, 0, t), 1e-12 * (1 + Math.abs(ref)), "t=" + t);
        }
        // Midpoint rule over +-9 standard deviations of the widest direction (t = 0.3).
        double t = 0.3;
        double a = Math.exp(-t / 2);
        double half = 9 * Math.sqrt(a * a * 3 + 1 - Math.exp(-t));
        int m = 600;
        double h = 2 * half / m;
        double sum = 0;
        double[] p = new double[2];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < m; j++) {
                p[0] = a * 0.4 - half + (i + 0.5) * h;
                p[1] = a * 0.4 - half + (j + 0.5) * h;
                sum += Math.exp(g.logDensity(p, 0, t));
            }
        }
        assertEquals(1.0, sum * h * h, 1e-6);
    }

    @Test
    void samplesHaveTheExactMeanAndCovariance() {
        int d = 4;
        int n = 100_000;
        double t = 0.2;
        FullGaussian g = new FullGaussian(d, 0.05, 2, 8, 1.5);
        double[] x = new double[n * d];
        g.sample(42, n, t, x);
        double[] c = covarianceAt(g, t);
        double a = Math.exp(-t / 2);
        double[] m = new double[d];
        double[] cov = Linalg.sampleCovariance(x, n, d, m);
        for (int i = 0; i < d; i++) {
            assertEquals(a * 1.5, m[i], 5 * Math.sqrt(c[i * d + i] / n), "mean " + i);
            for (int j = 0; j < d; j++) {
                double se = Math.sqrt((c[i * d + i] * c[j * d + j] + c[i * d + j] * c[i * d + j]) / n);
                assertEquals(c[i * d + j], cov[i * d + j], 5 * se, "cov " + i + "," + j);
            }
        }
        // A pure function of (seed, row): a prefix of a longer draw is the shorter draw, bit for bit.
        double[] few = new double[7 * d];
        g.sample(42, 7, t, few);
        for (int i = 0; i < few.length; i++) {
            assertEquals(x[i], few[i], 0.0);
        }
        // Exact moments offered to metrics agree with the independent covariance.
        double[][] mom = g.gaussianMoments(t);
        assertArrayEquals(c, mom[1], 1e-14);
        for (double v : mom[0]) {
            assertEquals(a * 1.5, v, 1e-15);
        }
        assertNull(g.diagonalGaussianMoments(t), "not a diagonal target");
        // E|X_0|^2 = tr S + d M^2.
        double tr = 0;
        for (double l : spectrumByDefinition(d, 0.05, 2)) {
            tr += l;
        }
        assertEquals(tr + d * 1.5 * 1.5, g.secondMoment(), 1e-12);
    }

    @Test
    void scoresOfARowDoNotDependOnTheBatch() {
        int d = 9;
        FullGaussian g = new FullGaussian(d, 0.01, 1, 1, 0.2);
        int n = 13;
        Random rnd = new Random(3);
        double[] x = new double[n * d];
        double[] t = new double[n];
        for (int i = 0; i < x.length; i++) {
            x[i] = 2 * rnd.nextGaussian();
        }
        for (int r = 0; r < n; r++) {
            t[r] = TIMES[r % TIMES.length];
        }
        double[] all = new double[n * d];
        g.score(x, t, n, all);
        // One row at a time, into an array whose other rows hold garbage.
        for (int r = 0; r < n; r++) {
            double[] out = new double[n * d];
            java.util.Arrays.fill(out, Double.NaN);
            g.score(x, t, r, 1, out);
            for (int i = 0; i < d; i++) {
                assertEquals(all[r * d + i], out[r * d + i], 0.0, "row " + r);
            }
            assertTrue(Double.isNaN(out[((r + 1) % n) * d]), "other rows untouched");
        }
        // Odd splits (3 + 5 + 5) that cut the groups of four elsewhere.
        double[] split = new double[n * d];
        g.score(x, t, 0, 3, split);
        g.score(x, t, 3, 5, split);
        g.score(x, t, 8, 5, split);
        assertArrayEquals(all, split, 0.0);
    }

    @Test
    void lipschitzConstantIsTheLargestEigenvalueOfTheScoreJacobian() {
        int d = 12;
        FullGaussian g = new FullGaussian(d, 1e-3, 1, 4, 0);
        for (double t : TIMES) {
            double[] w = Linalg.eigSym(covarianceAt(g, t), d).values;
            assertEquals(1 / w[0], g.scoreLipschitz(t).getAsDouble(), 1e-9 / w[0], "t=" + t);
        }
        assertEquals(1 / (1e-3 * OuProcess.alpha(1e-3) * OuProcess.alpha(1e-3) + OuProcess.sigma2(1e-3)),
                g.scoreLipschitz(1e-3).getAsDouble(), 1e-9);
        DiagonalGaussian iso = DiagonalGaussian.isotropic(3, 0, 0.1);
        assertEquals(1 / (0.01 * Math.exp(-0.5) + 1 - Math.exp(-0.5)), iso.scoreLipschitz(0.5).getAsDouble(), 1e-12);
    }

    @Test
    void covarianceFileAndItsHash(@TempDir Path dir) throws Exception {
        int d = 5;
        FullGaussian g = new FullGaussian(d, 0.01, 1, 6, 0);
        List<OutputArray> outs = g.extraOutputs();
        assertEquals(1, outs.size());
        OutputArray o = outs.get(0);
        assertEquals("target-covariance.npy", o.fileName());
        assertEquals(d, o.rows());
        assertEquals(d, o.cols());
        assertArrayEquals(covarianceAt(g, 0), o.data(), 1e-14);
        Path f = dir.resolve(o.fileName());
        Npy.write(f, o.data(), o.rows(), o.cols());
        byte[] bytes = Files.readAllBytes(f);
        // The data section is the last 8 d^2 bytes; its SHA-256 is the one run.json carries.
        byte[] data = java.util.Arrays.copyOfRange(bytes, bytes.length - 8 * d * d, bytes.length);
        StringBuilder hex = new StringBuilder();
        for (byte b : MessageDigest.getInstance("SHA-256").digest(data)) {
            hex.append(String.format("%02x", b));
        }
        Map<String, Object> desc = g.describe();
        assertEquals(hex.toString(), desc.get("covariance_sha256"));
        ByteBuffer bb = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(o.data()[1], bb.getDouble(8), 0.0);
        // run.json carries parameters, not d^2 numbers.
        for (Object v : desc.values()) {
            assertFalse(v instanceof double[] && ((double[]) v).length >= d * d, "no matrix in describe()");
        }
        assertEquals("gaussian-full-covariance", desc.get("type"));
        assertEquals(d, desc.get("dim"));
        assertEquals(6L, desc.get("rotation_seed"));
        // The isotropic Gaussian offers nothing extra.
        assertTrue(DiagonalGaussian.isotropic(3, 0, 1).extraOutputs().isEmpty());
    }

    @Test
    void serialisedSpecCarriesOnlyParametersAndRebuildsTheSameModel() throws Exception {
        int d = 64;
        FullGaussian g = new FullGaussian(d, 1e-3, 1, 7, 0.1);
        double[] x = new double[3 * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = Math.sin(i);
        }
        double[] t = {0.01, 0.5, 3};
        double[] s1 = new double[3 * d];
        g.build().score(x, t, 3, s1);
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (ObjectOutputStream oos = new ObjectOutputStream(bos)) {
            oos.writeObject(g);
        }
        assertTrue(bos.size() < 1000, "serialised spec holds no matrix: " + bos.size() + " bytes");
        FullGaussian back;
        try (ObjectInputStream ois = new ObjectInputStream(new ByteArrayInputStream(bos.toByteArray()))) {
            back = (FullGaussian) ois.readObject();
        }
        assertEquals(g.id(), back.id());
        double[] s2 = new double[3 * d];
        back.build().score(x, t, 3, s2);
        assertArrayEquals(s1, s2, 0.0);
    }

    @Test
    void constructorRejectsBadParameters() {
        assertThrows(IllegalArgumentException.class, () -> new FullGaussian(0, 1, 1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new FullGaussian(FullGaussian.MAX_DIM + 1, 1, 1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new FullGaussian(2, 0, 1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new FullGaussian(2, 2, 1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new FullGaussian(2, 1, Double.POSITIVE_INFINITY, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new FullGaussian(2, 1, 2, -1, 0));
        assertThrows(IllegalArgumentException.class, () -> new FullGaussian(2, 1, 2, 0, Double.NaN));
    }
}
