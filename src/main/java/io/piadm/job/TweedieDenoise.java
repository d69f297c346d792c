package io.piadm.job;

import io.piadm.config.Setting;

import io.piadm.eval.LocalEvaluator;
import io.piadm.eval.RoundInfo;
import io.piadm.model.ScoreModel;
import io.piadm.process.OuProcess;
import io.piadm.sampler.PhaseTrace;
import io.piadm.sampler.SamplingResult;
import io.piadm.sampler.StageTrace;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code --denoise-final}: the Tweedie estimate {@code x0 = (y + sigma(eta)^2 score(y, eta)) / alpha(eta)} of each
 * sample y at the early-stopping time eta (docs/ALGORITHMS.md section 11), as diffusers and k-diffusion return by
 * default. One more score evaluation per sample, in one more round, recorded as a last stage
 * {@code tweedie-denoise} of the trace, so rounds and evaluations count it like any other. Rows carry their
 * sample ids (a class-conditional model conditions on them). It runs in this JVM (the driver) on the job's
 * threads; the output is the posterior mean E[X_0 | X_eta = y], not a draw from p_0.
 */
public final class TweedieDenoise {
    public static final String PHASE = "tweedie-denoise";

    private TweedieDenoise() {}

    public static SamplingResult apply(SampleJob job, SamplingResult r) {
        long t0 = System.nanoTime();
        int d = r.dim();
        if (!r.inMemory()) {
            // The estimate is computed here, on the driver; an executor-resident run left its samples on the
            // executors (docs/SAMPLE-PARALLEL.md), so it cannot be applied afterwards.
            throw new io.piadm.config.InvalidSettingException("{0} runs on the driver and needs the samples in its"
                    + " memory; this run kept its " + r.count() + " samples on the executors (sample-parallel):"
                    + " use {1} time or fewer samples", Setting.DENOISE_FINAL, Setting.PARALLELISM);
        }
        int n = (int) r.count();
        double eta = job.config().schedule().eta();
        double alpha = OuProcess.alpha(eta);
        double s2 = OuProcess.sigma2(eta);
        double[] y = r.samples();
        double[] x0 = new double[y.length];
        int threads = job.threads(Runtime.getRuntime().availableProcessors());
        int batch = Math.max(1, Math.min(n, job.batchSize()));
        long calls = 0;
        try (ScoreModel model = job.model().build();
                LocalEvaluator ev = new LocalEvaluator(model, threads)) {
            for (int from = 0; from < n; from += batch) {
                int m = Math.min(batch, n - from);
                double[] xb = new double[m * d];
                System.arraycopy(y, from * d, xb, 0, m * d);
                double[] t = new double[m];
                long[] ids = new long[m];
                for (int i = 0; i < m; i++) {
                    t[i] = eta;
                    ids[i] = r.firstSample() + from + i;
                }
                double[] g = new double[m * d];
                ev.evaluate(new RoundInfo(r.sampler(), r.stages().size(), PHASE, 1), xb, t, ids, m, g);
                calls++;
                for (int i = 0; i < m * d; i++) {
                    double v = (xb[i] + s2 * g[i]) / alpha;
                    if (!Double.isFinite(v)) {
                        throw new IllegalStateException(PHASE + ": non-finite estimate for sample "
                                + (r.firstSample() + from + i / d) + " (score " + g[i] + ")");
                    }
                    x0[from * d + i] = v;
                }
            }
        }
        List<StageTrace> stages = new ArrayList<>(r.stages());
        stages.add(new StageTrace(stages.size(), new double[] {eta},
                List.of(new PhaseTrace(PHASE, 1, new double[0], n))));
        double wall = r.wallSeconds() + (System.nanoTime() - t0) / 1e9;
        return new SamplingResult(r.sampler(), d, r.firstSample(), n, x0, stages, wall,
                r.evaluatorCalls() >= 0 ? r.evaluatorCalls() + calls : -1);
    }

    /** For run.json. */
    public static Map<String, Object> describe(double eta) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("applied", true);
        m.put("eta", eta);
        m.put("formula", "x0 = (y + sigma(eta)^2 score(y, eta)) / alpha(eta), the posterior mean E[X_0 | X_eta = y]"
                + " (Tweedie; docs/ALGORITHMS.md section 11)");
        m.put("cost", "one more evaluation per sample, one more round (the last stage, " + PHASE + "), on the driver");
        return m;
    }
}
