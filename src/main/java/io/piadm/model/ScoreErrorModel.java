package io.piadm.model;

import io.piadm.noise.CounterNoise;
import io.piadm.noise.NoiseStream;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A perturbed score {@code s_theta(x, t) = score(x, t) + eps * u(x, t)} for robustness studies
 * (docs/ALGORITHMS.md section 2; the paper's bounds assume an L2 score error, this lets one dial it in).
 *
 * <p>The field is fixed, smooth, bounded and O(d):
 * {@code u_i(x, t) = sin(a_i x_i + b_i x_{p(i)} + c_i t + phi_i)}, with {@code a_i, b_i, c_i} standard
 * normals, {@code phi_i} uniform on (0, 2 pi) and the partner coordinate {@code p(i)} uniform on {0..d-1},
 * all drawn from {@code CounterNoise(errorSeed)} (stream AUXILIARY, block {@value #FIELD_BLOCK}). So
 * {@code |u_i| <= 1}, {@code ||eps u|| <= eps sqrt(d)} (about {@code eps sqrt(d/2)} on average), and u is
 * Lipschitz in x with constant at most {@code max_i (|a_i| + |b_i|)}.
 *
 * <p>Only the score changes: {@link #analyticTarget()} is the wrapped model's exact target, so metrics still
 * measure the distance to the true p_eta.
 */
public final class ScoreErrorModel implements ModelSpec {
    private static final long serialVersionUID = 1L;

    /** AUXILIARY-stream block of the field's parameters (distinct from other users of that stream). */
    public static final int FIELD_BLOCK = 1;

    private final ModelSpec base;
    private final double eps;
    private final long errorSeed;
    private final double[] a;
    private final double[] b;
    private final double[] c;
    private final double[] phi;
    private final int[] partner;

    public ScoreErrorModel(ModelSpec base, double eps, long errorSeed) {
        if (!(eps >= 0) || !Double.isFinite(eps)) {
            throw new IllegalArgumentException("score-error eps must be finite and >= 0, got " + eps);
        }
        this.base = base;
        this.eps = eps;
        this.errorSeed = errorSeed;
        int d = base.dim();
        CounterNoise noise = new CounterNoise(errorSeed);
        this.a = noise.normals(NoiseStream.AUXILIARY, 0, FIELD_BLOCK, 0, d);
        this.b = noise.normals(NoiseStream.AUXILIARY, 0, FIELD_BLOCK, 1, d);
        this.c = noise.normals(NoiseStream.AUXILIARY, 0, FIELD_BLOCK, 2, d);
        double[] u = noise.uniforms(NoiseStream.AUXILIARY, 0, FIELD_BLOCK, 3, d);
        double[] v = noise.uniforms(NoiseStream.AUXILIARY, 0, FIELD_BLOCK, 4, d);
        this.phi = new double[d];
        this.partner = new int[d];
        for (int i = 0; i < d; i++) {
            phi[i] = 2 * Math.PI * u[i];
            partner[i] = Math.min(d - 1, (int) (v[i] * d));
        }
    }

    @Override
    public String modelFile() {
        return base.modelFile();
    }

    @Override
    public double[] trainingTimes() {
        return base.trainingTimes();
    }

    @Override
    public long[] rowShape() {
        return base.rowShape();
    }

    public ModelSpec base() {
        return base;
    }

    @Override
    public <T> T unwrap(Class<T> type) {
        T self = ModelSpec.super.unwrap(type);
        return self != null ? self : base.unwrap(type);
    }

    @Override
    public ModelSpec withInner(java.util.function.UnaryOperator<ModelSpec> inner) {
        return new ScoreErrorModel(base.withInner(inner), eps, errorSeed);
    }

    public double eps() {
        return eps;
    }

    public long errorSeed() {
        return errorSeed;
    }

    @Override
    public int dim() {
        return base.dim();
    }

    @Override
    public ScoreModel build(ExecutionContext context) {
        return new Perturbed(base.build(context), this);
    }

    /** Wraps an already built score model of {@link #base()} (tests, local use). */
    public ScoreModel wrap(ScoreModel built) {
        if (built.dim() != dim()) {
            throw new IllegalArgumentException("dimension mismatch: " + built.dim() + " vs " + dim());
        }
        return new Perturbed(built, this);
    }

    @Override
    public String id() {
        return base.id() + ",score-error=" + eps + ",error-seed=" + errorSeed;
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "score-error");
        m.put("id", id());
        m.put("eps", eps);
        m.put("error_seed", errorSeed);
        m.put("field", "u_i(x,t) = sin(a_i x_i + b_i x_p(i) + c_i t + phi_i); a,b,c ~ N(0,1), phi ~ U(0,2pi), "
                + "p(i) ~ U{0..d-1}, from CounterNoise(error_seed), stream AUXILIARY, block " + FIELD_BLOCK);
        m.put("base", base.describe());
        return m;
    }

    @Override
    public AnalyticTarget analyticTarget() {
        return base.analyticTarget();
    }

    /** The field u at one row: {@code out[off + i] = u_i(x, t)}. */
    public void field(double[] x, int off, double t, double[] out, int outOff) {
        int d = a.length;
        for (int i = 0; i < d; i++) {
            out[outOff + i] = StrictMath.sin(a[i] * x[off + i] + b[i] * x[off + partner[i]] + c[i] * t + phi[i]);
        }
    }

    /** Executor-side perturbed score. */
    static final class Perturbed implements ScoreModel {
        private final ScoreModel inner;
        private final ScoreErrorModel spec;

        Perturbed(ScoreModel inner, ScoreErrorModel spec) {
            this.inner = inner;
            this.spec = spec;
        }

        @Override
        public int dim() {
            return inner.dim();
        }

        @Override
        public void close() {
            inner.close();
        }

        @Override
        public void score(double[] x, double[] t, int from, int n, double[] out) {
            score(x, t, null, from, n, out);
        }

        @Override
        public void score(double[] x, double[] t, long[] ids, int from, int n, double[] out) {
            int d = spec.a.length;
            if (out == x) {
                // The field reads x after the inner score has written out: keep the rows' inputs.
                double[] copy = new double[n * d];
                System.arraycopy(x, from * d, copy, 0, n * d);
                inner.score(x, t, ids, from, n, out);
                addField(copy, 0, t, from, n, out);
            } else {
                inner.score(x, t, ids, from, n, out);
                addField(x, from * d, t, from, n, out);
            }
        }

        private void addField(double[] x, int xOff, double[] t, int from, int n, double[] out) {
            int d = spec.a.length;
            double eps = spec.eps;
            for (int r = 0; r < n; r++) {
                int xo = xOff + r * d;
                int o = (from + r) * d;
                double tr = t[from + r];
                for (int i = 0; i < d; i++) {
                    double u = StrictMath.sin(spec.a[i] * x[xo + i] + spec.b[i] * x[xo + spec.partner[i]]
                            + spec.c[i] * tr + spec.phi[i]);
                    out[o + i] += eps * u;
                }
            }
        }
    }
}
