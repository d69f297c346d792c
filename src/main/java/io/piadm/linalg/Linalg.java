package io.piadm.linalg;

import breeze.generic.UFunc;
import breeze.linalg.DenseMatrix;
import breeze.linalg.DenseMatrix$mcD$sp;
import breeze.linalg.DenseVector;
import breeze.linalg.cholesky$;
import breeze.linalg.eigSym$;
import breeze.linalg.operators.HasOps$;
import dev.ludovic.netlib.blas.BLAS;

/**
 * The one adapter between piadm and Breeze (2.1.0, from spark-mllib) plus the netlib BLAS it runs on. Every
 * matrix at this API is a flat row-major {@code double[]} (ARCHITECTURE.md "Habits"); Breeze is column-major,
 * so a row-major m x n array is handed to Breeze as the column-major n x m transpose, which is free.
 *
 * <p>Breeze's generic operators need their implicits spelled out from Java (PLATFORM-NOTES.md "Breeze"); they
 * stay in this class. Results depend on the BLAS/LAPACK backend that netlib picks (native, vectorised Java or
 * plain Java) in their last bits: use this class where that does not matter (metrics, checks, set-up that
 * only the driver runs), not where a sample's bits must be the same on every executor.
 */
public final class Linalg {
    private Linalg() {}

    /** Eigenpairs of a symmetric matrix: ascending {@code values}, {@code vectors} row-major with eigenvector j in column j. */
    public static final class Eigen {
        public final double[] values;
        public final double[] vectors;

        Eigen(double[] values, double[] vectors) {
            this.values = values;
            this.vectors = vectors;
        }
    }

    /** Column-major Breeze view of a row-major {@code rows x cols} array: the {@code cols x rows} transpose. */
    private static DenseMatrix<Object> transposedView(double[] rowMajor, int rows, int cols) {
        return new DenseMatrix$mcD$sp(cols, rows, rowMajor);
    }

    private static void checkSquare(double[] a, int d, String what) {
        if (d < 1 || a.length != (long) d * d) {
            throw new IllegalArgumentException(what + ": expected a " + d + " x " + d + " array, got " + a.length
                    + " values");
        }
    }

    private static void checkFinite(double[] a, String what) {
        for (double v : a) {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException(what + ": matrix has a non-finite entry " + v);
            }
        }
    }

    /**
     * {@code C = A B} for row-major {@code A} (m x k) and {@code B} (k x n); C is row-major m x n. In Breeze's
     * column-major terms {@code C^T = B^T A^T}, and the row-major arrays of A, B, C are exactly those transposes.
     */
    public static double[] multiply(double[] a, int m, int k, double[] b, int n) {
        if (a.length != (long) m * k || b.length != (long) k * n) {
            throw new IllegalArgumentException("multiply: shapes " + m + "x" + k + " and " + k + "x" + n
                    + " do not match arrays of " + a.length + " and " + b.length + " values");
        }
        DenseMatrix<Object> bt = transposedView(b, k, n); // n x k
        DenseMatrix<Object> at = transposedView(a, m, k); // k x m
        DenseMatrix<?> ct = (DenseMatrix<?>) bt.$times(at, HasOps$.MODULE$.impl_OpMulMatrix_DMD_DMD_eq_DMD());
        return denseData(ct, m * n);
    }

    /**
     * Eigendecomposition of a symmetric d x d matrix (Breeze {@code eigSym}, LAPACK dsyevr). The input must be
     * symmetric to Breeze's tolerance; it is not modified.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static Eigen eigSym(double[] s, int d) {
        checkSquare(s, d, "eigSym");
        checkFinite(s, "eigSym");
        // Symmetric, so the column-major view is the matrix itself; copy so Breeze cannot touch the caller's array.
        DenseMatrix<Object> m = new DenseMatrix$mcD$sp(d, d, s.clone());
        UFunc.UImpl impl = breeze.linalg.eigSym.EigSym_DM_Impl$.MODULE$;
        breeze.linalg.eigSym.EigSym<DenseVector<Object>, DenseMatrix<Object>> e =
                (breeze.linalg.eigSym.EigSym<DenseVector<Object>, DenseMatrix<Object>>) eigSym$.MODULE$.apply(m, impl);
        double[] values = denseVectorData(e.eigenvalues(), d);
        // Column-major V (column j = eigenvector j) read as row-major is V^T; transpose back to row-major V.
        double[] vt = denseData(e.eigenvectors(), d * d);
        return new Eigen(values, transpose(vt, d, d));
    }

    /**
     * Lower Cholesky factor L (row-major, zeros above the diagonal) of a symmetric positive-definite matrix,
     * {@code S = L L^T} (Breeze {@code cholesky}, LAPACK dpotrf). Throws IllegalArgumentException when S is
     * not positive definite.
     */
    @SuppressWarnings({"rawtypes"})
    public static double[] cholesky(double[] s, int d) {
        checkSquare(s, d, "cholesky");
        checkFinite(s, "cholesky");
        DenseMatrix<Object> m = new DenseMatrix$mcD$sp(d, d, s.clone());
        UFunc.UImpl impl = breeze.linalg.cholesky.ImplCholesky_DM$.MODULE$;
        DenseMatrix<?> l;
        try {
            @SuppressWarnings("unchecked")
            Object r = cholesky$.MODULE$.apply(m, impl);
            l = (DenseMatrix<?>) r;
        } catch (RuntimeException e) {
            // Breeze raises NotConvergedException (a RuntimeException) when a leading minor is not positive.
            throw new IllegalArgumentException("cholesky: matrix is not positive definite (" + e + ")", e);
        }
        double[] lt = denseData(l, d * d); // column-major L read row-major is L^T
        double[] out = transpose(lt, d, d);
        for (int i = 0; i < d; i++) {
            if (!(out[i * d + i] > 0) || !Double.isFinite(out[i * d + i])) {
                throw new IllegalArgumentException("cholesky: matrix is not positive definite (pivot " + i + " = "
                        + out[i * d + i] + ")");
            }
        }
        return out;
    }

    /** {@code ln det S = 2 sum_i ln L_ii} from the Cholesky factor of S. */
    public static double logDetFromCholesky(double[] l, int d) {
        checkSquare(l, d, "logDetFromCholesky");
        double s = 0;
        for (int i = 0; i < d; i++) {
            s += StrictMath.log(l[i * d + i]);
        }
        return 2 * s;
    }

    /**
     * Solves {@code L X = B} for lower-triangular L (d x d, row-major) and B (d x nrhs, row-major); returns X
     * (d x nrhs, row-major). BLAS dtrsm: in column-major terms this is {@code X^T L^T = B^T}, a right-side
     * solve with the upper-triangular {@code L^T}, which is what L's row-major array is to BLAS.
     */
    public static double[] solveLower(double[] l, int d, double[] b, int nrhs) {
        checkSquare(l, d, "solveLower");
        if (nrhs < 1 || b.length != (long) d * nrhs) {
            throw new IllegalArgumentException("solveLower: expected a " + d + " x " + nrhs + " right-hand side, got "
                    + b.length + " values");
        }
        double[] x = b.clone();
        BLAS.getInstance().dtrsm("R", "U", "N", "N", nrhs, d, 1.0, l, d, x, nrhs);
        return x;
    }

    /**
     * Unbiased sample covariance (d x d, row-major, exactly symmetric) of rows {@code 0..n)} of {@code x}
     * (row-major, d columns), n &gt;= 2, with the sample mean written to {@code meanOut} (length d). The
     * centred Gram matrix is one BLAS dsyrk.
     */
    public static double[] sampleCovariance(double[] x, int n, int d, double[] meanOut) {
        if (n < 2 || d < 1 || x.length < (long) n * d || meanOut.length != d) {
            throw new IllegalArgumentException("sampleCovariance: needs n >= 2 rows of d >= 1 columns, got n=" + n
                    + ", d=" + d);
        }
        double[] m = new double[d];
        for (int r = 0; r < n; r++) {
            for (int i = 0; i < d; i++) {
                m[i] += x[r * d + i];
            }
        }
        for (int i = 0; i < d; i++) {
            m[i] /= n;
        }
        double[] c = new double[n * d];
        for (int r = 0; r < n; r++) {
            for (int i = 0; i < d; i++) {
                c[r * d + i] = x[r * d + i] - m[i];
            }
        }
        // Row-major centred X (n x d) is column-major X^T (d x n); C = X^T X = A A^T with A = that array.
        double[] cov = new double[d * d];
        BLAS.getInstance().dsyrk("U", "N", d, n, 1.0 / (n - 1), c, d, 0.0, cov, d);
        // dsyrk filled the upper triangle of column-major C (j >= i), i.e. entries cov[j * d + i]; mirror them.
        for (int j = 0; j < d; j++) {
            for (int i = 0; i < j; i++) {
                cov[i * d + j] = cov[j * d + i];
            }
        }
        System.arraycopy(m, 0, meanOut, 0, d);
        return cov;
    }

    /**
     * The principal square root of a symmetric positive semi-definite matrix, {@code V diag(sqrt(max(w, 0))) V^T}
     * from {@link #eigSym} (round-off can leave eigenvalues of a PSD matrix slightly below zero; they are
     * clipped). Exactly symmetric. For the Frechet distance {@code tr(S1 + S2 - 2 (S1^1/2 S2 S1^1/2)^1/2)}.
     */
    public static double[] sqrtmPsd(double[] s, int d) {
        Eigen e = eigSym(s, d);
        double[] vs = new double[d * d]; // V diag(sqrt w)
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                vs[i * d + j] = e.vectors[i * d + j] * Math.sqrt(Math.max(e.values[j], 0));
            }
        }
        double[] r = multiply(vs, d, d, transpose(e.vectors, d, d), d);
        for (int i = 0; i < d; i++) {
            for (int j = i + 1; j < d; j++) {
                double v = 0.5 * (r[i * d + j] + r[j * d + i]);
                r[i * d + j] = v;
                r[j * d + i] = v;
            }
        }
        return r;
    }

    /** Transpose of a row-major {@code rows x cols} array (row-major {@code cols x rows}). */
    public static double[] transpose(double[] a, int rows, int cols) {
        double[] t = new double[a.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                t[j * rows + i] = a[i * cols + j];
            }
        }
        return t;
    }

    /** The column-major data of a dense Breeze matrix (copied when it is a view with an offset or stride). */
    private static double[] denseData(DenseMatrix<?> m, int size) {
        int rows = m.rows();
        int cols = m.cols();
        if (rows * cols != size) {
            throw new IllegalStateException("Breeze returned a " + rows + "x" + cols + " matrix, expected " + size
                    + " entries");
        }
        double[] data = (double[]) m.data();
        if (!m.isTranspose() && m.offset() == 0 && m.majorStride() == rows && data.length == size) {
            return data;
        }
        double[] out = new double[size];
        for (int j = 0; j < cols; j++) {
            for (int i = 0; i < rows; i++) {
                out[j * rows + i] = (double) m.apply(i, j);
            }
        }
        return out;
    }

    private static double[] denseVectorData(DenseVector<?> v, int size) {
        if (v.length() != size) {
            throw new IllegalStateException("Breeze returned a vector of " + v.length() + ", expected " + size);
        }
        double[] data = (double[]) v.data();
        if (v.offset() == 0 && v.stride() == 1 && data.length == size) {
            return data.clone();
        }
        double[] out = new double[size];
        for (int i = 0; i < size; i++) {
            out[i] = (double) v.apply(i);
        }
        return out;
    }
}
