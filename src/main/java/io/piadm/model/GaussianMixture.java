package io.piadm.model;

import io.piadm.process.OuProcess;
import io.piadm.noise.CounterNoise;
import io.piadm.noise.NoiseStream;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Gaussian mixture target {@code sum_k w_k N(mu_k, S_k)} with isotropic ({@code S_k = s_k^2 I}) or
 * diagonal ({@code S_k = diag(s_k^2)}) covariances, and its exact score at every OU forward time
 * (docs/ALGORITHMS.md section 2).
 *
 * <p>Each component diffuses on its own: {@code p_t = sum_k w_k N(alpha mu_k, alpha^2 S_k + sigma^2 I)}, so
 * {@code grad log p_t(x) = sum_k r_k(x, t) * ( -(alpha^2 S_k + sigma^2 I)^{-1} (x - alpha mu_k) )} with
 * responsibilities {@code r_k = w_k N_k(x) / sum_j w_j N_j(x)} computed by log-sum-exp so that points far
 * from every mode (where every {@code N_k} underflows) still get finite, exact scores. Cost O(K d) per row;
 * components whose responsibility underflows to exactly 0 are skipped in the accumulation (bitwise the same
 * result, since they would add signed zeros).
 *
 * <p>Batch invariance: each output row depends only on its own input row; the per-time constants
 * (log-determinants) are cached per call for consecutive rows with the same t, which changes no bits.
 * Transcendentals use {@link StrictMath}.
 */
public final class GaussianMixture implements ModelSpec, ScoreModel, AnalyticTarget {
    private static final long serialVersionUID = 1L;
    private static final double LOG_2PI = StrictMath.log(2 * Math.PI);
    private static final double LN2 = StrictMath.log(2);

    /** Step index of the component-choice uniform in {@link #sample}; the normals use step 0. */
    private static final int SAMPLE_CHOICE_STEP = 1;

    private final int d;
    private final int k;
    private final double[] weights;
    private final double[] logWeights;
    /** K x d row-major. */
    private final double[] means;
    /** K entries (isotropic) or K x d row-major (diagonal). */
    private final double[] stds;
    private final boolean diagonal;
    /** Every std in [2^-100, 2^100]: enables the product form of the diagonal log-determinant. */
    private final boolean moderateStds;
    private final String id;

    /** Isotropic mixture: {@code stds[k]} is the standard deviation of every coordinate of component k. */
    public GaussianMixture(double[] weights, double[][] means, double[] stds) {
        this(weights, means, checkIsoStds(stds, means.length), false, null);
    }

    /** Diagonal mixture: {@code stds[k][i]} is the standard deviation of coordinate i of component k. */
    public GaussianMixture(double[] weights, double[][] means, double[][] stds) {
        this(weights, means, flattenDiagStds(stds, means), true, null);
    }

    private GaussianMixture(double[] weights, double[][] means, double[] flatStds, boolean diagonal, String id) {
        int kk = means.length;
        if (kk == 0) {
            throw new IllegalArgumentException("a mixture needs at least one component");
        }
        if (weights.length != kk) {
            throw new IllegalArgumentException(
                    "weights has " + weights.length + " entries but there are " + kk + " components");
        }
        int dd = means[0].length;
        if (dd == 0) {
            throw new IllegalArgumentException("dimension must be >= 1");
        }
        double total = 0;
        for (double w : weights) {
            if (!(w > 0) || !Double.isFinite(w)) {
                throw new IllegalArgumentException("weights must be finite and > 0, got " + w);
            }
            total += w;
        }
        this.d = dd;
        this.k = kk;
        this.weights = new double[kk];
        this.logWeights = new double[kk];
        for (int c = 0; c < kk; c++) {
            this.weights[c] = weights[c] / total;
            this.logWeights[c] = StrictMath.log(this.weights[c]);
        }
        this.means = new double[kk * dd];
        for (int c = 0; c < kk; c++) {
            if (means[c].length != dd) {
                throw new IllegalArgumentException("mean " + c + " has length " + means[c].length + ", expected " + dd);
            }
            for (int i = 0; i < dd; i++) {
                if (!Double.isFinite(means[c][i])) {
                    throw new IllegalArgumentException("means must be finite, got " + means[c][i]);
                }
                this.means[c * dd + i] = means[c][i];
            }
        }
        this.stds = flatStds;
        this.diagonal = diagonal;
        boolean moderate = true;
        for (double sd : flatStds) {
            moderate &= sd >= 0x1p-100 && sd <= 0x1p100;
        }
        this.moderateStds = moderate;
        this.id = id != null ? id : hashId();
    }

    private static double[] checkIsoStds(double[] stds, int kk) {
        if (stds.length != kk) {
            throw new IllegalArgumentException("stds has " + stds.length + " entries but there are " + kk + " components");
        }
        for (double s : stds) {
            checkStd(s);
        }
        return stds.clone();
    }

    private static double[] flattenDiagStds(double[][] stds, double[][] means) {
        if (stds.length != means.length) {
            throw new IllegalArgumentException("stds has " + stds.length + " rows but there are " + means.length + " components");
        }
        int dd = means.length == 0 ? 0 : means[0].length;
        double[] flat = new double[stds.length * dd];
        for (int c = 0; c < stds.length; c++) {
            if (stds[c].length != dd) {
                throw new IllegalArgumentException("stds row " + c + " has length " + stds[c].length + ", expected " + dd);
            }
            for (int i = 0; i < dd; i++) {
                checkStd(stds[c][i]);
                flat[c * dd + i] = stds[c][i];
            }
        }
        return flat;
    }

    private static void checkStd(double s) {
        if (!(s > 0) || !Double.isFinite(s)) {
            throw new IllegalArgumentException("std must be finite and > 0, got " + s);
        }
    }

    /**
     * The deterministic mixture of the CLI's {@code gmm:} spec (see {@link ModelSpecs}), a pure function of
     * its arguments:
     * <ul>
     *   <li>d = 1: means evenly spaced on {@code [-radius, radius]} (0 when k = 1);</li>
     *   <li>d = 2: means evenly spaced on the circle of the given radius, {@code mu_c = radius (cos 2 pi c/k,
     *       sin 2 pi c/k)} (k = 8 is the classic eight-Gaussians picture);</li>
     *   <li>d &gt; 2: {@code mu_c = radius * z_c / |z_c|}, z_c standard normal from
     *       {@code CounterNoise(seed)} (stream AUXILIARY, sample c, block {@value #BUILD_BLOCK}, step 0);</li>
     *   <li>weights {@code w_c proportional to 1 + u_c}, u_c uniform in (0, 1) from the same counter
     *       (sample c, step 1): deliberately unequal (ratios up to 2) so that occupancy tests can fail;</li>
     *   <li>every component isotropic with the same std.</li>
     * </ul>
     */
    public static GaussianMixture seeded(int d, int k, long seed, double std, double radius) {
        if (d < 1 || k < 1) {
            throw new IllegalArgumentException("d and k must be >= 1, got d=" + d + ", k=" + k);
        }
        if (!(radius >= 0) || !Double.isFinite(radius)) {
            throw new IllegalArgumentException("radius must be finite and >= 0, got " + radius);
        }
        checkStd(std);
        CounterNoise noise = new CounterNoise(seed);
        double[][] mu = new double[k][d];
        double[] w = new double[k];
        double[] stds = new double[k];
        double[] u = new double[1];
        for (int c = 0; c < k; c++) {
            if (d == 1) {
                mu[c][0] = k == 1 ? 0.0 : radius * (2.0 * c / (k - 1) - 1.0);
            } else if (d == 2) {
                double th = 2 * Math.PI * c / k;
                mu[c][0] = radius * StrictMath.cos(th);
                mu[c][1] = radius * StrictMath.sin(th);
            } else {
                noise.normals(NoiseStream.AUXILIARY, c, BUILD_BLOCK, 0, mu[c], 0, d);
                double n2 = 0;
                for (double z : mu[c]) {
                    n2 += z * z;
                }
                double scale = radius / StrictMath.sqrt(n2);
                for (int i = 0; i < d; i++) {
                    mu[c][i] *= scale;
                }
            }
            noise.uniforms(NoiseStream.AUXILIARY, c, BUILD_BLOCK, 1, u, 0, 1);
            w[c] = 1.0 + u[0];
            stds[c] = std;
        }
        String canonical = "gmm:d=" + d + ",k=" + k + ",seed=" + seed + ",std=" + std + ",radius=" + radius;
        return new GaussianMixture(w, mu, stds, false, canonical);
    }

    /** AUXILIARY-stream block used by {@link #seeded} (distinct from other users of that stream). */
    public static final int BUILD_BLOCK = 4;

    private String hashId() {
        ByteBuffer buf = ByteBuffer.allocate(8 * (weights.length + means.length + stds.length) + 1);
        for (double v : weights) {
            buf.putDouble(v);
        }
        for (double v : means) {
            buf.putDouble(v);
        }
        for (double v : stds) {
            buf.putDouble(v);
        }
        buf.put((byte) (diagonal ? 1 : 0));
        String h = io.piadm.io.Hashing.sha256Hex(buf.array()).substring(0, 16);
        return (diagonal ? "gmm-diagonal" : "gmm-isotropic") + ":d=" + d + ",k=" + k + ",sha256=" + h;
    }

    @Override
    public int dim() {
        return d;
    }

    /** Number of components K. */
    public int components() {
        return k;
    }

    /** Normalised weights. */
    public double[] weights() {
        return weights.clone();
    }

    /** Mean of component c. */
    public double[] mean(int c) {
        double[] m = new double[d];
        System.arraycopy(means, c * d, m, 0, d);
        return m;
    }

    public boolean isDiagonal() {
        return diagonal;
    }

    @Override
    public ScoreModel build(ExecutionContext context) {
        return this;
    }

    @Override
    public AnalyticTarget analyticTarget() {
        return this;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "gmm");
        m.put("covariance", diagonal ? "diagonal" : "isotropic");
        m.put("id", id);
        m.put("dim", d);
        m.put("components", k);
        m.put("weights", weights.clone());
        double[][] mu = new double[k][];
        for (int c = 0; c < k; c++) {
            mu[c] = mean(c);
        }
        m.put("means", mu);
        if (diagonal) {
            double[][] s = new double[k][d];
            for (int c = 0; c < k; c++) {
                System.arraycopy(stds, c * d, s[c], 0, d);
            }
            m.put("stds", s);
        } else {
            m.put("stds", stds.clone());
        }
        return m;
    }

    // ---------------------------------------------------------------- per-time constants and logits

    /** Per-call scratch: per-time constants for one t, reused while consecutive rows share it. */
    private final class Scratch {
        double t = Double.NaN;
        double a;
        double s2;
        /** Isotropic: per-component variance a^2 s_k^2 + sigma^2. */
        final double[] var = diagonal ? null : new double[k];
        /** log w_k - 1/2 log det(2 pi V_k): the logit of component k without its quadratic term. */
        final double[] logConst = new double[k];
        final double[] logit = new double[k];
        final int[] active = new int[k];
        final double[] resp = new double[k];

        void setTime(double tr) {
            if (Double.compare(tr, t) == 0) {
                return;
            }
            t = tr;
            a = OuProcess.alpha(tr);
            s2 = OuProcess.sigma2(tr);
            double a2 = a * a;
            for (int c = 0; c < k; c++) {
                double logDet;
                if (diagonal) {
                    // log prod v_i as one log of a product kept in [1, 2) by exact binary rescaling:
                    // d logs per component and time would dominate the cost at d = 4096 (K d of them).
                    // With every std in [2^-100, 2^100] each factor lies in [2^-200, 2^201], so a product
                    // rescaled whenever its exponent leaves [-512, 512] never over- or underflows.
                    int o = c * d;
                    if (moderateStds) {
                        double prod = 1;
                        long exp2 = 0;
                        for (int i = 0; i < d; i++) {
                            prod *= a2 * stds[o + i] * stds[o + i] + s2;
                            int e = Math.getExponent(prod);
                            if (e > 512 || e < -512) {
                                prod = Math.scalb(prod, -e);
                                exp2 += e;
                            }
                        }
                        logDet = StrictMath.log(prod) + exp2 * LN2;
                    } else {
                        logDet = 0;
                        for (int i = 0; i < d; i++) {
                            logDet += StrictMath.log(a2 * stds[o + i] * stds[o + i] + s2);
                        }
                    }
                } else {
                    double v = a2 * stds[c] * stds[c] + s2;
                    var[c] = v;
                    logDet = d * StrictMath.log(v);
                }
                logConst[c] = logWeights[c] - 0.5 * (logDet + d * LOG_2PI);
            }
        }
    }

    /**
     * Fills {@code s.logit[c] = log w_c + log N(x; a mu_c, V_c)} for the row at {@code x[off..off+d)}
     * ({@code s.setTime} already called) and returns their maximum.
     */
    private double logits(double[] x, int off, Scratch s) {
        double a = s.a;
        double a2 = a * a;
        double s2 = s.s2;
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < k; c++) {
            int o = c * d;
            double q = 0;
            if (diagonal) {
                for (int i = 0; i < d; i++) {
                    double z = x[off + i] - a * means[o + i];
                    q += z * z / (a2 * stds[o + i] * stds[o + i] + s2);
                }
            } else {
                for (int i = 0; i < d; i++) {
                    double z = x[off + i] - a * means[o + i];
                    q += z * z;
                }
                q /= s.var[c];
            }
            double l = s.logConst[c] - 0.5 * q;
            s.logit[c] = l;
            if (l > max) {
                max = l;
            }
        }
        return max;
    }

    /**
     * Responsibilities into {@code s.resp} and the list of components with non-zero responsibility into
     * {@code s.active}; returns how many are active. When every quadratic form overflows (a finite point so
     * far away, |x| around 1e150 or more, that double cannot hold its squared distance), the exact
     * responsibilities are one-hot to astronomical precision; see {@link #farResponsibility}.
     */
    private int responsibilities(double[] x, int off, Scratch s) {
        double max = logits(x, off, s);
        if (max == Double.NEGATIVE_INFINITY) {
            return farResponsibility(x, off, s);
        }
        double sum = 0;
        for (int c = 0; c < k; c++) {
            double e = StrictMath.exp(s.logit[c] - max);
            s.resp[c] = e;
            sum += e;
        }
        int na = 0;
        for (int c = 0; c < k; c++) {
            double r = s.resp[c] / sum;
            s.resp[c] = r;
            if (r != 0) {
                s.active[na++] = c;
            }
        }
        return na;
    }

    /**
     * Responsibilities when every quadratic form overflows. With {@code x = S y}, S = max |x_i|, the logit is
     * {@code logConst_c - 1/2 (S^2 A_c - 2 S B_c + C_c)} with {@code A_c = sum y_i^2 / v_ci},
     * {@code B_c = sum y_i a mu_ci / v_ci}, {@code C_c = sum (a mu_ci)^2 / v_ci}. At such S (&gt; 1e150) any
     * difference in A outweighs every B and C, and any difference in B every C, so the winner is found
     * lexicographically (smallest A, then largest B, then largest {@code logConst - C/2}) and gets all the mass.
     */
    private int farResponsibility(double[] x, int off, Scratch s) {
        double scale = 0;
        for (int i = 0; i < d; i++) {
            scale = Math.max(scale, Math.abs(x[off + i]));
        }
        if (!(scale > 0) || !Double.isFinite(scale)) {
            scale = 1; // NaN or infinite input: let it propagate through the score below
        }
        double a = s.a;
        double a2 = a * a;
        int best = -1;
        double bestA = 0;
        double bestB = 0;
        double bestC = 0;
        for (int c = 0; c < k; c++) {
            int o = c * d;
            double ac = 0;
            double bc = 0;
            double cc = 0;
            for (int i = 0; i < d; i++) {
                double y = x[off + i] / scale;
                double am = a * means[o + i];
                double v = diagonal ? a2 * stds[o + i] * stds[o + i] + s.s2 : s.var[c];
                ac += y * y / v;
                bc += y * am / v;
                cc += am * am / v;
            }
            double rest = s.logConst[c] - 0.5 * cc;
            boolean better = best < 0 || ac < bestA
                    || (ac == bestA && (bc > bestB || (bc == bestB && rest > bestC)));
            if (better) {
                best = c;
                bestA = ac;
                bestB = bc;
                bestC = rest;
            }
        }
        java.util.Arrays.fill(s.resp, 0.0);
        s.resp[best] = 1.0;
        s.active[0] = best;
        return 1;
    }

    // ---------------------------------------------------------------- ScoreModel

    @Override
    public void score(double[] x, double[] t, int from, int n, double[] out) {
        Scratch s = new Scratch();
        for (int r = from; r < from + n; r++) {
            s.setTime(t[r]);
            int o = r * d;
            int na = responsibilities(x, o, s);
            double a = s.a;
            double a2 = a * a;
            // Coordinate-outer loop: x_i is read before out_i is written, so out may alias x.
            for (int i = 0; i < d; i++) {
                double xi = x[o + i];
                double g = 0;
                for (int j = 0; j < na; j++) {
                    int c = s.active[j];
                    int mo = c * d + i;
                    double v = diagonal ? a2 * stds[mo] * stds[mo] + s.s2 : s.var[c];
                    g -= s.resp[c] * ((xi - a * means[mo]) / v);
                }
                out[o + i] = g;
            }
        }
    }

    // ---------------------------------------------------------------- AnalyticTarget

    @Override
    public double secondMoment() {
        // sum_k w_k (|mu_k|^2 + trace S_k)
        double m2 = 0;
        for (int c = 0; c < k; c++) {
            double e = 0;
            for (int i = 0; i < d; i++) {
                double sd = diagonal ? stds[c * d + i] : stds[c];
                e += means[c * d + i] * means[c * d + i] + sd * sd;
            }
            m2 += weights[c] * e;
        }
        return m2;
    }

    @Override
    public double logDensity(double[] x, int off, double t) {
        Scratch s = new Scratch();
        s.setTime(t);
        double max = logits(x, off, s);
        if (max == Double.NEGATIVE_INFINITY) {
            return max;
        }
        double sum = 0;
        for (int c = 0; c < k; c++) {
            sum += StrictMath.exp(s.logit[c] - max);
        }
        return max + StrictMath.log(sum);
    }

    /**
     * Index of the component with the largest responsibility at (x, t) (ties: the lowest index): the
     * mode-occupancy assignment of the metrics.
     */
    public int assign(double[] x, int off, double t) {
        Scratch s = new Scratch();
        s.setTime(t);
        double max = logits(x, off, s);
        if (max == Double.NEGATIVE_INFINITY) {
            farResponsibility(x, off, s);
            return s.active[0];
        }
        int best = 0;
        for (int c = 1; c < k; c++) {
            if (s.logit[c] > s.logit[best]) {
                best = c;
            }
        }
        return best;
    }

    /**
     * Row r: component chosen by inverse CDF of the weights from one uniform (REFERENCE stream, sample r,
     * block 0, step 1), then {@code a mu_c + sqrt(V_c) z} with z the standard normals of (REFERENCE, r, 0, 0),
     * the same normals DiagonalGaussian uses. A pure function of (seed, r).
     */
    @Override
    public void sample(long seed, int n, double t, double[] out) {
        CounterNoise noise = new CounterNoise(seed);
        double a = OuProcess.alpha(t);
        double a2 = a * a;
        double s2 = OuProcess.sigma2(t);
        double[] z = new double[d];
        double[] u = new double[1];
        for (int r = 0; r < n; r++) {
            noise.uniforms(NoiseStream.REFERENCE, r, 0, SAMPLE_CHOICE_STEP, u, 0, 1);
            int c = chooseComponent(u[0]);
            noise.normals(NoiseStream.REFERENCE, r, 0, 0, z, 0, d);
            int o = r * d;
            int mo = c * d;
            for (int i = 0; i < d; i++) {
                double sd = diagonal ? stds[mo + i] : stds[c];
                out[o + i] = a * means[mo + i] + StrictMath.sqrt(a2 * sd * sd + s2) * z[i];
            }
        }
    }

    private int chooseComponent(double u) {
        double cum = 0;
        for (int c = 0; c < k - 1; c++) {
            cum += weights[c];
            if (u < cum) {
                return c;
            }
        }
        return k - 1;
    }

    /** A one-component mixture is a diagonal Gaussian: its moments; null for K &gt; 1. */
    @Override
    public double[][] diagonalGaussianMoments(double t) {
        if (k != 1) {
            return null;
        }
        double a = OuProcess.alpha(t);
        double s2 = OuProcess.sigma2(t);
        double[] m = new double[d];
        double[] v = new double[d];
        for (int i = 0; i < d; i++) {
            double sd = diagonal ? stds[i] : stds[0];
            m[i] = a * means[i];
            v[i] = a * a * sd * sd + s2;
        }
        return new double[][] {m, v};
    }
}
