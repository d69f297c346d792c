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

/**
 * The paper's headline as an experiment (docs/ALGORITHMS.md section 7, invariant 5): for each dimension d,
 * choose the smallest steps-per-block M for which the sequential SDE sampler's exact KL to p_eta (closed
 * form, {@link SequentialGaussianLaw}) is at most a fixed target; then record the sequential rounds (the
 * grid's step count: grows polynomially in d) and PIADM-SDE's rounds on the same grid (adaptive Picard:
 * should grow like a polylog of d). The target is N(mean, std^2 I).
 */
public final class ScalingBenchmark {
    private ScalingBenchmark() {}

    /** One row of the table. */
    public static Map<String, Object> row(int d, double targetKl, double tolerance, int samples, long seed) {
        DiagonalGaussian g = DiagonalGaussian.isotropic(d, 0.5, 0.5);
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
        Schedule s = grid(d, hi);
        SamplerConfig cfg = SamplerConfig.of(s, seed).withPicard(PicardOptions.tolerance(tolerance, null));
        SamplingResult r;
        try (LocalEvaluator ev = LocalEvaluator.allCores(g)) {
            r = new SamplingDriver(SamplerKind.of("piadm-sde").create(cfg, d), ev, samples).run(0, samples, SamplingListener.NONE);
        }
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("d", d);
        row.put("blocks", s.blockCount());
        row.put("stepsPerBlock", hi);
        row.put("sequentialKl", SequentialGaussianLaw.kl(g, s, Integrator.SDE));
        row.put("sequentialRounds", s.totalSteps());
        row.put("piadmRounds", r.rounds());
        row.put("piadmEvaluationsPerSample", r.evaluationsPerSample());
        return row;
    }

    static Schedule grid(int d, int m) {
        return new ScheduleConfig(d).stepsPerBlock(m).build();
    }

    /** The whole table, plus least-squares growth exponents against ln d and (ln d)^2. */
    public static Map<String, Object> run(int[] dims, double targetKl, double tolerance, int samples, long seed,
            java.util.function.Consumer<Map<String, Object>> onRow) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int d : dims) {
            Map<String, Object> row = row(d, targetKl, tolerance, samples, seed);
            rows.add(row);
            onRow.accept(row);
        }
        double[] lnD = new double[dims.length];
        double[] lnSeq = new double[dims.length];
        double[] lnPiadm = new double[dims.length];
        for (int i = 0; i < dims.length; i++) {
            lnD[i] = Math.log(dims[i]);
            lnSeq[i] = Math.log(((Number) rows.get(i).get("sequentialRounds")).doubleValue());
            lnPiadm[i] = Math.log(((Number) rows.get(i).get("piadmRounds")).doubleValue());
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("targetKl", targetKl);
        out.put("tolerance", tolerance);
        out.put("samples", samples);
        out.put("rows", rows);
        // Slope of ln(rounds) against ln(d): a polynomial d^p shows p; a polylog shows a slope that
        // falls toward 0 as d grows.
        out.put("sequentialExponent", slope(lnD, lnSeq));
        out.put("piadmExponent", slope(lnD, lnPiadm));
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
