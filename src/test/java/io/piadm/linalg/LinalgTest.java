package io.piadm.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The Breeze adapter against small matrices worked by hand (row-major everywhere). */
class LinalgTest {
    @Test
    void multiplyIsRowMajorAB() {
        // [1 2 3; 4 5 6] (2x3) times [7 8; 9 10; 11 12] (3x2) = [58 64; 139 154].
        double[] c = Linalg.multiply(new double[] {1, 2, 3, 4, 5, 6}, 2, 3, new double[] {7, 8, 9, 10, 11, 12}, 2);
        assertArrayEquals(new double[] {58, 64, 139, 154}, c, 1e-12);
        // A non-square, non-symmetric product in the other order: (3x2)(2x3).
        double[] d = Linalg.multiply(new double[] {7, 8, 9, 10, 11, 12}, 3, 2, new double[] {1, 2, 3, 4, 5, 6}, 3);
        assertArrayEquals(new double[] {39, 54, 69, 49, 68, 87, 59, 82, 105}, d, 1e-12);
    }

    @Test
    void eigSymOfATwoByTwo() {
        // [2 1; 1 2]: eigenvalues 1 (vector (1,-1)/sqrt2) and 3 (vector (1,1)/sqrt2).
        Linalg.Eigen e = Linalg.eigSym(new double[] {2, 1, 1, 2}, 2);
        assertArrayEquals(new double[] {1, 3}, e.values, 1e-12);
        double r = Math.sqrt(0.5);
        // Column j is eigenvector j (up to sign).
        assertEquals(r, Math.abs(e.vectors[0]), 1e-12);
        assertEquals(-1.0, Math.signum(e.vectors[0] * e.vectors[2]), 0.0);
        assertEquals(1.0, Math.signum(e.vectors[1] * e.vectors[3]), 0.0);
        assertEquals(r, Math.abs(e.vectors[3]), 1e-12);
    }

    @Test
    void eigSymOfANonTrivialThreeByThreeReconstructs() {
        // A diagonal matrix rotated by a known rotation about z: eigenvalues 1, 2, 5 and V S V^T rebuilds it.
        double c = Math.cos(0.3);
        double s = Math.sin(0.3);
        double[] q = {c, -s, 0, s, c, 0, 0, 0, 1};
        double[] lam = {5, 1, 2};
        double[] a = new double[9];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                for (int k = 0; k < 3; k++) {
                    a[i * 3 + j] += q[i * 3 + k] * lam[k] * q[j * 3 + k];
                }
            }
        }
        Linalg.Eigen e = Linalg.eigSym(a, 3);
        assertArrayEquals(new double[] {1, 2, 5}, e.values, 1e-12);
        // Eigenvector of 5 is column 0 of q, i.e. (c, s, 0), up to sign.
        assertEquals(c, Math.abs(e.vectors[0 * 3 + 2]), 1e-12);
        assertEquals(s, Math.abs(e.vectors[1 * 3 + 2]), 1e-12);
        assertEquals(0, e.vectors[2 * 3 + 2], 1e-12);
    }

    @Test
    void choleskySolveAndLogDet() {
        // [4 2; 2 3] = L L^T with L = [2 0; 1 sqrt2]; det = 8.
        double[] l = Linalg.cholesky(new double[] {4, 2, 2, 3}, 2);
        assertArrayEquals(new double[] {2, 0, 1, Math.sqrt(2)}, l, 1e-14);
        assertEquals(Math.log(8), Linalg.logDetFromCholesky(l, 2), 1e-14);
        // L x = (2, 3): x0 = 1, x1 = (3 - 1)/sqrt2 = sqrt2.
        assertArrayEquals(new double[] {1, Math.sqrt(2)}, Linalg.solveLower(l, 2, new double[] {2, 3}, 1), 1e-14);
        // Two right-hand sides at once, row-major d x nrhs: columns (2, 3) and (4, 1).
        double[] x = Linalg.solveLower(l, 2, new double[] {2, 4, 3, 1}, 2);
        assertArrayEquals(new double[] {1, 2, Math.sqrt(2), -1 / Math.sqrt(2)}, x, 1e-14);
    }

    @Test
    void choleskyRejectsIndefinite() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Linalg.cholesky(new double[] {1, 2, 2, 1}, 2));
        assertTrue(e.getMessage().contains("not positive definite"), e.getMessage());
    }

    @Test
    void sampleCovarianceByHand() {
        // Rows (1, 2), (3, 0), (5, 4): mean (3, 2); centred (-2, 0), (0, -2), (2, 2); / (n - 1) = 2.
        double[] m = new double[2];
        double[] c = Linalg.sampleCovariance(new double[] {1, 2, 3, 0, 5, 4}, 3, 2, m);
        assertArrayEquals(new double[] {3, 2}, m, 1e-14);
        assertArrayEquals(new double[] {4, 2, 2, 4}, c, 1e-14);
        // A 3-D case with an asymmetric pattern: cov is symmetric bit for bit.
        double[] x = {1, 0, 2, 0, 1, 5, 2, 2, -1, 4, 1, 0};
        double[] c3 = Linalg.sampleCovariance(x, 4, 3, new double[3]);
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                double ref = 0;
                double mi = (x[i] + x[3 + i] + x[6 + i] + x[9 + i]) / 4;
                double mj = (x[j] + x[3 + j] + x[6 + j] + x[9 + j]) / 4;
                for (int r = 0; r < 4; r++) {
                    ref += (x[r * 3 + i] - mi) * (x[r * 3 + j] - mj);
                }
                assertEquals(ref / 3, c3[i * 3 + j], 1e-13);
                assertEquals(c3[i * 3 + j], c3[j * 3 + i], 0.0);
            }
        }
    }

    @Test
    void sqrtmOfAPsdMatrix() {
        // sqrt([2 1; 1 2]) = V diag(1, sqrt3) V^T = 1/2 [1 + sqrt3, sqrt3 - 1; sqrt3 - 1, 1 + sqrt3].
        double r3 = Math.sqrt(3);
        double[] s = Linalg.sqrtmPsd(new double[] {2, 1, 1, 2}, 2);
        assertArrayEquals(new double[] {0.5 * (1 + r3), 0.5 * (r3 - 1), 0.5 * (r3 - 1), 0.5 * (1 + r3)}, s, 1e-13);
        // A singular PSD matrix: sqrt([1 1; 1 1]) = [1 1; 1 1] / sqrt2.
        double[] z = Linalg.sqrtmPsd(new double[] {1, 1, 1, 1}, 2);
        double h = 1 / Math.sqrt(2);
        assertArrayEquals(new double[] {h, h, h, h}, z, 1e-12);
    }
}
