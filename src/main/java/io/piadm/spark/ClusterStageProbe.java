package io.piadm.spark;

import io.piadm.eval.CountingEvaluator;
import io.piadm.eval.TimedEvaluator;
import io.piadm.model.ModelSpec;
import io.piadm.plan.CostModel;
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
 * sample ids far from the run's (the results are thrown away). The rounds of its first
 * {@link #WARM_SECONDS} are a warm-up, not measured (the service's start, the JIT at a new batch). Then it
 * runs blocks until it has measured
 * {@link #TARGET_SECONDS} (and at least {@link #MIN_ROUNDS} rounds and, for a Picard sampler,
 * {@link CostModel#SEGMENTS_OF_BLOCKS} block starts), or until the next block would take it past
 * {@link #BUDGET_SECONDS} ({@link #BLOCKS_BUDGET_SECONDS} while a Picard probe has fewer block starts): the
 * cost model's prediction of that block, scaled by how far the blocks so far ran over or under theirs. It
 * does not run at all when the first block alone is predicted to take more than twice the budget (a
 * sequential sampler's block on a slow model). See {@link StageMeasure} for why.
 *
 * <p>A sequential sampler's rounds are alike (one row per sample each), so its probe stops inside a block, at
 * the round that completes the target: it runs at the run's batch even where one block lasts seconds (an
 * emulated 20 ms device: 84 rounds of sde at batch 256 are 2.2 s, and halving the batch does not shorten
 * them). Picard blocks are not alike round to round (a block's start, a phase's), so their probe ends at a
 * block's end.
 *
 * <p>Why a time target and not a number of rounds: on a 2-core host shared with the executors, the driver's
 * time between rounds moved 2x between four 127-round probes taken back to back (0.28 to 0.59 ms a round,
 * sde at batch 16, measured), in bursts longer than one such probe; a probe of one sequential block (0.1 s)
 * saw one burst or none, and over-predicted a 2 s run by 1.6x.
 */
final class ClusterStageProbe {
    private ClusterStageProbe() {}

    static final double BUDGET_SECONDS = 1.5;
    /**
     * A Picard probe that has not yet measured {@link CostModel#SEGMENTS_OF_BLOCKS} block starts may run to
     * this: below that many its fit cannot compare whole blocks and falls back to runs of consecutive rounds,
     * whose ratios are ruled by where the blocks' starts fall. Measured (piadm-ode at batch 42, emulated
     * 20 ms device, blocks of about 0.5 s): a probe stopped by the 1.5 s budget after 2 blocks (11 rounds)
     * fitted a driver factor of 2.19 from segments of 5.28, 1.43 and 1.96, and over-predicted its run 1.39x;
     * a probe of 3 blocks in the same session's other plan fitted 1.12 (segments 1.09-1.15) and read 0.85.
     */
    static final double BLOCKS_BUDGET_SECONDS = 2.5;
    static final double TARGET_SECONDS = 1.0;
    static final int MIN_ROUNDS = 24;
    static final double WARM_SECONDS = 1.0;
    /** First sample id of this probe: beside the driver probe's ids, far from any run's. */
    static final long IDS = Probe.PROBE_IDS + (1L << 20);

    /**
     * @param predictedStage the cost model's prediction (seconds) of block s at this batch, before correction
     * @param predictedRound the prediction of one round of block 0 at this batch (its mean), before correction
     * @return the measurement, or null when not run (a sliding-window sampler, or over budget)
     */
    static StageMeasure run(JavaSparkContext sc, SamplerKind kind, SamplerConfig config, ModelSpec model, int tiles,
            int batch, IntToDoubleFunction predictedStage, double predictedRound) {
        boolean cutsBlocks = kind.walk() == SamplerKind.Walk.SEQUENTIAL;
        double least = cutsBlocks ? MIN_ROUNDS * predictedRound : predictedStage.applyAsDouble(0);
        if (kind.walk() == SamplerKind.Walk.SLIDING_WINDOW || least > 2 * BUDGET_SECONDS) {
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
            Cutter cutter = new Cutter(timed, cutsBlocks);
            CountingEvaluator ev = CountingEvaluator.of(cutter);
            // Warm-up: the rounds of the first WARM_SECONDS after the service's first round are run and not
            // measured, whatever block they fall in (a sequential block at batch 256 alone lasts a second).
            // The first round starts the service (its tasks connecting), and the first seconds at a new batch
            // run code the JIT has not yet compiled for it, in the driver and in every executor, on cores they
            // share. Measured: four probes of sde at batch 16 back to back in a fresh application read 0.41,
            // 0.28, 0.28, 0.23 ms of driver time a round, and the run that follows is at the later figures;
            // a probe of one block at batch 256 from its start read 7.8 ms a round against the run's 4.4.
            List<Integer> blockFirst = new ArrayList<>();
            double predictedMeasured = 0;
            int stage = 0;
            for (; stage < s.stageCount(); stage++) {
                // A Picard probe ends at a block's end: when it has measured enough, or when the next block would
                // take it past the budget. A sequential one ends inside a block (Cutter).
                if (!cutsBlocks && cutter.warmEnd != Long.MAX_VALUE) {
                    long now = System.nanoTime();
                    double spent = Math.max(0, now - cutter.warmEnd) / 1e9;
                    int measured = countFrom(timed, cutter.warmEnd);
                    int measuredStarts = startsFrom(timed, blockFirst, cutter.warmEnd);
                    boolean wholeBlocks = measuredStarts >= CostModel.SEGMENTS_OF_BLOCKS;
                    boolean enough = spent >= TARGET_SECONDS && measured >= MIN_ROUNDS && wholeBlocks;
                    double budget = wholeBlocks ? BUDGET_SECONDS : BLOCKS_BUDGET_SECONDS;
                    // The next block by its prediction, scaled by how far the measured part ran over its own.
                    double scale = predictedMeasured > 0 && spent > 0 ? Math.max(1, spent / predictedMeasured) : 1;
                    if (enough || (measured > 0 && spent + scale * predictedStage.applyAsDouble(stage) > budget)) {
                        break;
                    }
                }
                blockFirst.add(timed.rows.size());
                long b0 = System.nanoTime();
                try {
                    s.runStage(stage, ids, y, ev, SamplingListener.NONE);
                } catch (Cut done) {
                    break; // a sequential block, cut at the round that completed the target
                }
                long warmEnd = cutter.warmEnd;
                // The block's prediction, in the share of its rounds that were measured (the measured rounds
                // are the last ones: rounds start in order).
                int rounds = timed.rows.size() - blockFirst.get(blockFirst.size() - 1);
                int measuredHere = Math.min(rounds, countFrom(timed, warmEnd));
                predictedMeasured += rounds > 0 ? predictedStage.applyAsDouble(stage) * measuredHere / rounds : 0;
                if (b0 - warmEnd > (long) ((WARM_SECONDS + 2 * BLOCKS_BUDGET_SECONDS) * 1e9)) {
                    break; // a guard: the probe never runs much past its budget
                }
            }
            long end = System.nanoTime();
            long warmEnd = cutter.warmEnd;
            int first = 0;
            while (first < timed.rows.size() && timed.starts.get(first) < warmEnd) {
                first++;
            }
            // From the first block that starts after the warm-up, when one does and leaves enough rounds:
            // the fit compares whole blocks (CostModel#segments). A sequential sampler's rounds are alike: from
            // the warm-up's end.
            for (int f : cutsBlocks ? List.<Integer>of() : blockFirst) {
                if (f >= first && timed.rows.size() - f >= MIN_ROUNDS / 2) {
                    first = f;
                    break;
                }
            }
            if (first >= timed.rows.size()) {
                // Every round fell in the warm-up (few, short blocks): measure them after all, without the
                // service's first round.
                first = 1;
            }
            int n = timed.rows.size() - first;
            if (n < 1) {
                return null;
            }
            // Blocks with a measured round (those from round first on, and the one it falls in), and blocks with
            // a round in the warm-up (one can be both; none when every round but the service's first is measured).
            int stages = blockFirst.contains(first) ? 0 : 1;
            int warmBlocks = 0;
            for (int f : blockFirst) {
                stages += f >= first ? 1 : 0;
                warmBlocks += f < first && first > 1 ? 1 : 0;
            }
            // The driver's time before each measured round: since the previous round returned; what follows
            // the last round goes to it. A round that opens a block carries the block's start (its noise).
            int[] rows = new int[n];
            boolean[] starts = new boolean[n];
            double[] inside = new double[n];
            double[] driver = new double[n];
            long prevEnd = timed.starts.get(first - 1) + timed.nanos.get(first - 1); // first >= 1: round 0 warms up
            for (int i = first; i < timed.rows.size(); i++) {
                long st = timed.starts.get(i);
                rows[i - first] = timed.rows.get(i);
                starts[i - first] = blockFirst.contains(i);
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

    /** Thrown by {@link Cutter} after the round that completed a sequential probe's target. */
    private static final class Cut extends RuntimeException {
        Cut() {
            super("time-parallel probe: target reached", null, false, false);
        }
    }

    /**
     * Starts the warm-up's clock at the end of the service's first round, counts the rounds that start after
     * it, and (for a sequential sampler) ends the probe at the round that completes {@link #TARGET_SECONDS} and
     * {@link #MIN_ROUNDS}: the round's scores are in, the state it would update is thrown away.
     */
    private static final class Cutter implements io.piadm.eval.ScoreEvaluator {
        private final TimedEvaluator timed;
        private final boolean cuts;
        long warmEnd = Long.MAX_VALUE;
        private int measured;

        Cutter(TimedEvaluator timed, boolean cuts) {
            this.timed = timed;
            this.cuts = cuts;
        }

        @Override
        public int dim() {
            return timed.dim();
        }

        @Override
        public void evaluate(io.piadm.eval.RoundInfo round, double[] x, double[] t, long[] ids, int rows, double[] out) {
            timed.evaluate(round, x, t, ids, rows, out);
            int last = timed.starts.size() - 1;
            if (warmEnd == Long.MAX_VALUE) {
                warmEnd = timed.starts.get(0) + timed.nanos.get(0) + (long) (WARM_SECONDS * 1e9);
            } else if (timed.starts.get(last) >= warmEnd) {
                measured++;
            }
            long now = timed.starts.get(last) + timed.nanos.get(last);
            if (cuts && measured >= MIN_ROUNDS && now - warmEnd >= (long) (TARGET_SECONDS * 1e9)) {
                throw new Cut();
            }
        }

        @Override
        public String describe() {
            return timed.describe();
        }
    }

    /** Blocks whose first round started at or after {@code from} (nanoTime). */
    private static int startsFrom(TimedEvaluator t, List<Integer> blockFirst, long from) {
        int c = 0;
        for (int f : blockFirst) {
            c += f < t.starts.size() && t.starts.get(f) >= from ? 1 : 0;
        }
        return c;
    }

    /** Rounds that started at or after {@code from} (nanoTime). */
    private static int countFrom(TimedEvaluator t, long from) {
        int c = 0;
        for (int i = t.starts.size() - 1; i >= 0 && t.starts.get(i) >= from; i--) {
            c++;
        }
        return c;
    }
}
