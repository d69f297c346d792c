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
 * sample ids far from the run's (the results are thrown away). Warm-up blocks come first, not measured
 * (the service's start, the JIT at a new batch; at least {@link #WARM_MIN_SECONDS}, at most
 * {@link #WARM_MAX_SECONDS}). Then it runs blocks until it has measured
 * {@link #TARGET_SECONDS} (and at least {@link #MIN_ROUNDS} rounds), or until the next block would take it
 * past {@link #BUDGET_SECONDS}: the cost model's prediction of that block, scaled by how far the blocks so
 * far ran over or under theirs. It does not run at all when the first block alone is predicted to take more
 * than twice the budget (a sequential sampler's block on a slow model). See {@link StageMeasure} for why.
 *
 * <p>Why a time target and not a number of rounds: on a 2-core host shared with the executors, the driver's
 * time between rounds moved 2x between four 127-round probes taken back to back (0.28 to 0.59 ms a round,
 * sde at batch 16, measured), in bursts longer than one such probe; a probe of one sequential block (0.1 s)
 * saw one burst or none, and over-predicted a 2 s run by 1.6x.
 */
final class ClusterStageProbe {
    private ClusterStageProbe() {}

    static final double BUDGET_SECONDS = 1.5;
    static final double TARGET_SECONDS = 1.0;
    static final int MIN_ROUNDS = 24;
    static final double WARM_MIN_SECONDS = 1.0;
    static final double WARM_MAX_SECONDS = 2.0;
    static final double WARM_AGREEMENT = 0.15;
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
            // Warm-up: blocks run and not measured, for WARM_MIN_SECONDS, then until two blocks in a row cost
            // the same per row within WARM_AGREEMENT, or WARM_MAX_SECONDS have passed. Its first round starts
            // the service (its tasks connecting), and the first seconds at a new batch run code the JIT has
            // not yet compiled for it, in the driver and in every executor, on cores they share. Measured
            // (sde at batch 16, fresh application, probes back to back): 0.41, 0.28, 0.28, 0.23, 0.24 ms of
            // driver time a round with no warm-up; 0.32 then 0.24 after a warm-up that stopped at the first
            // two blocks that agreed (0.2 s): the trend is slow, each block close to the one before. The run
            // that follows is at the later figures.
            int stage = 0;
            int warmBlocks = 0;
            double prevPerRow = Double.NaN;
            double warmPredicted = 0;
            List<Integer> warmStarts = new ArrayList<>();
            long warmBegin = System.nanoTime();
            while (stage < s.stageCount()) {
                double warm = (System.nanoTime() - warmBegin) / 1e9;
                if (warmBlocks > 0) {
                    // Another warm-up block only when it fits in what is left of the warm-up's time (its
                    // prediction scaled by the blocks so far, without the service's start in the first round).
                    double ran = warm - timed.nanos.get(0) / 1e9;
                    double scale = warmPredicted > 0 ? Math.max(1, ran / warmPredicted) : 1;
                    if (warm + scale * predictedStage.applyAsDouble(stage) > WARM_MAX_SECONDS) {
                        break;
                    }
                }
                int from = timed.rows.size();
                warmStarts.add(from);
                long b0 = System.nanoTime();
                s.runStage(stage, ids, y, ev, SamplingListener.NONE);
                double perRow = (System.nanoTime() - b0) / 1e9 / Math.max(1, rowsSince(timed, from));
                warmPredicted += predictedStage.applyAsDouble(stage);
                stage++;
                warmBlocks++;
                warm = (System.nanoTime() - warmBegin) / 1e9;
                boolean agree = Math.abs(perRow - prevPerRow) <= WARM_AGREEMENT * Math.min(perRow, prevPerRow);
                if (warm >= WARM_MAX_SECONDS || (warm >= WARM_MIN_SECONDS && warmBlocks >= 2 && agree)) {
                    break;
                }
                prevPerRow = perRow;
            }
            // A first block as long as the warm-up itself (a latency-bound model's sequential block: 128
            // held rounds) is measured after all, without the service's first round: a second block of it
            // would double the probe, and there the rounds' wait, not the JIT, is the cost. A shorter first
            // block is not: measured, the first 5 rounds of piadm-ode at batch 42 read 235x the predicted
            // driver time, the next blocks' 1.6x.
            boolean longFirst = warmBlocks == 1 && warmBlocks < s.stageCount()
                    && (timed.starts.get(timed.rows.size() - 1) + timed.nanos.get(timed.rows.size() - 1)
                            - timed.starts.get(0) - timed.nanos.get(0)) / 1e9 >= WARM_MIN_SECONDS;
            int first = longFirst ? 1 : timed.rows.size();
            long begin = longFirst ? timed.starts.get(0) + timed.nanos.get(0) : System.nanoTime();
            List<Integer> firstRounds = longFirst ? new ArrayList<>(warmStarts) : new ArrayList<>();
            int stages = longFirst ? 1 : 0;
            double predictedSoFar = longFirst ? warmPredicted : 0;
            if (longFirst) {
                warmBlocks = 0;
            }
            double spent = (System.nanoTime() - begin) / 1e9;
            for (; stage < s.stageCount(); stage++) {
                if (stages > 0) {
                    boolean enough = spent >= TARGET_SECONDS && timed.rows.size() - first >= MIN_ROUNDS;
                    double scale = predictedSoFar > 0 ? Math.max(1, spent / predictedSoFar) : 1;
                    if (enough || spent + scale * predictedStage.applyAsDouble(stage) > BUDGET_SECONDS) {
                        break;
                    }
                }
                firstRounds.add(timed.rows.size());
                s.runStage(stage, ids, y, ev, SamplingListener.NONE);
                predictedSoFar += predictedStage.applyAsDouble(stage);
                stages++;
                spent = (System.nanoTime() - begin) / 1e9;
            }
            long end = System.nanoTime();
            if (stages == 0) {
                // The warm-up took every block: measure them after all, without the service's first round.
                first = 1;
                stages = warmBlocks;
                warmBlocks = 0;
                firstRounds = warmStarts;
            }
            int n = timed.rows.size() - first;
            if (n < 1) {
                return null;
            }
            // The driver's time before each measured round: since the previous round returned (the first:
            // since the measured blocks began); what follows the last round goes to it.
            int[] rows = new int[n];
            boolean[] starts = new boolean[n];
            double[] inside = new double[n];
            double[] driver = new double[n];
            long prevEnd = first == 1 ? timed.starts.get(0) + timed.nanos.get(0) : begin;
            for (int i = first; i < timed.rows.size(); i++) {
                long st = timed.starts.get(i);
                rows[i - first] = timed.rows.get(i);
                starts[i - first] = firstRounds.contains(i);
                inside[i - first] = timed.nanos.get(i) / 1e9;
                driver[i - first] = Math.max(0, st - prevEnd) / 1e9;
                prevEnd = st + timed.nanos.get(i);
            }
            driver[n - 1] += Math.max(0, end - prevEnd) / 1e9;
            return new StageMeasure(batch, stages, rows, starts, inside, driver, warmBlocks);
        } finally {
            sc.setLocalProperty("spark.job.description", prev);
        }
    }

    private static long rowsSince(TimedEvaluator t, int from) {
        long r = 0;
        for (int i = from; i < t.rows.size(); i++) {
            r += t.rows.get(i);
        }
        return r;
    }
}
