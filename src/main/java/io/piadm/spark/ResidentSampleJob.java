package io.piadm.spark;

import io.piadm.checkpoint.ChunkCheckpoints;
import io.piadm.job.RunIdentity;
import io.piadm.job.SampleJob;
import io.piadm.sampler.Sampler;
import io.piadm.sampler.SamplingListener;
import io.piadm.sampler.SamplingResult;
import io.piadm.sampler.StageTrace;
import io.piadm.sampler.Subsample;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.SerializableConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Executor-resident sample-parallel sampling (ARCHITECTURE.md, spark-samples), the way MLlib's iterative
 * algorithms keep their data on the executors: the samples are cut into chunks ({@link ResidentPlan}); one
 * Spark job, the Parquet write of the samples table, runs one task per chunk ({@link ResidentTask}), which
 * draws the chunk's initial noise, runs every outer block with a local evaluator, checkpoints the chunk
 * after each block and emits its rows to Spark's Parquet writer. The driver keeps the schedule, the merged
 * per-block traces and O(chunks) of metadata ({@link ResidentReport}) and the bounded subsample; never
 * O(N x d). The table is staged in the checkpoint directory and moved into the output when the run
 * commits ({@link ResidentSamples}).
 */
final class ResidentSampleJob {
    private static final Logger LOG = LoggerFactory.getLogger(ResidentSampleJob.class);

    private ResidentSampleJob() {}

    /** A finished run: its result and what run.json says about the chunks. */
    static final class Run {
        final SamplingResult result;
        final ResidentSamples samples;
        final ResidentPlan plan;
        final Map<String, Object> described;

        Run(SamplingResult result, ResidentSamples samples, ResidentPlan plan, Map<String, Object> described) {
            this.result = result;
            this.samples = samples;
            this.plan = plan;
            this.described = described;
        }
    }

    /**
     * @param checkpoints the run's chunk checkpoints, or null (no checkpoints; the table is staged in a local
     *                    temporary directory, which works only where executors share this host's disk)
     * @param resumed     true when {@code plan.layout} was read back from an interrupted run
     */
    static Run run(SparkSession spark, SampleJob job, ResidentPlan plan, ChunkCheckpoints checkpoints,
            boolean resumed, io.piadm.io.SampleFormat format, SamplingListener listener) {
        JavaSparkContext sc = SparkSessions.javaContext(spark);
        long t0 = System.nanoTime();
        Sampler sampler = job.createSampler();
        int stages = sampler.stageCount();
        int d = job.dim();
        long n = job.samples();
        RunIdentity id = job.identity();
        ChunkCheckpoints.Layout layout = plan.layout;
        int p = layout.chunks();

        long[] subIds = Subsample.ids(job.seed(), job.firstSample(), n, plan.subsampleRows);
        boolean[] had = checkpoints == null || !resumed ? new boolean[p] : checkpoints.chunksWithFiles(p);
        List<ResidentChunk> chunks = new ArrayList<>(p);
        for (int k = 0; k < p; k++) {
            long from = layout.start(k);
            long to = layout.start(k + 1);
            int lo = lowerBound(subIds, from);
            int hi = lowerBound(subIds, to);
            chunks.add(new ResidentChunk(k, from, (int) (to - from), Arrays.copyOfRange(subIds, lo, hi), had[k]));
        }

        Configuration conf = sc.hadoopConfiguration();
        Path staging;
        try {
            if (checkpoints != null) {
                if (!resumed) {
                    checkpoints.begin(id, layout);
                }
                staging = checkpoints.staging(id);
            } else {
                java.nio.file.Path tmp = java.nio.file.Files.createTempDirectory("piadm-resident-");
                staging = new Path(tmp.resolve("samples.parquet").toUri());
                FileSystem.getLocal(conf).deleteOnExit(new Path(tmp.toUri()));
            }
            FileSystem fs = staging.getFileSystem(conf);
            if (fs.exists(staging)) {
                fs.delete(staging, true); // a previous attempt's partial table (named by this run's hash)
            }
        } catch (IOException e) {
            throw new UncheckedIOException("preparing the samples table: " + e.getMessage(), e);
        }

        ResidentReport report = ResidentReport.forDriver(p, stages, subIds, d);
        sc.sc().register(report);
        Broadcast<SerializableConfiguration> hadoop = checkpoints == null ? null
                : sc.broadcast(new SerializableConfiguration(conf));
        String name = job.kind().id();
        String group = "piadm-" + name + "-resident-" + id.hash().substring(0, 8);
        sc.setJobGroup(group, name + ": " + p + " sample chunks, " + stages + " blocks each, executor-resident", false);
        Progress progress = new Progress(group, p);
        sc.sc().addSparkListener(progress);
        try {
            JavaRDD<Row> rows = sc.parallelize(chunks, p).mapPartitions(new ResidentTask(job, plan.batchSize,
                    checkpoints == null ? null : checkpoints.dir().toString(), hadoop, report, format));
            spark.createDataFrame(rows, ParquetSamples.schema(format)).write()
                    .option("parquet.block.size", ResidentPlan.ROW_GROUP_BYTES)
                    .parquet(staging.toString());
        } finally {
            sc.sc().removeSparkListener(progress);
            sc.clearJobGroup();
            if (hadoop != null) {
                hadoop.destroy();
            }
        }

        ResidentReport.Summary s = report.summary();
        if (s.reported != p) {
            throw new IllegalStateException("the samples table was written but " + (p - s.reported) + " of " + p
                    + " chunks sent no report");
        }
        List<StageTrace> traces = new ArrayList<>(Arrays.asList(s.stages));
        for (int st = 0; st < stages; st++) {
            listener.onStageEnd(st, stages, traces.get(st), null);
        }
        Subsample sub = new Subsample(subIds, s.subsampleRows, d, n, job.seed());
        ResidentSamples samples = new ResidentSamples(conf, staging, job.firstSample(), n, d, sub);
        double wall = (System.nanoTime() - t0) / 1e9;
        Map<String, Object> described = describe(plan, s, stages, checkpoints != null, resumed);
        logResumes(s, p, stages, wall);
        return new Run(new SamplingResult(name, samples, traces, wall, -1), samples, plan, described);
    }

    private static int lowerBound(long[] a, long key) {
        int i = Arrays.binarySearch(a, key);
        if (i < 0) {
            return -i - 1;
        }
        while (i > 0 && a[i - 1] == key) {
            i--;
        }
        return i;
    }

    /** run.json's account of the chunks: counts, and one entry per chunk that did not start from block 1. */
    private static Map<String, Object> describe(ResidentPlan plan, ResidentReport.Summary s, int stages,
            boolean checkpointed, boolean resumed) {
        Map<String, Object> m = new LinkedHashMap<>();
        ChunkCheckpoints.Layout layout = plan.layout;
        m.put("chunks", layout.chunks());
        m.put("samplesPerChunk", List.of(layout.count(layout.chunks() - 1), layout.maxCount()));
        m.put("chunking", resumed ? "read back from the interrupted run's " + ChunkCheckpoints.LAYOUT
                : "balanced contiguous id ranges: the partitions setting, else max(ceil(N d / 2^20), "
                        + ResidentPlan.WAVES + " x task slots); stored in " + ChunkCheckpoints.LAYOUT
                        + " for a resume");
        m.put("batchSize", plan.batchSize);
        m.put("checkpointed", checkpointed);
        List<Object> from = new ArrayList<>();
        int resumedChunks = 0;
        int retried = 0;
        for (int k = 0; k < s.resumedAt.length; k++) {
            if (s.attempt[k] > 0) {
                retried++;
            }
            if (s.resumedAt[k] > 0) {
                resumedChunks++;
                Map<String, Object> c = new LinkedHashMap<>();
                c.put("chunk", k);
                c.put("resumedAfterBlocks", s.resumedAt[k]);
                c.put("taskAttempt", s.attempt[k]);
                c.put("executor", s.executor[k]);
                from.add(c);
            }
        }
        m.put("chunksResumedFromCheckpoint", resumedChunks);
        m.put("chunksFromBlock1", layout.chunks() - resumedChunks);
        m.put("chunksRetried", retried);
        m.put("resumedChunks", from);
        m.put("duplicateReports", s.duplicates);
        m.put("chunkSeconds", s.taskSeconds);
        m.put("checkpointSeconds", s.checkpointSeconds);
        m.put("subsampleRows", s.subsampleIds.length);
        m.put("memory", plan.describe());
        return m;
    }

    private static void logResumes(ResidentReport.Summary s, int p, int stages, double wall) {
        StringBuilder sb = new StringBuilder();
        int n = 0;
        for (int k = 0; k < p; k++) {
            if (s.resumedAt[k] > 0) {
                if (n < 10) {
                    sb.append(n == 0 ? "" : ", ").append("chunk ").append(k).append(" after block ")
                            .append(s.resumedAt[k]).append('/').append(stages).append(" (attempt ")
                            .append(s.attempt[k]).append(')');
                }
                n++;
            }
        }
        LOG.info(String.format(Locale.ROOT, "sample-parallel: %d chunks done in %.2f s; %d resumed from their own"
                + " checkpoints%s", p, wall, n, n == 0 ? "" : ": " + sb + (n > 10 ? ", ..." : "")));
    }

    /** Logs the chunks as they finish (the driver sees no blocks end in this mode). */
    static final class Progress extends SparkListener {
        private final String group;
        private final int total;
        private final long start = System.nanoTime();
        private final Set<Integer> stages = ConcurrentHashMap.newKeySet();
        private final AtomicInteger done = new AtomicInteger();
        private final int step;

        Progress(String group, int total) {
            this.group = group;
            this.total = total;
            this.step = Math.max(1, total / 10);
        }

        @Override
        public void onStageSubmitted(SparkListenerStageSubmitted e) {
            java.util.Properties props = e.properties();
            if (props != null && group.equals(props.getProperty("spark.jobGroup.id"))) {
                stages.add(e.stageInfo().stageId());
            }
        }

        @Override
        public void onTaskEnd(SparkListenerTaskEnd e) {
            if (!stages.contains(e.stageId()) || !e.taskInfo().successful()) {
                return;
            }
            int k = done.incrementAndGet();
            if (k % step == 0 || k == total) {
                double el = (System.nanoTime() - start) / 1e9;
                LOG.info(String.format(Locale.ROOT, "sample-parallel: %d/%d chunks done, elapsed %.1f s, ETA %.1f s",
                        k, total, el, el / k * (total - k)));
            }
        }
    }
}
