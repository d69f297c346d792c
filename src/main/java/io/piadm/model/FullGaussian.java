package io.piadm.model;

import io.piadm.noise.CounterNoise;
import io.piadm.noise.NoiseStream;
import io.piadm.process.OuProcess;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * A stiff, anisotropic Gaussian target {@code N(M 1, S)} with {@code S = Q diag(lambda) Q^T} (issue 9 item 4,
 * spec {@code gaussian:d=D,spectrum=LO:HI[,rotation-seed=N][,mean=M]}):
 * <ul>
 *   <li>eigenvalues log-spaced (geometric) from LO to HI: {@code lambda_i = LO (HI/LO)^(i/(d-1))}, so
 *       {@code lambda_0 = LO}, {@code lambda_{d-1} = HI}, condition number HI/LO (d = 1: lambda_0 = LO);</li>
 *   <li>Q Haar-distributed: the Q factor of {@code G = Q R} with R's diagonal positive (which makes Q unique and
 *       Haar, Mezzadri 2007, "How to generate random matrices from the classical compact groups"), where row i of
 *       the d x d standard normal G is {@code CounterNoise(rotationSeed).normals(AUXILIARY, i, }{@value
 *       #ROTATION_BLOCK}{@code , 0)}; d = 1 gives Q = 1.</li>
 * </ul>
 * Exact law at forward time t (ALGORITHMS.md section 2): {@code p_t = N(alpha mu, Q diag(alpha^2 lambda +
 * sigma^2) Q^T)}, so {@code score(x, t) = -Q diag(1/(alpha^2 lambda + sigma^2)) Q^T (x - alpha mu)}: two
 * mat-vec products with Q, O(d^2) per row.
 *
 * <p><b>Why no numerical eigendecomposition.</b> S is built from its eigenpairs, so (Q, lambda) is its exact
 * eigendecomposition; an {@code eigSym(S)} would only add round-off and O(d^3) work. More importantly, Q is
 * computed by plain Java loops (a Householder QR), whose IEEE results are the same bits on every JVM and CPU
 * (no BLAS kernel choice, no FMA contraction, no reassociation): each executor rebuilds the model from the spec
 * and must get the same scores bit for bit (ALGORITHMS.md section 7, invariant 4). Breeze (io.piadm.linalg.Linalg)
 * is used where bits do not matter: the metrics and the tests' independent checks of S.
 *
 * <p>Batch invariance: row i's score is computed by the same sequence of operations whatever the batch; rows
 * are processed in groups of {@value #GROUP} only so that a row of Q, once loaded, serves the whole group.
 *
 * <p>Spec and model in one object: the serialised form carries only (d, LO, HI, seed, M); Q and lambda are
 * rebuilt lazily (once per JVM and spec object), the covariance S only when asked for (driver side).
 */
public final class FullGaussian implements ModelSpec, ScoreModel, AnalyticTarget {
    private static final long serialVersionUID = 1L;

    /** Largest d: Q alone holds d^2 doubles (128 MiB at 4096), S as many again, the QR a copy of G. */
    public static final int MAX_DIM = 4096;
    /** AUXILIARY-stream block of the Gaussian matrix G (distinct from other users of that stream). */
    public static final int ROTATION_BLOCK = 5;
    /** File name under which {@link #extraOutputs()} offers the covariance S. */
    public static final String COVARIANCE_FILE = "target-covariance.npy";

    private static final int GROUP = 4;
    private static final double LOG_2PI = StrictMath.log(2 * Math.PI);

    private final int d;
    private final double lo;
    private final double hi;
    private final long rotationSeed;
    private final double mean;

    /** Q (row-major) and lambda: built on first use. */
    private transient volatile Eigenbasis basis;
    /** S = Q diag(lambda) Q^T (row-major, exactly symmetric): built on first request. */
    private transient volatile double[] covariance;

    private static final class Eigenbasis {
        final double[] q;
        final double[] lambda;

        Eigenbasis(double[] q, double[] lambda) {
            this.q = q;
            this.lambda = lambda;
        }
    }

    /**
     * The target of {@code gaussian:d=D,spectrum=LO:HI,rotation-seed=N,mean=M}. Throws IllegalArgumentException
     * for d outside [1, {@value #MAX_DIM}], LO or HI not finite and positive, LO &gt; HI, N &lt; 0, M not finite.
     */
    public FullGaussian(int d, double lo, double hi, long rotationSeed, double mean) {
        if (d < 1 || d > MAX_DIM) {
            throw new IllegalArgumentException("d must be an integer in [1, " + MAX_DIM
                    + "] for a full-covariance Gaussian (8 d^2 bytes per d x d matrix), got " + d);
        }
        if (!(lo > 0) || !(hi > 0) || !Double.isFinite(lo) || !Double.isFinite(hi) || lo > hi) {
            throw new IllegalArgumentException("spectrum must be LO:HI with finite 0 < LO <= HI, got " + lo + ":" + hi);
        }
        if (rotationSeed < 0) {
            throw new IllegalArgumentException("rotation-seed must be >= 0, got " + rotationSeed);
        }
        if (!Double.isFinite(mean)) {
            throw new IllegalArgumentException("mean must be finite, got " + mean);
        }
        this.d = d;
        this.lo = lo;
        this.hi = hi;
        this.rotationSeed = rotationSeed;
        this.mean = mean;
    }

    // ---------------------------------------------------------------- construction of Q, lambda, S

    /** {@code lambda_i = lo (hi/lo)^(i/(d-1))}, with both ends exact. */
    static double[] spectrum(int d, double lo, double hi) {
        double[] l = new double[d];
        double logRatio = StrictMath.log(hi / lo);
        for (int i = 0; i < d; i++) {
            l[i] = d == 1 ? lo : lo * StrictMath.exp(logRatio * i / (d - 1));
        }
        l[0] = lo;
        if (d > 1) {
            l[d - 1] = hi;
        }
        return l;
    }

    /** The seeded Gaussian matrix G (row-major): row i from (AUXILIARY, sample i, block ROTATION_BLOCK, step 0). */
    static double[] gaussianMatrix(int d, long seed) {
        CounterNoise noise = new CounterNoise(seed);
        double[] g = new double[d * d];
        for (int i = 0; i < d; i++) {
            noise.normals(NoiseStream.AUXILIARY, i, ROTATION_BLOCK, 0, g, i * d, d);
        }
        return g;
    }

    /**
     * Haar rotation: Q of the QR of {@link #gaussianMatrix} with positive diagonal R. Householder QR (Golub and
     * Van Loan, Matrix Computations, 4th ed., 5.2.2), then Q accumulated backwards (5.1.6), then column k
     * multiplied by sign(R_kk). Plain Java, so the bits are the same on every JVM (see the class comment).
     * Inner loops run along rows (contiguous), as rank-one updates the JIT can vectorise without reordering; wide
     * updates run in parallel over column chunks (see {@link #applyReflection}).
     */
    static double[] haarRotation(int d, long seed) {
        if (d == 1) {
            return new double[] {1.0};
        }
        double[] a = gaussianMatrix(d, seed);
        double[][] vs = new double[d][];
        double[] tau = new double[d];
        double[] rdiag = new double[d];
        double[] w = new double[d];
        for (int k = 0; k < d; k++) {
            double norm2 = 0;
            for (int i = k; i < d; i++) {
                double x = a[i * d + k];
                norm2 += x * x;
            }
            double x0 = a[k * d + k];
            double norm = Math.sqrt(norm2);
            double alpha = x0 >= 0 ? -norm : norm; // reflect away from x0's sign: no cancellation in v_0
            double[] v = new double[d - k];
            v[0] = x0 - alpha;
            double vn2 = v[0] * v[0];
            for (int i = k + 1; i < d; i++) {
                v[i - k] = a[i * d + k];
                vn2 += v[i - k] * v[i - k];
            }
            vs[k] = v;
            tau[k] = vn2 > 0 ? 2 / vn2 : 0; // vn2 = 0 only for a zero column (probability 0)
            rdiag[k] = vn2 > 0 ? alpha : x0;
            applyReflection(a, d, k, v, tau[k], w);
        }
        double[] q = new double[d * d];
        for (int i = 0; i < d; i++) {
            q[i * d + i] = 1;
        }
        for (int k = d - 1; k >= 0; k--) {
            // Q <- H_k Q; at this point rows >= k of Q are zero in columns < k, so only columns >= k change.
            applyReflection(q, d, k, vs[k], tau[k], w);
        }
        for (int i = 0; i < d; i++) {
            for (int k = 0; k < d; k++) {
                if (rdiag[k] < 0) {
                    q[i * d + k] = -q[i * d + k];
                }
            }
        }
        return q;
    }

    /**
     * {@code A[k:, k:] <- (I - tau v v^T) A[k:, k:]}: while factorising, column k itself becomes R_kk and is not
     * read again; while accumulating Q, rows &gt;= k are zero left of column k. Columns are independent
     * ({@code w_j = v^T A[k:, j]}, then {@code A[i, j] -= tau v_i w_j}), so wide updates are split into column
     * chunks run in parallel: every entry is computed by the same operations in the same order whatever the
     * split or thread count, so the bits do not change. The caller's {@code w} (length d) is scratch.
     */
    private static void applyReflection(double[] a, int d, int k, double[] v, double tau, double[] w) {
        if (tau == 0) {
            return;
        }
        int width = d - k;
        int chunks = width >= 2 * PARALLEL_CHUNK ? (width + PARALLEL_CHUNK - 1) / PARALLEL_CHUNK : 1;
        if (chunks == 1) {
            reflectColumns(a, d, k, v, tau, w, k, d);
            return;
        }
        java.util.stream.IntStream.range(0, chunks).parallel().forEach(c -> {
            int lo = k + c * PARALLEL_CHUNK;
            reflectColumns(a, d, k, v, tau, w, lo, Math.min(d, lo + PARALLEL_CHUNK));
        });
    }

    /** Columns per parallel task of {@link #applyReflection} (a row's slice stays in cache across the pass). */
    private static final int PARALLEL_CHUNK = 256;

    /** The reflection on columns {@code [c0, c1)}; w[c0..c1) is this chunk's own scratch. */
    private static void reflectColumns(double[] a, int d, int k, double[] v, double tau, double[] w, int c0, int c1) {
        for (int j = c0; j < c1; j++) {
            w[j] = 0;
        }
        for (int i = k; i < d; i++) {
            double vi = v[i - k];
            int o = i * d;
            for (int j = c0; j < c1; j++) {
                w[j] += vi * a[o + j];
            }
        }
        for (int i = k; i < d; i++) {
            double c = tau * v[i - k];
            int o = i * d;
            for (int j = c0; j < c1; j++) {
                a[o + j] -= c * w[j];
            }
        }
    }

    private Eigenbasis basis() {
        Eigenbasis b = basis;
        if (b == null) {
            synchronized (this) {
                b = basis;
                if (b == null) {
                    b = new Eigenbasis(haarRotation(d, rotationSeed), spectrum(d, lo, hi));
                    basis = b;
                }
            }
        }
        return b;
    }

    /** S, shared (callers copy). {@code S_ij = sum_k (Q_ik lambda_k) Q_jk} for j &gt;= i, mirrored below. */
    private double[] covarianceShared() {
        double[] s = covariance;
        if (s == null) {
            synchronized (this) {
                s = covariance;
                if (s == null) {
                    Eigenbasis b = basis();
                    double[] q = b.q;
                    double[] qt = new double[d * d];
                    for (int i = 0; i < d; i++) {
                        for (int j = 0; j < d; j++) {
                            qt[j * d + i] = q[i * d + j];
                        }
                    }
                    double[] out = new double[d * d];
                    // Rows are independent (row i reads only Q): in parallel, same bits whatever the threads.
                    java.util.stream.IntStream.range(0, d).parallel().forEach(i -> {
                        int o = i * d;
                        for (int k = 0; k < d; k++) {
                            double c = q[o + k] * b.lambda[k];
                            int ok = k * d;
                            for (int j = i; j < d; j++) {
                                out[o + j] += c * qt[ok + j];
                            }
                        }
                    });
                    for (int i = 0; i < d; i++) {
                        for (int j = 0; j < i; j++) {
                            out[i * d + j] = out[j * d + i];
                        }
                    }
                    s = out;
                    covariance = s;
                }
            }
        }
        return s;
    }

    // ---------------------------------------------------------------- accessors

    @Override
    public int dim() {
        return d;
    }

    public double spectrumLo() {
        return lo;
    }

    public double spectrumHi() {
        return hi;
    }

    public long rotationSeed() {
        return rotationSeed;
    }

    public double meanValue() {
        return mean;
    }

    /** Eigenvalues of S, ascending (a copy). */
    public double[] eigenvalues() {
        return basis().lambda.clone();
    }

    /** Q, row-major, eigenvector k of S in column k (a copy). */
    public double[] rotation() {
        return basis().q.clone();
    }

    /** The data covariance S (d x d, row-major, exactly symmetric; a copy). */
    public double[] covariance() {
        return covarianceShared().clone();
    }

    // ---------------------------------------------------------------- ModelSpec

    /** Analytic: no device; builds Q once for this object (ExecutorModels caches one per JVM and spec id). */
    @Override
    public ScoreModel build(ExecutionContext context) {
        basis();
        return this;
    }

    @Override
    public AnalyticTarget analyticTarget() {
        return this;
    }

    @Override
    public String id() {
        return "gaussian:d=" + d + ",spectrum=" + lo + ":" + hi + ",rotation-seed=" + rotationSeed + ",mean=" + mean;
    }

    /** Parameters, not the d^2 entries of S: those are identified by their SHA-256 (and written as a file). */
    @Override
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "gaussian-full-covariance");
        m.put("id", id());
        m.put("dim", d);
        Map<String, Object> sp = new LinkedHashMap<>();
        sp.put("lo", lo);
        sp.put("hi", hi);
        sp.put("spacing", "geometric: lambda_i = lo (hi/lo)^(i/(d-1))");
        m.put("spectrum", sp);
        m.put("rotation_seed", rotationSeed);
        m.put("rotation", "Q of G = QR with diag(R) > 0; row i of G = CounterNoise(rotation_seed) normals, stream "
                + "AUXILIARY, sample i, block " + ROTATION_BLOCK + ", step 0");
        m.put("mean", mean);
        m.put("covariance_sha256", covarianceSha256());
        m.put("covariance_sha256_of", "S as little-endian float64 in C order (the data section of "
                + COVARIANCE_FILE + ")");
        return m;
    }

    /** Hex SHA-256 of S as little-endian float64 bytes in C order: {@code sha256(np.load(f).tobytes())}. */
    public String covarianceSha256() {
        double[] s = covarianceShared();
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            ByteBuffer buf = ByteBuffer.allocate(8 * Math.min(s.length, 1 << 16)).order(ByteOrder.LITTLE_ENDIAN);
            for (double v : s) {
                if (!buf.hasRemaining()) {
                    md.update(buf.array(), 0, buf.position());
                    buf.clear();
                }
                buf.putDouble(v);
            }
            md.update(buf.array(), 0, buf.position());
            StringBuilder sb = new StringBuilder();
            for (byte x : md.digest()) {
                sb.append(String.format("%02x", x));
            }
            return sb.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    // ---------------------------------------------------------------- ScoreModel

    @Override
    public void score(double[] x, double[] t, int from, int n, double[] out) {
        Eigenbasis b = basis();
        double[] z = new double[GROUP * d];
        double[] u = new double[GROUP * d];
        for (int r0 = from; r0 < from + n; r0 += GROUP) {
            int g = Math.min(GROUP, from + n - r0);
            for (int r = 0; r < g; r++) {
                double a = OuProcess.alpha(t[r0 + r]);
                double am = a * mean;
                int xo = (r0 + r) * d;
                for (int i = 0; i < d; i++) {
                    z[r * d + i] = x[xo + i] - am;
                }
            }
            toEigenbasis(b.q, z, u, g);
            for (int r = 0; r < g; r++) {
                double tr = t[r0 + r];
                double a = OuProcess.alpha(tr);
                double a2 = a * a;
                double s2 = OuProcess.sigma2(tr);
                for (int j = 0; j < d; j++) {
                    u[r * d + j] /= a2 * b.lambda[j] + s2;
                }
            }
            fromEigenbasis(b.q, u, g, out, r0 * d, -1.0);
        }
    }

    /** {@code u_r = Q^T z_r} for rows r &lt; g: {@code u_r += z_r,i Q[i, :]} in the order i = 0..d-1. */
    private void toEigenbasis(double[] q, double[] z, double[] u, int g) {
        java.util.Arrays.fill(u, 0, g * d, 0.0);
        for (int i = 0; i < d; i++) {
            int qo = i * d;
            for (int r = 0; r < g; r++) {
                double zi = z[r * d + i];
                int uo = r * d;
                for (int j = 0; j < d; j++) {
                    u[uo + j] += zi * q[qo + j];
                }
            }
        }
    }

    /** {@code out_r = sign * Q u_r} for rows r &lt; g, written from {@code out[off]}; fixed-order dot products. */
    private void fromEigenbasis(double[] q, double[] u, int g, double[] out, int off, double sign) {
        for (int i = 0; i < d; i++) {
            int qo = i * d;
            for (int r = 0; r < g; r++) {
                out[off + r * d + i] = sign * dot(q, qo, u, r * d, d);
            }
        }
    }

    /** Dot product with four partial sums in a fixed order (the same bits whatever the caller's batch). */
    private static double dot(double[] a, int ao, double[] b, int bo, int n) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int j = 0;
        for (; j + 3 < n; j += 4) {
            s0 += a[ao + j] * b[bo + j];
            s1 += a[ao + j + 1] * b[bo + j + 1];
            s2 += a[ao + j + 2] * b[bo + j + 2];
            s3 += a[ao + j + 3] * b[bo + j + 3];
        }
        for (; j < n; j++) {
            s0 += a[ao + j] * b[bo + j];
        }
        return (s0 + s1) + (s2 + s3);
    }

    // ---------------------------------------------------------------- AnalyticTarget

    @Override
    public double logDensity(double[] x, int off, double t) {
        Eigenbasis b = basis();
        double a = OuProcess.alpha(t);
        double s2 = OuProcess.sigma2(t);
        double[] z = new double[d];
        for (int i = 0; i < d; i++) {
            z[i] = x[off + i] - a * mean;
        }
        double[] u = new double[d];
        toEigenbasis(b.q, z, u, 1);
        double lp = 0;
        for (int j = 0; j < d; j++) {
            double v = a * a * b.lambda[j] + s2;
            lp += u[j] * u[j] / v + StrictMath.log(v) + LOG_2PI;
        }
        return -0.5 * lp;
    }

    /** Row r: {@code alpha mu + Q diag(sqrt(alpha^2 lambda + sigma^2)) z_r}, z_r keyed by (seed, REFERENCE, r). */
    @Override
    public void sample(long seed, int n, double t, double[] out) {
        Eigenbasis b = basis();
        CounterNoise noise = new CounterNoise(seed);
        double a = OuProcess.alpha(t);
        double s2 = OuProcess.sigma2(t);
        double[] sd = new double[d];
        for (int j = 0; j < d; j++) {
            sd[j] = Math.sqrt(a * a * b.lambda[j] + s2);
        }
        double[] u = new double[GROUP * d];
        for (int r0 = 0; r0 < n; r0 += GROUP) {
            int g = Math.min(GROUP, n - r0);
            for (int r = 0; r < g; r++) {
                noise.normals(NoiseStream.REFERENCE, r0 + r, 0, 0, u, r * d, d);
                for (int j = 0; j < d; j++) {
                    u[r * d + j] *= sd[j];
                }
            }
            fromEigenbasis(b.q, u, g, out, r0 * d, 1.0);
            for (int i = r0 * d; i < (r0 + g) * d; i++) {
                out[i] += a * mean;
            }
        }
    }

    /** {@code E|X_0|^2 = tr S + d M^2}. */
    @Override
    public double secondMoment() {
        double tr = 0;
        for (double l : basis().lambda) {
            tr += l;
        }
        return tr + d * mean * mean;
    }

    /** {mean = alpha M 1, covariance = alpha^2 S + sigma^2 I (row-major d x d)}. */
    @Override
    public double[][] gaussianMoments(double t) {
        double a = OuProcess.alpha(t);
        double s2 = OuProcess.sigma2(t);
        double[] s = covarianceShared();
        double[] cov = new double[d * d];
        for (int i = 0; i < d * d; i++) {
            cov[i] = a * a * s[i];
        }
        for (int i = 0; i < d; i++) {
            cov[i * d + i] += s2;
        }
        double[] m = new double[d];
        java.util.Arrays.fill(m, a * mean);
        return new double[][] {m, cov};
    }

    /** The covariance S, as {@value #COVARIANCE_FILE}, so an independent check can rebuild the target. */
    @Override
    public List<OutputArray> extraOutputs() {
        return List.of(new OutputArray(COVARIANCE_FILE, d, d, covariance()));
    }

    /**
     * Spectral norm of the score's Jacobian {@code -(alpha^2 S + sigma^2 I)^{-1}}: {@code 1 / (alpha^2 LO +
     * sigma^2)}, the largest of {@code 1/(alpha^2 lambda_i + sigma^2)}; it grows to 1/LO at the data.
     */
    @Override
    public OptionalDouble scoreLipschitz(double t) {
        double a = OuProcess.alpha(t);
        return OptionalDouble.of(1 / (a * a * lo + OuProcess.sigma2(t)));
    }
}
