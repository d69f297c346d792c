package io.piadm.model;

import io.piadm.config.InvalidSettingException;
import io.piadm.config.Setting;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Class-conditional sampling with optional classifier-free guidance (docs/ALGORITHMS.md section 10), as a
 * model wrapper: sample {@code i} has label {@code classes[i mod len]}, derived inside the model from the
 * sample id each row carries. The sampler never sees labels, so the label is part of a sample's identity
 * the same way its noise is: Picard invariants, determinism under any batching and checkpoints all hold,
 * and {@link #id()} / {@link #describe()} (hence the run identity and its hash) include the class list and
 * the guidance weight.
 *
 * <p>Guidance {@code w}: {@code eps = eps_u + w (eps_c - eps_u)}, with eps_u the prediction at the null
 * label. The score is affine in the network output for every parameterisation (section 1), with
 * coefficients that do not depend on the label, so the same combination is applied to the scores. For
 * {@code w} other than 0 and 1 the conditional and unconditional rows go to the network in ONE call of
 * 2n rows (the same round, so guidance adds no rounds; network evaluations double).
 */
public final class ClassConditional implements ModelSpec {
    private static final long serialVersionUID = 1L;

    /** Largest accepted class list (the list is part of the spec shipped to executors). */
    public static final int MAX_CLASSES = 1 << 16;

    private final LabelledModelSpec base;
    private final long[] classes;
    private final double guidance;

    private ClassConditional(LabelledModelSpec base, long[] classes, double guidance) {
        this.base = base;
        this.classes = classes.clone();
        this.guidance = guidance;
    }

    /**
     * Wraps {@code spec} (an ONNX network with a label input, possibly inside a score-error wrapper, which
     * stays outermost) for the class list and guidance weight (null: 1, the conditional model alone).
     */
    public static ModelSpec wrap(ModelSpec spec, long[] classes, Double guidance) {
        return spec.withInner(inner -> wrapNetwork(inner, classes, guidance));
    }

    private static ModelSpec wrapNetwork(ModelSpec spec, long[] classes, Double guidance) {
        LabelledModelSpec ls = spec.unwrap(LabelledModelSpec.class);
        if (ls == null || !ls.hasLabelInput()) {
            throw new InvalidSettingException("{0} applies to a class-conditional network (a label input named "
                    + "class_labels or y, or given by inputs=X:T:LABEL), but " + spec.id() + " takes no label",
                    Setting.CLASSES);
        }
        double w = guidance == null ? 1.0 : guidance;
        if (!Double.isFinite(w) || w < 0) {
            throw InvalidSettingException.range(Setting.GUIDANCE, "a finite number >= 0", guidance);
        }
        if (w != 1.0 && ls.nullLabel() == null) {
            throw new InvalidSettingException("{0} " + w + " needs the unconditional label: add null-label=N to {1}",
                    Setting.GUIDANCE, Setting.MODEL);
        }
        return new ClassConditional(ls, classes, w);
    }

    /**
     * {@code --classes LIST}: {@code C}, {@code C1,C2,...} or a range {@code A..B} (inclusive), or a comma
     * list mixing both ({@code 0..4,7}); every label an integer >= 0.
     */
    public static long[] parseClasses(String list) {
        String allowed = "C, C1,C2,... or a range A..B of integers >= 0";
        if (list == null || list.isBlank()) {
            throw InvalidSettingException.range(Setting.CLASSES, allowed, "'" + list + "'");
        }
        List<Long> out = new ArrayList<>();
        try {
            for (String item : list.split(",", -1)) {
                String s = item.strip();
                int dots = s.indexOf("..");
                if (dots >= 0) {
                    long a = Long.parseLong(s.substring(0, dots).strip());
                    long b = Long.parseLong(s.substring(dots + 2).strip());
                    if (a < 0 || b < a || b - a >= MAX_CLASSES) {
                        throw new NumberFormatException();
                    }
                    for (long c = a; c <= b; c++) {
                        out.add(c);
                    }
                } else {
                    long c = Long.parseLong(s);
                    if (c < 0) {
                        throw new NumberFormatException();
                    }
                    out.add(c);
                }
                if (out.size() > MAX_CLASSES) {
                    throw new NumberFormatException();
                }
            }
        } catch (NumberFormatException e) {
            throw InvalidSettingException.range(Setting.CLASSES, allowed + " (at most " + MAX_CLASSES + " labels)",
                    "'" + list + "'");
        }
        long[] a = new long[out.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = out.get(i);
        }
        return a;
    }

    /** The label of sample {@code id}: {@code classes[id mod len]}. */
    public long label(long id) {
        return classes[(int) Math.floorMod(id, (long) classes.length)];
    }

    /** The labels of samples {@code first .. first+n)}. */
    public long[] labels(long first, int n) {
        long[] l = new long[n];
        for (int i = 0; i < n; i++) {
            l[i] = label(first + i);
        }
        return l;
    }

    /** The class-conditional wrapper inside {@code spec} (through a score-error wrapper), or null. */
    public static ClassConditional find(ModelSpec spec) {
        return spec.unwrap(ClassConditional.class);
    }

    @Override
    public <T> T unwrap(Class<T> type) {
        T self = ModelSpec.super.unwrap(type);
        return self != null ? self : base.unwrap(type);
    }

    public long[] classes() {
        return classes.clone();
    }

    public double guidance() {
        return guidance;
    }

    public LabelledModelSpec base() {
        return base;
    }

    /** Network rows per score: 2 under guidance (conditional and unconditional in one call), else 1. */
    public int networkRowsPerScore() {
        return guidance == 0.0 || guidance == 1.0 ? 1 : 2;
    }

    @Override
    public int dim() {
        return base.dim();
    }

    @Override
    public ScoreModel build(ExecutionContext context) {
        ScoreModel inner = base.build(context);
        if (!(inner instanceof LabelledScoreModel lm)) {
            inner.close();
            throw new IllegalStateException(base.id() + " built a model that takes no labels");
        }
        return new Conditioned(lm, this);
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

    private String classText() {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < classes.length; i++) {
            s.append(i > 0 ? ":" : "").append(classes[i]);
        }
        return s.toString();
    }

    @Override
    public String id() {
        return base.id() + ",classes=" + classText() + ",guidance=" + guidance;
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "class-conditional");
        m.put("classes", classes.clone());
        m.put("labelOfSample", "classes[id mod " + classes.length + "]");
        m.put("guidance", guidance);
        if (base.nullLabel() != null) {
            m.put("nullLabel", base.nullLabel());
        }
        m.put("guidanceRule", "eps = eps_u + w (eps_c - eps_u), conditional and unconditional rows in one network call"
                + " (docs/ALGORITHMS.md section 10)");
        m.put("networkRowsPerScore", networkRowsPerScore());
        m.put("base", base.describe());
        return m;
    }

    @Override
    public String toString() {
        return id();
    }

    /** Executor side: labels from sample ids, guidance in one batched call. */
    static final class Conditioned implements ScoreModel {
        private final LabelledScoreModel inner;
        private final ClassConditional spec;

        Conditioned(LabelledScoreModel inner, ClassConditional spec) {
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
            if (ids == null) {
                throw new IllegalStateException(spec.id() + ": a class-conditional model needs the sample id of each"
                        + " row (its label derives from it); this evaluation carried none");
            }
            int d = inner.dim();
            double w = spec.guidance;
            Integer nul = spec.base.nullLabel();
            int rows = spec.networkRowsPerScore() * n;
            double[] xs = new double[rows * d];
            double[] ts = new double[rows];
            long[] ls = new long[rows];
            for (int copy = 0; copy < rows / n; copy++) {
                System.arraycopy(x, from * d, xs, copy * n * d, n * d);
                System.arraycopy(t, from, ts, copy * n, n);
            }
            for (int r = 0; r < n; r++) {
                long c = spec.label(ids[from + r]);
                if (w == 0.0) {
                    ls[r] = nul;
                } else {
                    ls[r] = c;
                    if (rows > n) {
                        ls[n + r] = nul;
                    }
                }
            }
            double[] o = new double[rows * d];
            inner.scoreWithLabels(xs, ts, ls, 0, rows, o); // one call: conditional and unconditional rows together
            if (rows == n) {
                System.arraycopy(o, 0, out, from * d, n * d);
                return;
            }
            for (int i = 0; i < n * d; i++) {
                double sc = o[i];
                double su = o[n * d + i];
                out[from * d + i] = su + w * (sc - su);
            }
        }

        @Override
        public String toString() {
            return "class-conditional(" + inner + ")";
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClassConditional c && c.id().equals(id()) && Arrays.equals(c.classes, classes);
    }

    @Override
    public int hashCode() {
        return id().hashCode();
    }
}
