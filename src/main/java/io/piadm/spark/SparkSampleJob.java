package io.piadm.spark;

import io.piadm.eval.CountingEvaluator;
import io.piadm.eval.LocalEvaluator;
import io.piadm.job.SampleJob;
import io.piadm.sampler.Sampler;
import io.piadm.sampler.SamplerConfig;
import io.piadm.sampler.SamplerKind;
import io.piadm.sampler.SamplingDriver;
import io.piadm.sampler.SamplingListener;
import io.piadm.sampler.SamplingResult;
import io.piadm.sampler.StageTrace;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;

import java.util.ArrayList;
import java.util.List;

/**
 * Sample-parallel sampling (ARCHITECTURE.md, spark-samples): the samples are cut into contiguous id
 * chunks, and each task runs {@link SamplingDriver} with a {@link LocalEvaluator} over its chunk. One Spark
 * job per outer block, so the full state after each block is back on the driver for
 * {@link SamplingListener#onStageEnd} (checkpoints) exactly as in the time-parallel mode, and a
 * checkpoint of either mode resumes in either. A sample's result depends only on (seed, id, config), so
 * rows come back, in id order, equal bit for bit to a local run.
 */
public final class SparkSampleJob {
    private final JavaSparkContext sc;
    private final SampleJob job;
    private final String samplerName;
    private final int partitions;
    private final int stageCount;
    private long sparkJobs;

    /**
     * @param partitions sample chunks (at most one per sample); {@code <= 0}: Spark's default parallelism.
     *                   Inside a task the job's batch size applies, and its threads when they were asked
     *                   for (else the task's cores).
     */
    public SparkSampleJob(JavaSparkContext sc, SampleJob job, int partitions) {
        this.sc = sc;
        this.job = job;
        this.samplerName = job.kind().id();
        this.partitions = partitions <= 0 ? Math.max(1, sc.defaultParallelism()) : partitions;
        this.stageCount = job.createSampler().stageCount();
    }

    /** Spark jobs submitted so far (one per outer block). */
    public long sparkJobs() {
        return sparkJobs;
    }

    public int partitions() {
        return partitions;
    }

    public String describe() {
        String threads = job.threadsRequested() == null ? "task cores" : String.valueOf(job.threadsRequested());
        return "spark-samples(master=" + sc.master() + ", partitions=" + partitions + ", threads=" + threads + ")";
    }

    public SamplingResult run(long firstSample, int count, SamplingListener listener) {
        double[] y = SamplingDriver.initialState(job.seed(), firstSample, count, job.dim());
        return resume(firstSample, count, 0, y, List.of(), listener);
    }

    /** Continues from the state after stage {@code nextStage - 1}, like {@link SamplingDriver#resume}. */
    public SamplingResult resume(long firstSample, int count, int nextStage, double[] state,
            List<StageTrace> previous, SamplingListener listener) {
        int d = job.dim();
        if (state.length != (long) count * d) {
            throw new IllegalArgumentException("state has " + state.length + " values, expected " + count + " x " + d);
        }
        long start = System.nanoTime();
        List<StageTrace> traces = new ArrayList<>(previous);
        double[] y = state.clone();
        int p = Math.max(1, Math.min(partitions, count));
        for (int s = nextStage; s < stageCount; s++) {
            List<SampleChunk> chunks = new ArrayList<>(p);
            for (int k = 0; k < p; k++) {
                int from = SparkTimeEvaluator.tileStart(count, p, k);
                int n = SparkTimeEvaluator.tileStart(count, p, k + 1) - from;
                double[] ys = new double[n * d];
                System.arraycopy(y, from * d, ys, 0, n * d);
                chunks.add(new SampleChunk(firstSample + from, n, s, ys, null));
            }
            sc.setJobGroup("piadm-" + samplerName + "-block-" + (s + 1),
                    samplerName + " block " + (s + 1) + "/" + stageCount + " sample-parallel (" + p + " chunks)", false);
            List<SampleChunk> done = sc.parallelize(chunks, p)
                    .map(new RunStage(job)).collect();
            sparkJobs++;
            StageTrace merged = null;
            int covered = 0;
            for (SampleChunk c : done) {
                int from = (int) (c.firstId - firstSample);
                System.arraycopy(c.state, 0, y, from * d, c.count * d);
                covered += c.count;
                merged = merged == null ? c.trace : merged.merge(c.trace);
            }
            if (covered != count) {
                throw new IllegalStateException("block " + (s + 1) + " returned " + covered + " samples, expected " + count);
            }
            if (merged == null) {
                merged = new StageTrace(s, new double[0], List.of());
            }
            traces.add(merged);
            listener.onStageEnd(s, stageCount, merged, y);
        }
        double wall = (System.nanoTime() - start) / 1e9;
        return new SamplingResult(samplerName, d, firstSample, count, y, traces, wall, -1);
    }

    /** Executor side: runs one stage of the sampler over a chunk with a local evaluator. */
    static final class RunStage implements Function<SampleChunk, SampleChunk> {
        private static final long serialVersionUID = 1L;
        private final SampleJob job;

        RunStage(SampleJob job) {
            this.job = job;
        }

        @Override
        public SampleChunk call(SampleChunk c) {
            Sampler sampler = job.createSampler();
            int b = Math.min(job.batchSize(), Math.max(1, c.count));
            int threads = job.threads(ExecutorModels.taskContext().cores());
            try (LocalEvaluator ev = new LocalEvaluator(ExecutorModels.get(job.model()), threads)) {
                SamplingDriver driver = new SamplingDriver(new OneStage(sampler, c.stage), ev, b);
                SamplingResult r = driver.resume(c.firstId, c.count, c.stage, c.state, List.of(),
                        SamplingListener.NONE);
                return new SampleChunk(c.firstId, c.count, c.stage, r.samples(), r.stages().get(0));
            }
        }
    }

    /** A sampler seen through a window ending after stage {@code last}: the driver runs just that stage. */
    static final class OneStage implements Sampler {
        private final Sampler inner;
        private final int last;

        OneStage(Sampler inner, int last) {
            this.inner = inner;
            this.last = last;
        }

        @Override
        public SamplerKind kind() {
            return inner.kind();
        }

        @Override
        public SamplerConfig config() {
            return inner.config();
        }

        @Override
        public int stageCount() {
            return last + 1;
        }

        @Override
        public StageTrace runStage(int stage, long[] ids, double[] y, CountingEvaluator evaluator,
                SamplingListener listener) {
            return inner.runStage(stage, ids, y, evaluator, listener);
        }

        @Override
        public long workingDoublesPerSample(int dim) {
            return inner.workingDoublesPerSample(dim);
        }
    }
}
