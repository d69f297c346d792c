package io.piadm.spark;

import io.piadm.checkpoint.CheckpointState;
import io.piadm.checkpoint.Checkpoints;
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
 * from the last complete block. The driver holds the outer-block schedule in both modes.
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
        /** Spark jobs the sampling ran (one per round time-parallel, one per block sample-parallel). */
        public final long sparkJobs;

        Outcome(SamplingResult result, Planner.Plan plan, int partitions, String master, String evaluator,
                String configHash, Integer resumedAfterBlocks, Checkpoints checkpoints, long sparkJobs) {
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
            m.put("parallelism", plan.describe());
            m.put("partitions", partitions);
            m.put("evaluator", evaluator);
            m.put("sparkJobs", sparkJobs);
            m.put("resumed", resumedAfterBlocks != null);
            m.put("resumedAfterBlocks", resumedAfterBlocks);
            m.put("checkpointDir", checkpoints == null ? null : checkpoints.dir().toString());
            return m;
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
        int count = job.samples();
        long firstSample = job.firstSample();
        Sampler sampler = job.createSampler();
        int cores = Math.max(1, sc.defaultParallelism());
        Planner.Plan plan = Planner.choose(s.parallelism, job.kind(), count, job.kind().roundWidth(job.config()),
                cores, gpuSlots(sc));
        RunIdentity id = job.identity();

        Checkpoints ck = null;
        CheckpointState from = null;
        if (s.checkpointDir != null) {
            ck = new Checkpoints(s.checkpointDir, sc.hadoopConfiguration());
            from = ck.open(id, s.resume);
        }
        int next = from == null ? 0 : from.nextStage();
        double[] state = from == null ? SamplingDriver.initialState(job.seed(), firstSample, count, d) : from.rows();
        List<StageTrace> previous = from == null ? List.of() : from.traces();
        SamplingListener l = ck == null ? listener
                : ck.listener(id, job.seed(), firstSample, count, d, previous, listener);

        SamplingResult result;
        int partitions;
        String evaluator;
        long jobs;
        if (plan.mode() == Planner.Mode.TIME) {
            try (SparkTimeEvaluator ev = new SparkTimeEvaluator(sc, job.model(), s.partitions, sampler.stageCount())) {
                partitions = ev.partitions();
                evaluator = ev.describe();
                result = new SamplingDriver(sampler, ev, job.batchSize())
                        .resume(firstSample, count, next, state, previous, l);
                jobs = ev.sparkJobs();
            }
        } else {
            SparkSampleJob sj = new SparkSampleJob(sc, job, s.partitions);
            partitions = sj.partitions();
            evaluator = sj.describe();
            result = sj.resume(firstSample, count, next, state, previous, l);
            jobs = sj.sparkJobs();
        }
        return new Outcome(result, plan, partitions, sc.master(), evaluator, id.hash(),
                from == null ? null : from.nextStage(), ck, jobs);
    }
}
