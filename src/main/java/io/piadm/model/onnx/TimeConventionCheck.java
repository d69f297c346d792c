package io.piadm.model.onnx;

import io.piadm.config.InvalidSettingException;
import io.piadm.config.Setting;
import io.piadm.noise.CounterNoise;
import io.piadm.noise.NoiseStream;
import io.piadm.process.OuProcess;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A cheap check, before sampling, that the network's time convention ({@code time=}, {@code steps=}) and
 * output ({@code param=}) are the ones it was trained with (docs/ALGORITHMS.md section 14). A wrong or omitted
 * {@code time=} otherwise samples garbage silently. One session on the driver's CPU scores a few hundred probe
 * rows under every candidate convention: the given one, and {@code time=ou} (float time inputs only),
 * {@code time=ddpm-linear} and {@code time=ddpm-cosine} with the given number of steps (1000 if none), each with
 * {@code param=eps}, {@code x0} and {@code v} (the output conversions need no extra evaluation).
 *
 * <ol>
 *   <li><b>Horizon probe</b> (needs no data): at the horizon T, {@code p_T} is N(0, I) up to {@code e^{-T}} times
 *       the data's second moment, so the exact noise prediction of {@code x ~ N(0, I)} is {@code eps = x} to that
 *       accuracy. Statistic: {@code H = mean ||eps_hat - x||^2 / mean ||x||^2} over {@value #HORIZON_ROWS} rows.</li>
 *   <li><b>Denoising probe</b>: at OU times {@link #PROBE_TIMES}, {@code x = alpha x0 + sigma z} with
 *       {@code x0} from the reference data (the training data, {@code --reference-data} or the model's report),
 *       else from a {@value #DDIM_STEPS}-step DDIM run of the network under that same candidate (no data
 *       needed; weaker). Statistic: the training loss {@code L = mean ||eps_hat - z||^2 / d} over the times
 *       ({@value #PROBE_ROWS} rows each, the same x0 and z for every candidate). The convention a network was
 *       trained with minimises it; predicting 0 gives 1.</li>
 * </ol>
 * Verdict: the given convention <i>fits</i> when {@code H <= 0.1} and its loss is within 10% (+0.01) of the best
 * candidate's. It is <i>refused</i> (with {@code check=on}, the default) when another candidate has
 * {@code H <= 0.1} and at most half its loss, or when its own {@code H > 0.5} while another's is at most 0.1;
 * otherwise a mismatch is a warning. {@code check=warn} only warns; {@code check=off} skips the probe. The
 * message names the convention that fits best.
 */
public final class TimeConventionCheck {
    private static final Logger LOG = LoggerFactory.getLogger(TimeConventionCheck.class);

    static final int HORIZON_ROWS = 64;
    static final int PROBE_ROWS = 96;
    static final int DDIM_STEPS = 25;
    static final double[] PROBE_TIMES = {0.02, 0.1, 0.4, 1.2, 3.0};
    static final double H_FIT = 0.1;
    static final double H_BAD = 0.5;
    /** Noise stream block of the probe (AUXILIARY stream, its own block: never a sample's noise). */
    static final int NOISE_BLOCK = 11;

    private TimeConventionCheck() {}

    /** One candidate: a time map and a parameterisation, with its statistics. */
    static final class Candidate {
        final TimeMap.Kind kind;
        final int steps;
        final Parameterisation param;
        final boolean given;
        double horizon;
        double loss;
        double[] lossPerTime;

        Candidate(TimeMap.Kind kind, int steps, Parameterisation param, boolean given) {
            this.kind = kind;
            this.steps = steps;
            this.param = param;
            this.given = given;
        }

        String convention() {
            return "param=" + param.option() + "," + (kind == TimeMap.Kind.OU ? "time=ou"
                    : "time=" + kind.option() + ",steps=" + steps);
        }

        Map<String, Object> describe() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("convention", convention());
            m.put("horizonError", horizon);
            m.put("denoisingLoss", loss);
            m.put("lossPerTime", lossPerTime);
            return m;
        }
    }

    /**
     * Runs the check on {@code spec}; {@code data} (rows x d, or null) is the reference data; {@code labels}
     * gives the label of probe row i for a class-conditional network (null: the null label). Returns what
     * run.json records; throws an InvalidSettingException of the model setting on refusal.
     */
    public static Map<String, Object> run(OnnxModelSpec spec, double horizon, double[] data, int rows,
            long[] labels, String dataSource) {
        Map<String, Object> report = new LinkedHashMap<>();
        if (spec.check() == OnnxModelSpec.Check.OFF) {
            report.put("skipped", "check=off");
            return report;
        }
        boolean integer = spec.signature().tType.isInteger();
        int n = spec.time() == TimeMap.Kind.OU ? TimeMap.DEFAULT_STEPS : spec.steps();
        List<Candidate> cands = new ArrayList<>();
        // (time map, steps) pairs: the given one first, then the other maps with the given steps and with 1000.
        List<TimeMap.Kind> kinds = new ArrayList<>();
        List<Integer> stepsOf = new ArrayList<>();
        kinds.add(spec.time());
        stepsOf.add(spec.steps());
        for (int ns : n == TimeMap.DEFAULT_STEPS ? new int[] {n} : new int[] {n, TimeMap.DEFAULT_STEPS}) {
            for (TimeMap.Kind k : TimeMap.Kind.values()) {
                int st = k == TimeMap.Kind.OU ? 0 : ns;
                boolean seen = false;
                for (int i = 0; i < kinds.size(); i++) {
                    seen |= kinds.get(i) == k && stepsOf.get(i) == st;
                }
                if (!seen && !(integer && k == TimeMap.Kind.OU)) {
                    kinds.add(k);
                    stepsOf.add(st);
                }
            }
        }
        int d = spec.dim();
        boolean haveData = data != null && rows >= 1;
        CounterNoise noise = new CounterNoise(0x7135C0DEL);
        try (OnnxScoreModel m = OnnxScoreModel.open(spec, null, 1, null, false)) {
            // x0 of the denoising probe: the data, the same for every candidate (common random numbers); without
            // data, each time map's own DDIM samples ("self-consistency": the training convention denoises its
            // own samples best). Output conversions are compared on data only: a wrong one can make samples that
            // are easier to denoise.
            double[] dataBase = haveData ? pick(data, rows, d, PROBE_ROWS)[0] : null;
            for (int ki = 0; ki < kinds.size(); ki++) {
                TimeMap.Kind k = kinds.get(ki);
                int steps = stepsOf.get(ki);
                TimeMap map = TimeMap.of(k, Math.max(2, steps));
                boolean snap = integer || (spec.integerSteps() && k != TimeMap.Kind.OU);
                Probe probe = new Probe(m, map, k == TimeMap.Kind.OU ? TimeMap.ou() : map, snap, d, labels);
                // Raw outputs at the horizon and the probe times; each parameterisation converts them.
                double th = probe.snapTime(horizon);
                double[] xh = normals(noise, 0, HORIZON_ROWS, d);
                float[] oh = probe.raw(xh, th, HORIZON_ROWS);
                double[] base = haveData ? dataBase : probe.ddim(horizon, spec.param(), noise);
                // Without data, only time maps are compared (output conversions differ mostly near the data).
                for (Parameterisation p : haveData ? paramsFor(spec.param()) : List.of(spec.param())) {
                    boolean given = ki == 0 && p == spec.param();
                    Candidate c = new Candidate(k, steps, p, given);
                    c.horizon = horizonError(oh, xh, th, p, HORIZON_ROWS, d);
                    c.lossPerTime = new double[PROBE_TIMES.length];
                    double sum = 0;
                    for (int i = 0; i < PROBE_TIMES.length; i++) {
                        double tau = probe.snapTime(PROBE_TIMES[i]);
                        double[] z = normals(noise, 1 + i, PROBE_ROWS, d);
                        double[] x = new double[PROBE_ROWS * d];
                        double a = OuProcess.alpha(tau);
                        double s = OuProcess.sigma(tau);
                        for (int j = 0; j < x.length; j++) {
                            x[j] = a * base[j] + s * z[j];
                        }
                        float[] o = probe.raw(x, tau, PROBE_ROWS);
                        double l = 0;
                        for (int j = 0; j < x.length; j++) {
                            double e = eps(p, o[j], x[j], a, s) - z[j];
                            l += e * e;
                        }
                        c.lossPerTime[i] = l / x.length;
                        sum += c.lossPerTime[i];
                    }
                    c.loss = sum / PROBE_TIMES.length;
                    cands.add(c);
                }
            }
        }
        Candidate given = cands.get(0);
        for (Candidate c : cands) {
            if (c.given) {
                given = c;
            }
        }
        Candidate best = null;
        for (Candidate c : cands) {
            if (c.horizon <= H_FIT && (best == null || c.loss < best.loss)) {
                best = c;
            }
        }
        if (best == null) {
            best = given;
            for (Candidate c : cands) {
                if (c.loss < best.loss) {
                    best = c;
                }
            }
        }
        boolean fits = given.horizon <= H_FIT && given.loss <= 1.1 * best.loss + 0.01;
        // The horizon probe speaks for eps and score outputs only: converted from x0 or v, eps = (x - alpha x0)/sigma
        // and sigma x + alpha v both tend to x as alpha -> 0, whatever the network says. A horizon refusal
        // therefore needs a candidate with the same output and another time map that passes it.
        Candidate horizonFit = null;
        if (informative(given.param) && given.horizon > H_BAD) {
            for (Candidate c : cands) {
                if (c.param == given.param && c != given && c.horizon <= H_FIT
                        && (horizonFit == null || c.loss < horizonFit.loss)) {
                    horizonFit = c;
                }
            }
        }
        if (horizonFit != null && (!haveData || horizonFit.loss <= 1.1 * best.loss + 0.01)) {
            best = horizonFit;
        }
        // Without data the loss comparison rests on the network's own samples: a mismatch there only warns.
        boolean clearlyWrong = best != given && best.horizon <= H_FIT
                && ((haveData && given.loss > 2 * best.loss) || horizonFit == best);
        String verdict = fits ? "fits" : clearlyWrong && spec.check() == OnnxModelSpec.Check.ON ? "refused" : "warning";
        report.put("checked", "horizon probe (x ~ N(0, I) at T: eps should be x) and denoising probe (training loss"
                + " on x = alpha x0 + sigma z at OU times " + java.util.Arrays.toString(PROBE_TIMES) + ") for each"
                + " candidate convention (docs/ALGORITHMS.md section 14)");
        report.put("data", haveData ? dataSource : "none: x0 from a " + DDIM_STEPS + "-step DDIM run of the network"
                + " under each time map (self-consistency); only time maps compared, and a loss mismatch only warns");
        report.put("given", given.convention());
        report.put("bestFit", best.convention());
        report.put("verdict", verdict);
        List<Object> all = new ArrayList<>();
        for (Candidate c : cands) {
            all.add(c.describe());
        }
        report.put("candidates", all);
        if (!fits) {
            String figures = haveData
                    ? String.format(Locale.ROOT, "training loss %.3g vs %.3g on %s, horizon error %.3g vs %.3g",
                            best.loss, given.loss, dataSource, best.horizon, given.horizon)
                    : String.format(Locale.ROOT, "horizon error %.3g vs %.3g, training loss on its own DDIM samples"
                            + " %.3g vs %.3g; reference data (the " + io.piadm.config.Setting.REFERENCE_DATA.key()
                            + " setting) gives a stronger check", best.horizon, given.horizon,
                            best.loss, given.loss);
            String msg = given.convention() + " does not look like this network's convention: " + best.convention()
                    + " fits better (" + figures + ")" + (spec.timeGiven() ? "" : "; time= was omitted");
            report.put("message", msg);
            if (verdict.equals("refused")) {
                throw InvalidSettingException.model(spec.label() + ": " + msg + ". Give the convention in the spec, or"
                        + " add check=warn to sample anyway");
            }
            LOG.warn("{}: {}", spec.label(), msg);
        }
        return report;
    }

    /** Whether the horizon probe says anything about a candidate with this output (see run). */
    static boolean informative(Parameterisation p) {
        return p == Parameterisation.EPS || p == Parameterisation.SCORE;
    }

    private static List<Parameterisation> paramsFor(Parameterisation given) {
        List<Parameterisation> ps = new ArrayList<>();
        ps.add(given);
        for (Parameterisation p : new Parameterisation[] {Parameterisation.EPS, Parameterisation.X0, Parameterisation.V}) {
            if (p != given) {
                ps.add(p);
            }
        }
        return ps;
    }

    /** eps implied by the raw output {@code o} under parameterisation p (section 1). */
    static double eps(Parameterisation p, double o, double x, double alpha, double sigma) {
        return -sigma * p.toScore(o, x, alpha, sigma);
    }

    private static double horizonError(float[] o, double[] x, double t, Parameterisation p, int rows, int d) {
        double a = OuProcess.alpha(t);
        double s = OuProcess.sigma(t);
        double num = 0;
        double den = 0;
        for (int j = 0; j < rows * d; j++) {
            double e = eps(p, o[j], x[j], a, s) - x[j];
            num += e * e;
            den += x[j] * x[j];
        }
        return num / den;
    }

    private static double[] normals(CounterNoise noise, int step, int rows, int d) {
        double[] z = new double[rows * d];
        for (int r = 0; r < rows; r++) {
            noise.normals(NoiseStream.AUXILIARY, r, NOISE_BLOCK, step, z, r * d, d);
        }
        return z;
    }

    /** {@code k} data rows spread over the set (row i * rows / k), as one array in [0]. */
    private static double[][] pick(double[] data, int rows, int d, int k) {
        double[] out = new double[k * d];
        for (int i = 0; i < k; i++) {
            int r = (int) ((long) i * rows / k) % rows;
            System.arraycopy(data, r * d, out, i * d, d);
        }
        return new double[][] {out};
    }

    /** The network under one candidate time map. */
    private static final class Probe {
        final OnnxScoreModel model;
        final TimeMap map;
        final boolean snap;
        final int d;
        final long[] labels;

        Probe(OnnxScoreModel model, TimeMap map, TimeMap effective, boolean snap, int d, long[] labels) {
            this.model = model;
            this.map = effective;
            this.snap = snap;
            this.d = d;
            this.labels = labels;
        }

        /** The OU time this candidate evaluates at for t: the nearest training step when snapped. */
        double snapTime(double t) {
            return snap ? map.stepTime(map.nearestStep(t)) : t;
        }

        float[] raw(double[] x, double t, int rows) {
            double[] in = new double[rows];
            java.util.Arrays.fill(in, snap ? map.nearestStep(t) : map.networkTime(t));
            long[] l = null;
            if (labels != null) {
                l = new long[rows];
                for (int i = 0; i < rows; i++) {
                    l[i] = labels[i % labels.length];
                }
            }
            return model.networkAtInputTimes(x, in, l, rows);
        }

        /** x0 estimates from a DDIM run (eta = 0) from N(0, I) at T down to OU time 0.01, under this candidate. */
        double[] ddim(double horizon, Parameterisation p, CounterNoise noise) {
            double[] x = normals(noise, 100, PROBE_ROWS, d);
            double lo = 0.01;
            double[] ts = new double[DDIM_STEPS + 1];
            for (int j = 0; j <= DDIM_STEPS; j++) {
                ts[j] = snapTime(horizon * Math.pow(lo / horizon, (double) j / DDIM_STEPS));
            }
            double[] x0 = new double[x.length];
            for (int j = 0; j < DDIM_STEPS; j++) {
                double t = ts[j];
                if (j > 0 && t == ts[j - 1]) {
                    continue;
                }
                double a = OuProcess.alpha(t);
                double s = OuProcess.sigma(t);
                float[] o = raw(x, t, PROBE_ROWS);
                double a2 = OuProcess.alpha(ts[j + 1]);
                double s2 = OuProcess.sigma(ts[j + 1]);
                for (int i = 0; i < x.length; i++) {
                    double e = eps(p, o[i], x[i], a, s);
                    double x0i = (x[i] - s * e) / a;
                    if (!Double.isFinite(x0i)) {
                        x0i = 0;
                    }
                    x0[i] = Math.max(-1e3, Math.min(1e3, x0i));
                    x[i] = a2 * x0[i] + s2 * e;
                }
            }
            return x0;
        }
    }

    /**
     * Scores one row per distinct label (and the null label) so that a label the network cannot take (an
     * embedding index out of range) is refused before sampling, naming {@code --classes}.
     */
    public static void checkLabels(OnnxModelSpec spec, long[] classes, Integer nullLabel) {
        java.util.TreeSet<Long> distinct = new java.util.TreeSet<>();
        for (long c : classes) {
            distinct.add(c);
        }
        if (nullLabel != null) {
            distinct.add((long) nullLabel);
        }
        try (OnnxScoreModel m = OnnxScoreModel.open(spec, null, 1, null, false)) {
            int d = spec.dim();
            for (long c : distinct) {
                double[] t = {1.0};
                double[] x = new double[d];
                double[] in = {spec.integerSteps() ? spec.timeMap().nearestStep(1.0) : spec.timeMap().networkTime(1.0)};
                try {
                    float[] o = m.networkAtInputTimes(x, in, new long[] {c}, 1);
                    for (float v : o) {
                        if (!Float.isFinite(v)) {
                            throw new IllegalStateException("non-finite output");
                        }
                    }
                } catch (RuntimeException e) {
                    String why = e.getMessage() == null ? e.toString() : e.getMessage();
                    Setting s = nullLabel != null && c == nullLabel ? Setting.MODEL : Setting.CLASSES;
                    throw new InvalidSettingException("{0}: label " + c + " is rejected by the network ("
                            + why.lines().findFirst().orElse(why) + ")", e, s);
                }
            }
        }
    }
}
