package io.piadm.bench;

import io.piadm.eval.LocalEvaluator;
import io.piadm.model.DiagonalGaussian;
import io.piadm.sampler.Integrator;
import io.piadm.sampler.PicardOptions;
import io.piadm.sampler.SamplerConfig;
import io.piadm.sampler.SamplerKind;
import io.piadm.sampler.SamplingDriver;
import io.piadm.sampler.SamplingListener;
import io.piadm.sampler.SamplingResult;
import io.piadm.schedule.Schedule;
import io.piadm.schedule.ScheduleConfig;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The paper's headline as an experiment (docs/ALGORITHMS.md section 7, invariant 5), for every scheme of
 * sections 4 and 6b-6c: for each dimension d, choose the smallest steps-per-block M for which the
 * sequential SDE sampler's exact KL to p_eta (closed form, {@link SequentialGaussianLaw}) is at most a fixed
 * target; then, on that grid, record each scheme's rounds and score evaluations per sample (from real
 * samples) and the exact KL of its output law ({@link SamplerLaw}). The target is N(0.5, 0.25 I). A
 * tolerance study repeats one d over several Picard tolerances.
 */
public final class ScalingBenchmark {
    private ScalingBenchmark() {}

    static final double MEAN = 0.5;
    static final double STD = 0.5;

    /** One scheme: a label, the sampler kind and how it sets the Picard options. */
    public static final class Scheme {
        public final String label;
        final SamplerKind kind;
        final UnaryOperator<PicardOptions> options;

        Scheme(String label, SamplerKind kind, UnaryOperator<PicardOptions> options) {
            this.label = label;
            this.kind = kind;
            this.options = options;
        }
    }

    /**
     * The schemes compared: sequential, then blockwise and wavefront Picard, each plain, with the frozen
     * front and warm start ("lean"), with Anderson ({@code m} iterates), and with all of them.
     */
    public static List<Scheme> schemes(int anderson) {
        PicardOptions.Scheme wave = PicardOptions.Scheme.WAVEFRONT;
        String aa = "anderson" + anderson;
        List<Scheme> out = new ArrayList<>();
        out.add(new Scheme("sequential", SamplerKind.SDE, p -> p));
        for (String scheme : new String[] {"blockwise", "wavefront"}) {
            // Plain Picard: the paper's initialisation, every point re-evaluated (the defaults are lean).
            UnaryOperator<PicardOptions> base = scheme.equals("wavefront")
                    ? p -> p.withScheme(wave).withFrozenFront(false).withWarmStart(false)
                    : p -> p.withFrozenFront(false).withWarmStart(false);
            out.add(new Scheme(scheme, SamplerKind.PIADM_SDE, base));
            out.add(new Scheme(scheme + "+lean", SamplerKind.PIADM_SDE,
                    p -> base.apply(p).withFrozenFront(true).withWarmStart(true)));
            out.add(new Scheme(scheme + "+" + aa, SamplerKind.PIADM_SDE, p -> base.apply(p).withAnderson(anderson)));
            out.add(new Scheme(scheme + "+lean+" + aa, SamplerKind.PIADM_SDE,
                    p -> base.apply(p).withFrozenFront(true).withWarmStart(true).withAnderson(anderson)));
        }
        return out;
    }

    /** The smallest M whose grid gives the sequential SDE an exact KL of at most {@code targetKl} at d. */
    public static int stepsForKl(int d, double targetKl) {
        DiagonalGaussian g = DiagonalGaussian.isotropic(d, MEAN, STD);
        int lo = 1;
        int hi = 1;
        while (SequentialGaussianLaw.kl(g, grid(d, hi), Integrator.SDE) > targetKl) {
            lo = hi + 1;
            hi *= 2;
            if (hi > (1 << 16)) {
                throw new IllegalArgumentException("target KL " + targetKl + " needs more than 65536 steps per block at d=" + d);
            }
        }
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (SequentialGaussianLaw.kl(g, grid(d, mid), Integrator.SDE) <= targetKl) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return hi;
    }

    static Schedule grid(int d, int m) {
        return new ScheduleConfig(d).stepsPerBlock(m).build();
    }

    /** Rounds, evaluations per sample (from {@code samples} real samples) and the exact KL of one scheme. */
    public static Map<String, Object> measure(Scheme sc, Schedule s, int d, double tolerance, int samples, long seed) {
        DiagonalGaussian g = DiagonalGaussian.isotropic(d, MEAN, STD);
        SamplerConfig cfg = SamplerConfig.of(s, seed)
                .withPicard(sc.options.apply(PicardOptions.tolerance(tolerance, null)));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("scheme", sc.label);
        if (sc.kind == SamplerKind.SDE) {
            m.put("rounds", (long) s.totalSteps());
            m.put("evaluationsPerSample", (double) s.totalSteps());
            m.put("exactKl", SequentialGaussianLaw.kl(g, s, Integrator.SDE));
            return m;
        }
        SamplingResult r;
        try (LocalEvaluator ev = LocalEvaluator.allCores(g)) {
            io.piadm.sampler.Sampler sampler = sc.kind.create(cfg, d);
            int batch = SamplingDriver.defaultBatchSize(sampler, d, samples);
            r = new SamplingDriver(sampler, ev, batch).run(0, samples, SamplingListener.NONE);
        }
        SamplerLaw.Result law = SamplerLaw.of(sc.kind, cfg, d, MEAN, STD, Runtime.getRuntime().availableProcessors());
        m.put("rounds", r.rounds());
        m.put("evaluationsPerSample", r.evaluationsPerSample());
        m.put("exactKl", law.kl);
        m.put("lawRounds", law.rounds);
        return m;
    }

    /** One row of the scaling table: the grid for d and every scheme on it. */
    public static Map<String, Object> row(int d, double targetKl, double tolerance, int samples, long seed,
            List<Scheme> schemes, Consumer<Map<String, Object>> onScheme) {
        int m = stepsForKl(d, targetKl);
        Schedule s = grid(d, m);
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("d", d);
        row.put("blocks", s.blockCount());
        row.put("stepsPerBlock", m);
        row.put("totalSteps", s.totalSteps());
        List<Map<String, Object>> out = new ArrayList<>();
        for (Scheme sc : schemes) {
            Map<String, Object> e = measure(sc, s, d, tolerance, samples, seed);
            e.put("d", d);
            out.add(e);
            onScheme.accept(e);
        }
        row.put("schemes", out);
        return row;
    }

    /** The whole table, plus each scheme's growth of rounds from the first to the last d and its slope in ln d. */
    public static Map<String, Object> run(int[] dims, double targetKl, double tolerance, int samples, long seed,
            List<Scheme> schemes, Consumer<Map<String, Object>> onScheme) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int d : dims) {
            rows.add(row(d, targetKl, tolerance, samples, seed, schemes, onScheme));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("target", "N(0.5, 0.25 I)");
        out.put("targetKl", targetKl);
        out.put("tolerance", tolerance);
        out.put("samples", samples);
        out.put("rows", rows);
        Map<String, Object> growth = new LinkedHashMap<>();
        double[] lnD = new double[dims.length];
        for (int i = 0; i < dims.length; i++) {
            lnD[i] = Math.log(dims[i]);
        }
        for (int k = 0; k < schemes.size(); k++) {
            double[] ln = new double[dims.length];
            for (int i = 0; i < dims.length; i++) {
                ln[i] = Math.log(rounds(rows.get(i), k));
            }
            Map<String, Object> gk = new LinkedHashMap<>();
            gk.put("roundsRatioLastToFirst", rounds(rows.get(dims.length - 1), k) / rounds(rows.get(0), k));
            // Slope of ln(rounds) against ln(d): d^p shows p; a polylog a slope that falls toward 0.
            gk.put("exponent", slope(lnD, ln));
            growth.put(schemes.get(k).label, gk);
        }
        out.put("growth", growth);
        return out;
    }

    @SuppressWarnings("unchecked")
    private static double rounds(Map<String, Object> row, int k) {
        return ((Number) ((List<Map<String, Object>>) row.get("schemes")).get(k).get("rounds")).doubleValue();
    }

    /** The tolerance study: one d (grid from the target KL), each Picard scheme at each tolerance. */
    public static Map<String, Object> tolerance(int d, double targetKl, double[] tolerances, int samples, long seed,
            List<Scheme> schemes, Consumer<Map<String, Object>> onScheme) {
        int m = stepsForKl(d, targetKl);
        Schedule s = grid(d, m);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("target", "N(0.5, 0.25 I)");
        out.put("d", d);
        out.put("blocks", s.blockCount());
        out.put("stepsPerBlock", m);
        out.put("samples", samples);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (double tol : tolerances) {
            for (Scheme sc : schemes) {
                if (sc.kind == SamplerKind.SDE && tol != tolerances[0]) {
                    continue;
                }
                Map<String, Object> e = measure(sc, s, d, tol, samples, seed);
                e.put("tolerance", sc.kind == SamplerKind.SDE ? null : tol);
                rows.add(e);
                onScheme.accept(e);
            }
        }
        out.put("rows", rows);
        return out;
    }

    static double slope(double[] x, double[] y) {
        double mx = 0;
        double my = 0;
        for (int i = 0; i < x.length; i++) {
            mx += x[i];
            my += y[i];
        }
        mx /= x.length;
        my /= y.length;
        double sxy = 0;
        double sxx = 0;
        for (int i = 0; i < x.length; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
        }
        return sxx == 0 ? Double.NaN : sxy / sxx;
    }
}
