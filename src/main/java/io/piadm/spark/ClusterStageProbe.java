package io.piadm.spark;

import io.piadm.eval.CountingEvaluator;
import io.piadm.eval.TimedEvaluator;
import io.piadm.model.ModelSpec;
import io.piadm.plan.Probe;
import io.piadm.plan.StageMeasure;
import io.piadm.sampler.Sampler;
import io.piadm.sampler.SamplerConfig;
import io.piadm.sampler.SamplerKind;
import io.piadm.sampler.SamplingDriver;
import io.piadm.sampler.SamplingListener;

import org.apache.spark.api.java.JavaSparkContext;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntToDoubleFunction;

/**
 * The planner's time-parallel probe: the first blocks of one batch of {@code batch} samples, run exactly as
 * the time-parallel placement runs them (the run's model, through a score service of the run's tiles), on
 * sample ids far from the run's (the results are thrown away). It stops after {@link #MIN_ROUNDS} rounds or
 * when the next block would take it past {@link #BUDGET_SECONDS} by the cost model's own prediction; it does
 * not run at all when the first block alone is predicted to take more than twice that (a sequential
 * sampler's block on a slow model). See {@link StageMeasure} for why.
 */
final class ClusterStageProbe {
    private ClusterStageProbe() {}

    static final double BUDGET_SECONDS = 1.5;
    static final int MIN_ROUNDS = 24;
    /** First sample id of this probe: beside the driver probe's ids, far from any run's. */
    static final long IDS = Probe.PROBE_IDS + (1L << 20);

    /**
     * @param predictedStage the cost model's prediction (seconds) of block s at this batch, before correction
     * @return the measurement, or null when not run (a sliding-window sampler, or over budget)
     */
    static StageMeasure run(JavaSparkContext sc, SamplerKind kind, SamplerConfig config, ModelSpec model, int tiles,
            int batch, IntToDoubleFunction predictedStage) {
        if (kind.walk() == SamplerKind.Walk.SLIDING_WINDOW || predictedStage.applyAsDouble(0) > 2 * BUDGET_SECONDS) {
            return null;
        }
        int d = model.dim();
        Sampler s = kind.create(config, d);
        long[] ids = Probe.ids(IDS, batch);
        double[] y = SamplingDriver.initialState(config.noise(), IDS, batch, d);
        String prev = sc.getLocalProperty("spark.job.description");
        sc.setJobDescription("piadm planner time-parallel probe (" + kind.id() + ", batch " + batch + ")");
        // The probe's blocks reuse their working arrays as the run's do (SamplingDriver's Workspace).
        try (SparkTimeEvaluator spark = new SparkTimeEvaluator(sc, model, tiles, s.stageCount());
                io.piadm.sampler.Workspace.Scope ws = io.piadm.sampler.Workspace.open()) {
            TimedEvaluator timed = new TimedEvaluator(spark);
            CountingEvaluator ev = CountingEvaluator.of(timed);
            int stages = 0;
            double spent = 0;
            List<Integer> firstRounds = new ArrayList<>();
            long begin = System.nanoTime();
            for (int stage = 0; stage < s.stageCount(); stage++) {
                if (stage > 0 && (timed.rows.size() >= MIN_ROUNDS + 1
                        || spent + predictedStage.applyAsDouble(stage) > BUDGET_SECONDS)) {
                    break;
                }
                firstRounds.add(timed.rows.size());
                s.runStage(stage, ids, y, ev, SamplingListener.NONE);
                stages++;
                // The budget is for the measured rounds: the first round's wait for the service's tasks to
                // connect (up to a second) would otherwise leave one block, too few rounds for the segments.
                spent = (System.nanoTime() - begin - timed.nanos.get(0)) / 1e9;
            }
            long end = System.nanoTime();
            int n = timed.rows.size();
            if (n < 2) {
                return null;
            }
            // The driver's time before each round: since the previous round returned (the first: since the
            // probe began); what follows the last round goes to it. The first round started the service (its
            // tasks connecting): not a round of the run's kind, so it is left out, with the driver time before it.
            int[] rows = new int[n - 1];
            boolean[] starts = new boolean[n - 1];
            double[] inside = new double[n - 1];
            double[] driver = new double[n - 1];
            long prevEnd = timed.starts.get(0) + timed.nanos.get(0);
            for (int i = 1; i < n; i++) {
                long st = timed.starts.get(i);
                rows[i - 1] = timed.rows.get(i);
                starts[i - 1] = firstRounds.contains(i);
                inside[i - 1] = timed.nanos.get(i) / 1e9;
                driver[i - 1] = Math.max(0, st - prevEnd) / 1e9;
                prevEnd = st + timed.nanos.get(i);
            }
            driver[n - 2] += Math.max(0, end - prevEnd) / 1e9;
            return new StageMeasure(batch, stages, rows, starts, inside, driver);
        } finally {
            sc.setLocalProperty("spark.job.description", prev);
        }
    }
}
