package io.piadm.spark;

import io.piadm.job.SampleJob;
import io.piadm.model.EmulatedAccelerator;
import io.piadm.plan.Calibration;
import io.piadm.plan.CostModel;
import io.piadm.plan.Pilot;
import io.piadm.plan.PlanReport;
import io.piadm.plan.RoundProfile;
import io.piadm.sampler.SamplerKind;
import io.piadm.sampler.SamplingDriver;

import org.apache.spark.api.java.JavaSparkContext;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The predicting planner ({@code --parallelism auto}, {@code piadm plan}, {@code piadm bench wall}): waits for
 * the cluster's executors, pilots the sampler and its sequential counterpart on the driver, calibrates the
 * cluster, predicts the wall time of each placement with the {@link CostModel} and picks the fastest for the
 * chosen sampler. A forced placement skips all of it.
 */
public final class PlacementPlanner {
    private PlacementPlanner() {}

    /** Samples in the pilot (the run's first ones). */
    public static final int PILOT_SAMPLES = 2;
    /** Largest batch a probe runs (its cost grows with it; the per-row cost levels off well before). */
    static final int PROBE_MAX_BATCH = 32;
    /**
     * The time-parallel probe on the cluster runs at the run's own batch, halved (not below this) while the
     * part of it the batch decides ({@link #stageProbeSeconds}) is predicted to take more than half the
     * probe's budget. Why the run's batch: the driver's
     * time between rounds has a part per round that does not scale with the rows (waking the scan's threads,
     * the channel's bookkeeping); a probe at batch 64 of a run at 256 measured 25 us a row of driver time
     * against the run's 11.6 (sde, d = 1024, plain CPU), and corrections at 32 over-corrected a run at 63 by
     * 1.5x in an earlier bench.
     */
    static final int STAGE_PROBE_MIN_BATCH = 64;

    /**
     * The part of the time-parallel probe its batch decides, by the uncorrected model: a Picard probe's
     * first block (it ends at a block's end), a sequential one's {@link ClusterStageProbe#MIN_ROUNDS} rounds
     * (it ends inside a block). Why not a sequential block: with an emulated 20 ms device, 84 rounds of sde
     * are 1.7 s at any batch, and halving the run's 256 down to 64 read 2.85 ms of driver time a round
     * against the run's 5.6 at 256, which the per-row fit then scaled 4x: 2x over-predicted (measured).
     */
    static double stageProbeSeconds(CostModel cm, RoundProfile p, int batch, int tiles, boolean sequential,
            int roundsOfFirstBlock) {
        double block = cm.stageSeconds(p, 0, batch, tiles);
        return sequential ? block * Math.min(1.0, (double) ClusterStageProbe.MIN_ROUNDS / roundsOfFirstBlock) : block;
    }

    /**
     * How the sample-parallel placement runs, for the cost model: the executor-resident job
     * ({@link ResidentSampleJob}, docs/SAMPLE-PARALLEL.md) is ONE Spark job (the Parquet write) with one task
     * per chunk; each task runs every block of its chunk in batches. Chunks and batch are those
     * {@link ResidentPlan#make} fixes for the run ({@code --partitions}, else at least 4 chunks per slot; a
     * default batch lowered to fit a task's memory), so the prediction describes the job that would run.
     */
    static final class SampleLayout {
        final int chunks;
        final int batch;
        final int jobs;
        final String how;

        SampleLayout(int chunks, int batch, int jobs, String how) {
            this.chunks = chunks;
            this.batch = batch;
            this.jobs = jobs;
            this.how = how;
        }
    }

    /**
     * The resident layout of {@code job} run with sampler {@code kind} at batch {@code batch} (the job's own
     * batch for its sampler; the counterpart's default, marked default, for the counterpart).
     */
    static SampleLayout sampleLayout(SampleJob job, SamplerKind kind, int batch, boolean batchIsDefault,
            int partitions, int slots, ResidentPlan.Cluster cluster) {
        SampleJob k = new SampleJob(job.model(), kind, job.config(), job.samples(), job.firstSample(), batch,
                job.threadsRequested(), job.scheduleSettings());
        if (batchIsDefault) {
            k = k.withDefaultBatchSize();
        }
        int stages = kind.stageCount(job.config());
        ResidentPlan rp = ResidentPlan.make(k, kind.create(job.config(), job.dim()), partitions, null, cluster,
                slots);
        int chunks = rp.layout.chunks();
        return new SampleLayout(chunks, rp.batchSize, 1, "executor-resident: one Spark job, " + chunks
                + " chunk tasks (" + rp.layout.maxCount() + " samples each at most), every one of the " + stages
                + " blocks inside a task, batch " + rp.batchSize);
    }

    /** How much faster (as a fraction) another chunking must be predicted than the default to replace it. */
    static final double PREFER_DEFAULT = 0.10;

    /**
     * Chunk counts below the default {@code defaultChunks} the planner also predicts: one and two chunks per
     * slot (fewer waves), when there are that many samples.
     */
    static List<Integer> fewerChunks(int defaultChunks, long n, int slots) {
        List<Integer> c = new ArrayList<>();
        for (int waves = 2; waves >= 1; waves--) {
            long k = (long) waves * Math.max(1, slots);
            if (k < defaultChunks && k <= n && !c.contains((int) k)) {
                c.add((int) k);
            }
        }
        return c;
    }

    /** The layout at {@code chunks} chunks, or null when a task of it would not fit (ResidentPlan refuses). */
    private static SampleLayout tryLayout(SampleJob job, SamplerKind kind, int batch, boolean batchIsDefault,
            int chunks, int slots, ResidentPlan.Cluster cluster) {
        try {
            return sampleLayout(job, kind, batch, batchIsDefault, chunks, slots, cluster);
        } catch (io.piadm.config.InvalidSettingException e) {
            return null;
        }
    }

    private static Map<String, Object> candidate(SampleLayout l, CostModel.Prediction p, String note) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("chunks", l.chunks);
        m.put("batchSize", l.batch);
        m.put("predictedSeconds", p.seconds);
        if (note != null) {
            m.put("note", note);
        }
        return m;
    }

    /** The plan for {@code requested}: forced placements as asked; auto from predictions. */
    public static Planner.Plan decide(JavaSparkContext sc, SampleJob job, Planner.Request requested, int partitions,
            int cores, int gpus) {
        return decide(sc, job, requested, partitions, cores, gpus, null);
    }

    /** @param stagingDir the run's checkpoint directory (the planner's write calibration goes there), or null */
    public static Planner.Plan decide(JavaSparkContext sc, SampleJob job, Planner.Request requested, int partitions,
            int cores, int gpus, String stagingDir) {
        if (requested != Planner.Request.AUTO) {
            return Planner.choose(requested, job.kind(), (int) Math.min(Integer.MAX_VALUE, job.samples()),
                    job.kind().roundWidth(job.config()), cores, gpus);
        }
        PlanReport r;
        try {
            r = predict(sc, job, partitions, stagingDir);
        } catch (RuntimeException e) {
            // The run must not fail because its planner could not measure: fall back to the rule of thumb.
            org.slf4j.LoggerFactory.getLogger(PlacementPlanner.class).warn("planner calibration failed ({});"
                    + " choosing by the rule of thumb", e.toString());
            Planner.Plan h = Planner.choose(requested, job.kind(), (int) Math.min(Integer.MAX_VALUE, job.samples()),
                    job.kind().roundWidth(job.config()), cores, gpus);
            return new Planner.Plan(h.mode(), h.reason() + " (the predicting planner failed: " + e + ")", false);
        }
        Planner.Mode mode = r.choice().equals("time") ? Planner.Mode.TIME : Planner.Mode.SAMPLES;
        return new Planner.Plan(mode, r.reason(), false, r);
    }

    /** Calibration, pilots and a prediction for each placement of the job's sampler and its counterpart. */
    public static PlanReport predict(JavaSparkContext sc, SampleJob job, int partitions) {
        return predict(sc, job, partitions, null);
    }

    /** @param stagingDir where the write calibration writes (the run's checkpoint directory), or null: local temp */
    public static PlanReport predict(JavaSparkContext sc, SampleJob job, int partitions, String stagingDir) {
        long t0 = System.nanoTime();
        ClusterSlots cluster = ClusterSlots.await(sc);
        int gpus = SparkRun.gpuSlots(sc);
        int slots = gpus > 0 ? gpus : cluster.slots();
        int tiles = partitions > 0 ? Math.min(partitions, slots) : slots;
        long n = job.samples();
        int d = job.dim();

        List<SamplerKind> kinds = new ArrayList<>();
        kinds.add(job.kind());
        if (job.kind().sequentialCounterpart() != job.kind()) {
            kinds.add(job.kind().sequentialCounterpart());
        }
        ResidentPlan.Cluster resident = ResidentPlan.Cluster.of(sc);
        List<RoundProfile> profiles = new ArrayList<>();
        List<Integer> batches = new ArrayList<>();
        List<SampleLayout> layouts = new ArrayList<>();
        long maxRows = 1;
        for (SamplerKind k : kinds) {
            RoundProfile p = Pilot.run(k, job.config(), job.model(), job.firstSample(), (int) Math.min(n, PILOT_SAMPLES));
            profiles.add(p);
            // The job's batch size for its own sampler; the counterpart's default (the user's --batch-size,
            // when given, was sized for the chosen sampler's working memory).
            int b = k == job.kind() ? job.batchSize()
                    : SamplingDriver.defaultBatchSize(k.create(job.config(), d), d, (int) Math.min(n, Integer.MAX_VALUE));
            batches.add(b);
            double widest = 0;
            for (RoundProfile.PhaseRounds ph : p.phases()) {
                for (double w : ph.widths) {
                    widest = Math.max(widest, w);
                }
            }
            SampleLayout sl = sampleLayout(job, k, b, k != job.kind() || job.batchSizeIsDefault(), partitions, slots,
                    resident);
            layouts.add(sl);
            long perTask = (long) Math.ceil(Math.min(sl.batch, (n + sl.chunks - 1) / sl.chunks) * widest);
            long perTile = (long) Math.ceil(Math.min(b, n) * widest / tiles);
            maxRows = Math.max(maxRows, Math.max(perTask, perTile));
        }
        double pilotSeconds = (System.nanoTime() - t0) / 1e9;
        double share = 0;
        for (RoundProfile p : profiles) {
            share = Math.max(share, Double.isFinite(p.pilotCoreShare()) ? p.pilotCoreShare() : 0);
        }
        Calibration cal = Calibrator.run(sc, job.model(), cluster, tiles, maxRows, job, share, stagingDir);
        // Probes at the batch sizes the placements use (capped, to keep them short): the sampler's own cost
        // per row on the driver (time-parallel) and in a task with every slot busy (sample-parallel).
        for (int i = 0; i < kinds.size(); i++) {
            SamplerKind k = kinds.get(i);
            int b = batches.get(i);
            int tb = (int) Math.max(1, Math.min(PROBE_MAX_BATCH, Math.min(b, n)));
            profiles.get(i).withDriverCost(io.piadm.plan.Probe.driver(k, job.config(), d, tb), tb);
            SampleLayout sl = layouts.get(i);
            int sb = (int) Math.max(1, Math.min(PROBE_MAX_BATCH, Math.min(sl.batch, (n + sl.chunks - 1) / sl.chunks)));
            profiles.get(i).withTaskCost(Calibrator.taskCost(sc, k, job.config(), job.model(), d,
                    Math.min(slots, sl.chunks), sb), sb);
        }
        CostModel cm = new CostModel(cal);
        // The first blocks of a batch, run time-parallel on the cluster as the run would: corrects the channel
        // and driver terms by what a real sequence of rounds costs (ClusterStageProbe, StageMeasure).
        for (int i = 0; i < kinds.size(); i++) {
            RoundProfile p = profiles.get(i);
            int tb = (int) Math.max(1, Math.min(batches.get(i), n));
            boolean sequential = kinds.get(i).walk() == SamplerKind.Walk.SEQUENTIAL;
            int rounds0 = Math.max(1, p.roundsInStage(0));
            while (tb > STAGE_PROBE_MIN_BATCH && stageProbeSeconds(cm, p, tb, tiles, sequential, rounds0)
                    > ClusterStageProbe.BUDGET_SECONDS / 2) {
                tb = Math.max(STAGE_PROBE_MIN_BATCH, tb / 2);
            }
            final int probeBatch = tb;
            io.piadm.plan.StageMeasure sm = ClusterStageProbe.run(sc, kinds.get(i), job.config(), job.model(), tiles,
                    probeBatch, stage -> cm.stageSeconds(p, stage, probeBatch, tiles),
                    cm.stageSeconds(p, 0, probeBatch, tiles) / rounds0);
            if (sm != null) {
                cm.fitTimeParallel(p, sm, tiles, (int) Math.max(1, Math.min(batches.get(i), n)));
            }
        }
        // The first blocks of a chunk's batch in every slot at once, as the resident tasks run them: corrects
        // the CPU demand of a task by what runs beside it on the same cores (ResidentStageProbe).
        for (int i = 0; i < kinds.size(); i++) {
            RoundProfile p = profiles.get(i);
            SampleLayout sl = layouts.get(i);
            int tasks = Math.min(slots, sl.chunks);
            int sb = (int) Math.max(1, Math.min(sl.batch, (n + sl.chunks - 1) / sl.chunks));
            ResidentStageProbe.Measure rm = ResidentStageProbe.run(sc, kinds.get(i), job.config(), job.model(),
                    job.threadsRequested(), tasks, sb, p.stages(), (from, to) -> cm.sampleStagesSeconds(p, sb, from, to,
                            tasks));
            if (rm != null) {
                cm.fitSampleParallel(p, rm.batch, rm.firstBlock, rm.firstBlock + rm.blocks, rm.tasks,
                        rm.medianTaskSeconds);
            }
        }
        List<CostModel.Prediction> predictions = new ArrayList<>();
        SampleLayout chosenLayout = null;
        for (int i = 0; i < kinds.size(); i++) {
            SamplerKind k = kinds.get(i);
            RoundProfile p = profiles.get(i);
            int b = batches.get(i);
            predictions.add(cm.timeParallel(p, n, b, tiles));
            SampleLayout sl = layouts.get(i);
            // Without --partitions the planner also picks the chunking: the default's waves (at least 4
            // chunks per slot) balance stragglers and make a lost executor cheap, but each wave runs every
            // round of its chunks again, so with a latency-bound model fewer, larger chunks can be much faster.
            // A candidate replaces the default only when predicted faster by more than PREFER_DEFAULT.
            CostModel.Prediction best = cm.sampleParallel(p, n, sl.chunks, sl.batch, sl.jobs);
            SampleLayout bestLayout = sl;
            List<Map<String, Object>> candidates = new ArrayList<>();
            candidates.add(candidate(sl, best, "default"));
            if (partitions <= 0) {
                for (int c : fewerChunks(sl.chunks, n, slots)) {
                    SampleLayout alt = tryLayout(job, k, b, k != job.kind() || job.batchSizeIsDefault(), c, slots,
                            resident);
                    if (alt == null) {
                        candidates.add(Map.of("chunks", c, "fits", false));
                        continue;
                    }
                    CostModel.Prediction pa = cm.sampleParallel(p, n, alt.chunks, alt.batch, alt.jobs);
                    candidates.add(candidate(alt, pa, null));
                    if (pa.seconds < best.seconds * (1 - PREFER_DEFAULT)) {
                        best = pa;
                        bestLayout = alt;
                    }
                }
            }
            best.breakdown.put("chunkCandidates", candidates);
            if (i == 0) {
                chosenLayout = bestLayout;
            }
            predictions.add(best);
        }
        EmulatedAccelerator em = EmulatedAccelerator.of(job.model());
        Map<String, Object> notes = new LinkedHashMap<>();
        notes.put("cluster", cluster.describe());
        // With GPUs scheduled (spark.task.resource.gpu.amount), a task slot is a GPU: both placements are
        // predicted on that many slots.
        notes.put("gpuSlots", gpus);
        notes.put("taskSlotsUsed", slots);
        notes.put("timePlacement", "score service: " + tiles + " long-lived tasks, rounds over a direct channel");
        notes.put("samplePlacement", chosenLayout.how);
        notes.put("notPredicted", "session start-up, waiting for executors, checkpoint writes and output files");
        notes.put("plannerSeconds", (System.nanoTime() - t0) / 1e9);
        notes.put("pilotSeconds", pilotSeconds);
        return new PlanReport(cal, profiles, predictions, job.kind().id(), em == null ? null : em.summary(), notes);
    }
}
