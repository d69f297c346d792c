package io.piadm.spark;

import io.piadm.model.ModelSpec;
import io.piadm.sampler.Sampler;
import io.piadm.sampler.SamplerConfig;
import io.piadm.sampler.Samplers;
import io.piadm.sampler.SamplingDriver;
import io.piadm.sampler.SamplingListener;
import io.piadm.sampler.SamplingResult;
import io.piadm.sampler.StageTrace;
import io.piadm.schedule.Block;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One sampling run on Spark: plans time- vs sample-parallel, checkpoints after every outer block, resumes
 * from the last complete block. The driver holds the outer-block schedule in both modes.
 */
public final class SparkRun {
    private static final Logger LOG = LoggerFactory.getLogger(SparkRun.class);

    private SparkRun() {}

    /** Resource settings (none of them changes a sample). */
    public static final class Settings {
        /** Partitions per round / sample chunks; 0: Spark's default parallelism. */
        public int partitions;
        /** time | samples | auto. */
        public String parallelism = "auto";
        /** Samples per batch on the driver (time) or inside a task (samples); 0: memory-based default. */
        public int batchSize;
        /** Evaluator threads inside a sample-parallel task. */
        public int threads = 1;
        /** Hadoop path of the checkpoint directory; null: no checkpoints. */
        public String checkpointDir;
        /** Continue from the latest checkpoint in {@link #checkpointDir}. */
        public boolean resume;
    }

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

        Outcome(SamplingResult result, Planner.Plan plan, int partitions, String master, String evaluator,
                String configHash, Integer resumedAfterBlocks, Checkpoints checkpoints) {
            this.result = result;
            this.plan = plan;
            this.partitions = partitions;
            this.master = master;
            this.evaluator = evaluator;
            this.configHash = configHash;
            this.resumedAfterBlocks = resumedAfterBlocks;
            this.checkpoints = checkpoints;
        }

        public Map<String, Object> describe() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("master", master);
            m.put("parallelism", plan.describe());
            m.put("partitions", partitions);
            m.put("evaluator", evaluator);
            m.put("configHash", configHash);
            m.put("resumedAfterBlocks", resumedAfterBlocks);
            m.put("checkpointDir", checkpoints == null ? null : checkpoints.dir().toString());
            return m;
        }
    }

    /** Grid points of one Picard sweep: the largest block M (or the ParaDiGMS window). */
    static int gridWidth(String sampler, SamplerConfig cfg) {
        if (sampler.startsWith("paradigms")) {
            return Math.min(cfg.window(), cfg.schedule().totalSteps());
        }
        int m = 1;
        for (Block b : cfg.schedule().blocks()) {
            m = Math.max(m, b.steps());
        }
        return m;
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

    public static Outcome run(SparkSession spark, ModelSpec spec, String samplerName, SamplerConfig cfg,
            long firstSample, int count, Settings s, SamplingListener listener) {
        JavaSparkContext sc = SparkSessions.javaContext(spark);
        int d = spec.dim();
        Sampler sampler = Samplers.create(samplerName, cfg, d);
        int cores = Math.max(1, sc.defaultParallelism());
        Planner.Plan plan = Planner.choose(s.parallelism, samplerName, count, gridWidth(samplerName, cfg), cores,
                gpuSlots(sc));
        String hash = ConfigHash.of(samplerName, spec, cfg, firstSample, count);

        Checkpoints ck = null;
        Checkpoints.State from = null;
        if (s.checkpointDir != null) {
            ck = new Checkpoints(s.checkpointDir, sc.hadoopConfiguration());
            if (s.resume) {
                from = ck.latest(hash);
                if (from == null) {
                    LOG.info("--resume: no checkpoint in " + s.checkpointDir + "; starting from block 1");
                } else if (from.seed != cfg.seed() || from.firstSample != firstSample || from.count != count
                        || from.dim != d || from.stageCount != sampler.stageCount()) {
                    throw new IllegalArgumentException("--resume: the checkpoint in " + s.checkpointDir
                            + " does not match this run (seed/ids/dimension/blocks differ)");
                }
            } else {
                ck.deleteAll();
            }
        } else if (s.resume) {
            throw new IllegalArgumentException("--resume needs a checkpoint directory");
        }
        int next = from == null ? 0 : from.nextStage();
        double[] state = from == null ? SamplingDriver.initialState(cfg.seed(), firstSample, count, d) : from.rows;
        List<StageTrace> previous = from == null ? List.of() : from.traces;
        SamplingListener l = ck == null ? listener
                : ck.listener(hash, cfg.seed(), firstSample, count, d, previous, listener);

        SamplingResult result;
        int partitions;
        String evaluator;
        if (plan.mode() == Planner.Mode.TIME) {
            int batch = s.batchSize > 0 ? s.batchSize : SamplingDriver.defaultBatchSize(sampler, d, count);
            try (SparkTimeEvaluator ev = new SparkTimeEvaluator(sc, spec, s.partitions, sampler.stageCount())) {
                partitions = ev.partitions();
                evaluator = ev.describe();
                result = new SamplingDriver(sampler, ev, batch).resume(firstSample, count, next, state, previous, l);
            }
        } else {
            SparkSampleJob job = new SparkSampleJob(sc, spec, samplerName, cfg, s.partitions, s.batchSize, s.threads);
            partitions = job.partitions();
            evaluator = job.describe();
            result = job.resume(firstSample, count, next, state, previous, l);
        }
        return new Outcome(result, plan, partitions, sc.master(), evaluator, hash,
                from == null ? null : from.nextStage(), ck);
    }
}
