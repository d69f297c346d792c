package io.piadm.spark;

import io.piadm.checkpoint.CheckpointState;
import io.piadm.checkpoint.Checkpoints;
import io.piadm.checkpoint.ChunkCheckpoints;
import io.piadm.config.InvalidSettingException;
import io.piadm.config.Setting;
import io.piadm.job.ResumeMode;
import io.piadm.job.RunIdentity;
import io.piadm.job.SampleJob;
import io.piadm.sampler.Sampler;
import io.piadm.sampler.SamplingDriver;
import io.piadm.sampler.SamplingListener;
import io.piadm.sampler.SamplingResult;
import io.piadm.sampler.StageTrace;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One sampling run on Spark: plans time- vs sample-parallel, checkpoints after every outer block, resumes
 * from the last complete block. The driver holds the outer-block schedule in both modes. Time-parallel:
 * the driver holds every sample's state and checkpoints it; sample-parallel ({@link ResidentSampleJob}):
 * the state stays on the executors, each chunk checkpoints itself and resumes from its own checkpoint.
 */
public final class SparkRun {
    private SparkRun() {}

    /** What happened, for run.json. */
    public static final class Outcome {
        public final SamplingResult result;
        public final Planner.Plan plan;
        public final int partitions;
        public final String master;
        public final String evaluator;
        public final String configHash;
        /** Blocks already done in the checkpoint this run resumed from (null: started from block 1). */
        public final Integer resumedAfterBlocks;
        public final Checkpoints checkpoints;
        /** The chunk checkpoints of a sample-parallel run (null without a checkpoint directory). */
        final ChunkCheckpoints chunkCheckpoints;
        final RunIdentity identity;
        /** Sample-parallel: the samples table the executors wrote; null when the samples are in memory. */
        final ResidentSamples residentSamples;
        /** Spark jobs the sampling ran (one per round time-parallel, one in all sample-parallel). */
        public final long sparkJobs;
        /** More for run.json (the memory estimate, the sample chunks). */
        final Map<String, Object> extra;

        Outcome(SamplingResult result, Planner.Plan plan, int partitions, String master, String evaluator,
                String configHash, Integer resumedAfterBlocks, Checkpoints checkpoints,
                ChunkCheckpoints chunkCheckpoints, RunIdentity identity, ResidentSamples residentSamples,
                long sparkJobs, Map<String, Object> extra) {
            this.chunkCheckpoints = chunkCheckpoints;
            this.identity = identity;
            this.residentSamples = residentSamples;
            this.extra = extra;
            this.result = result;
            this.plan = plan;
            this.partitions = partitions;
            this.master = master;
            this.evaluator = evaluator;
            this.configHash = configHash;
            this.resumedAfterBlocks = resumedAfterBlocks;
            this.checkpoints = checkpoints;
            this.sparkJobs = sparkJobs;
        }

        public Map<String, Object> describe() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("master", master);
            m.put("parallelism", plan.describe(result.wallSeconds()));
            m.put("partitions", partitions);
            m.put("evaluator", evaluator);
            m.put("sparkJobs", sparkJobs);
            m.put("resumed", resumedAfterBlocks != null || chunksResumed() > 0);
            m.put("resumedAfterBlocks", resumedAfterBlocks);
            m.put("checkpointDir", checkpoints == null ? null : checkpoints.dir().toString());
            m.putAll(extra);
            return m;
        }

        /** Sample-parallel: the chunks that continued from their own checkpoints (0 otherwise). */
        public int chunksResumed() {
            Object c = extra.get("sampleChunks");
            return c instanceof Map ? (Integer) ((Map<?, ?>) c).get("chunksResumedFromCheckpoint") : 0;
        }

        /** Removes this run's checkpoints (after its outputs are committed). */
        public void cleanUpCheckpoints() {
            if (checkpoints != null) {
                checkpoints.cleanUp();
            }
            if (chunkCheckpoints != null) {
                chunkCheckpoints.cleanUp(identity, residentSamples == null ? 0 : partitions);
            }
        }
    }

    /** GPU task slots: executors x (GPUs per executor / GPUs per task); 0 without GPU scheduling. */
    static int gpuSlots(JavaSparkContext sc) {
        SparkConf c = sc.getConf();
        double perExec = c.getDouble("spark.executor.resource.gpu.amount", 0);
        double perTask = c.getDouble("spark.task.resource.gpu.amount", 0);
        if (perExec <= 0 || perTask <= 0) {
            return 0;
        }
        int executors = Math.max(1, sc.statusTracker().getExecutorInfos().length - 1);
        return (int) Math.floor(executors * perExec / perTask);
    }

    public static Outcome run(SparkSession spark, SampleJob job, SparkSettings s, SamplingListener listener) {
        JavaSparkContext sc = SparkSessions.javaContext(spark);
        int d = job.dim();
        long firstSample = job.firstSample();
        Sampler sampler = job.createSampler();
        int cores = Math.max(1, sc.defaultParallelism());
        Planner.Plan plan = PlacementPlanner.decide(sc, job, s.parallelism, s.partitions, cores, gpuSlots(sc),
                s.checkpointDir);
        RunIdentity id = job.identity();

        Checkpoints ck = null;
        ChunkCheckpoints chunks = null;
        if (s.checkpointDir != null) {
            ck = new Checkpoints(s.checkpointDir, sc.hadoopConfiguration());
            chunks = new ChunkCheckpoints(s.checkpointDir, sc.hadoopConfiguration());
            plan = followCheckpoint(plan, s, ck, chunks);
        }

        if (plan.mode() == Planner.Mode.SAMPLES) {
            if (ck != null && ck.exists()) {
                ck.open(id, ResumeMode.OFF); // refuses: the directory holds a time-parallel run's checkpoint
            }
            ChunkCheckpoints.Layout stored = chunks == null ? null : chunks.open(id, s.resume);
            int gpus = gpuSlots(sc);
            // The default chunking counts the cluster's slots, and is stored: wait until the executors are in
            // (a fresh standalone session reads a default parallelism of 2 until they register).
            int slots = gpus > 0 ? gpus : ClusterSlots.await(sc).slots();
            // Without --partitions, the chunking the predicting planner chose (auto); a resume keeps its stored one.
            int chunksAsked = s.partitions > 0 || stored != null || plan.report() == null ? s.partitions
                    : plan.report().sampleChunks();
            ResidentPlan rp = ResidentPlan.make(job, sampler, chunksAsked, stored, ResidentPlan.Cluster.of(sc), slots);
            ResidentSampleJob.Run run = ResidentSampleJob.run(spark, job, rp, chunks, stored != null, s.format, listener);
            Map<String, Object> extra = new LinkedHashMap<>();
            extra.put("batchSize", rp.batchSize);
            extra.put("sampleChunks", run.described);
            return new Outcome(run.result, plan, rp.layout.chunks(), sc.master(),
                    "spark-samples-resident(master=" + sc.master() + ", chunks=" + rp.layout.chunks() + ", batch="
                            + rp.batchSize + ", threads=" + (job.threadsRequested() == null ? "task cores"
                            : job.threadsRequested()) + ")",
                    id.hash(), null, ck, chunks, id, run.samples, 1, extra);
        }

        // Time-parallel: the driver holds every sample's state and applies the fixed-point update.
        int count = job.samplesInOneArray("the time-parallel mode (the driver)");
        if (chunks != null && chunks.exists()) {
            chunks.open(id, ResumeMode.OFF); // refuses: the directory holds a sample-parallel run's checkpoints
        }
        io.piadm.job.MemoryFit mem = io.piadm.job.LocalBackend.fitInMemory(job, sampler,
                Runtime.getRuntime().maxMemory(), io.piadm.job.MemoryFit.SPARK_BASE, "the driver", 1);
        CheckpointState from = ck == null ? null : ck.open(id, s.resume);
        int next = from == null ? 0 : from.nextStage();
        double[] state = from == null ? SamplingDriver.initialState(job.config().noise(), firstSample, count, d)
                : from.rows();
        List<StageTrace> previous = from == null ? List.of() : from.traces();
        SamplingListener l = ck == null ? listener
                : ck.listener(id, job.seed(), firstSample, count, d, previous, listener);
        SamplingResult result;
        int partitions;
        String evaluator;
        long jobs;
        Map<String, Object> transport;
        io.piadm.eval.SplitClock split;
        try (SparkTimeEvaluator ev = new SparkTimeEvaluator(sc, job.model(), s.partitions, sampler.stageCount())) {
            partitions = ev.partitions();
            evaluator = ev.describe();
            // The run's own split of its time, beside the planner's probe of the same two parts (SplitClock).
            split = new io.piadm.eval.SplitClock(ev);
            result = new SamplingDriver(sampler, split, (int) mem.get("batchSize"))
                    .resume(firstSample, count, next, state, previous, l);
            jobs = ev.sparkJobs();
            transport = ev.transportReport();
        }
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("batchSize", mem.get("batchSize"));
        extra.put("transport", transport);
        extra.put("timeSplit", split.describeSplit());
        extra.put("memory", mem.describe());
        return new Outcome(result, plan, partitions, sc.master(), evaluator, id.hash(),
                from == null ? null : from.nextStage(), ck, chunks, id, null, jobs, extra);
    }

    /**
     * On a resume the checkpoint decides the placement: a time-parallel checkpoint holds the driver's state
     * of every sample, a sample-parallel one is spread over chunk files only executors read. With
     * {@code auto} the run follows it (and says so); a placement forced against it is refused.
     */
    static Planner.Plan followCheckpoint(Planner.Plan plan, SparkSettings s, Checkpoints ck, ChunkCheckpoints chunks) {
        if (s.resume == ResumeMode.OFF) {
            return plan;
        }
        Planner.Mode found = chunks.exists() ? Planner.Mode.SAMPLES : ck.exists() ? Planner.Mode.TIME : null;
        if (found == null || (found == plan.mode() && plan.forced())) {
            return plan;
        }
        if (plan.forced()) {
            throw new InvalidSettingException("{0}: the checkpoint in " + ck.dir() + " was written in the "
                    + found.cliName() + "-parallel placement, which it needs to continue; resume with {1} "
                    + found.cliName() + " (or auto)", Setting.RESUME, Setting.PARALLELISM);
        }
        return new Planner.Plan(found, "resuming a " + found.cliName() + "-parallel checkpoint (the planner would have"
                + " chosen " + plan.mode().cliName() + ": " + plan.reason() + ")", false);
    }
}
