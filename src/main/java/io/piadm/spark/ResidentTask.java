package io.piadm.spark;

import io.piadm.checkpoint.CheckpointState;
import io.piadm.checkpoint.Checkpoints;
import io.piadm.checkpoint.ChunkCheckpoints;
import io.piadm.eval.LocalEvaluator;
import io.piadm.job.RunIdentity;
import io.piadm.job.SampleJob;
import io.piadm.sampler.Sampler;
import io.piadm.sampler.SamplingDriver;
import io.piadm.sampler.SamplingListener;
import io.piadm.sampler.SamplingResult;
import io.piadm.sampler.StageTrace;

import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.util.SerializableConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Executor side of the executor-resident mode: for each chunk of its partition, continue from the chunk's
 * newest valid checkpoint (or draw its initial noise from the counter-based generator when there is none),
 * run every remaining outer block with a {@link LocalEvaluator} through {@link SamplingDriver} in batches,
 * checkpoint the chunk after each block (atomic, through the Hadoop FileSystem API), report its traces and
 * subsample rows to the {@link ResidentReport} accumulator, then emit its rows for the Parquet writer. The
 * state never leaves the executor except as the chunk's own checkpoint and output part. A sample's rows
 * depend only on (seed, id, config) (Sampler contract), so any chunking, batch or retry gives the local
 * backend's bits.
 */
final class ResidentTask implements FlatMapFunction<Iterator<ResidentChunk>, Row> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ResidentTask.class);

    private final SampleJob job;
    private final int batchSize;
    /** Hadoop path of the checkpoint directory, or null: no checkpoints. */
    private final String checkpointDir;
    private final Broadcast<SerializableConfiguration> hadoop;
    private final ResidentReport report;
    /** Value type and label column of the table (ParquetSamples#schema). */
    private final io.piadm.io.SampleFormat format;

    ResidentTask(SampleJob job, int batchSize, String checkpointDir, Broadcast<SerializableConfiguration> hadoop,
            ResidentReport report, io.piadm.io.SampleFormat format) {
        this.format = format;
        this.job = job;
        this.batchSize = batchSize;
        this.checkpointDir = checkpointDir;
        this.hadoop = hadoop;
        this.report = report;
    }

    @Override
    public Iterator<Row> call(Iterator<ResidentChunk> chunks) {
        // Lazily, chunk after chunk: only one chunk's rows are in memory while the writer consumes them.
        return new Iterator<>() {
            private double[] rows;
            private long first;
            private int n;
            private int next;

            @Override
            public boolean hasNext() {
                while ((rows == null || next == n) && chunks.hasNext()) {
                    rows = null;
                    ResidentChunk c = chunks.next();
                    rows = runChunk(c);
                    first = c.firstId;
                    n = c.count;
                    next = 0;
                }
                return rows != null && next < n;
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                int d = job.dim();
                long id = first + next;
                Object v;
                if (format.float32()) {
                    float[] f = new float[d];
                    for (int k = 0; k < d; k++) {
                        f[k] = (float) rows[next * d + k];
                    }
                    v = f;
                } else {
                    v = Arrays.copyOfRange(rows, next * d, next * d + d);
                }
                Row r = format.hasLabels() ? RowFactory.create(id, v, format.label(id)) : RowFactory.create(id, v);
                if (++next == n) {
                    rows = null; // let the chunk go before the next one is computed
                }
                return r;
            }
        };
    }

    /** Runs (or finishes) one chunk and returns its final rows. */
    double[] runChunk(ResidentChunk c) {
        long t0 = System.nanoTime();
        int d = job.dim();
        Sampler sampler = job.createSampler();
        int stages = sampler.stageCount();
        RunIdentity id = job.identity();
        TaskContext tc = TaskContext.get();
        int attempt = tc == null ? 0 : tc.attemptNumber();
        String executor = org.apache.spark.SparkEnv.get() == null ? "?" : org.apache.spark.SparkEnv.get().executorId();
        Checkpoints ck = checkpointDir == null ? null
                : new Checkpoints(checkpointDir, hadoop.value().value(), ChunkCheckpoints.prefix(c.index), true);
        long r0 = System.nanoTime();
        // A first attempt of a chunk with no files when the job started starts fresh; a retried task (or a
        // resumed run) looks for the chunk's own newest valid checkpoint by name.
        CheckpointState from = ck == null || (attempt == 0 && !c.hadCheckpoint) ? null : ck.latest(stages);
        long[] checkpointNanos = {System.nanoTime() - r0};
        if (from != null) {
            check(from, c, id, stages, d);
        }
        int resumedAt = from == null ? 0 : from.nextStage();
        double[] y;
        List<StageTrace> traces;
        if (from != null && resumedAt >= stages) {
            y = from.rows();
            traces = from.traces();
        } else {
            List<StageTrace> previous = from == null ? List.of() : from.traces();
            SamplingListener write = ck == null ? SamplingListener.NONE
                    : ck.listener(id, job.seed(), c.firstId, c.count, d, previous, SamplingListener.NONE);
            SamplingListener l = new SamplingListener() {
                @Override
                public void onStageEnd(int stage, int stageCount, StageTrace trace, double[] state) {
                    long w0 = System.nanoTime();
                    write.onStageEnd(stage, stageCount, trace, state);
                    checkpointNanos[0] += System.nanoTime() - w0;
                }
            };
            int threads = job.threads(ExecutorModels.taskContext().cores());
            try (LocalEvaluator ev = new LocalEvaluator(ExecutorModels.get(job.model()), threads)) {
                SamplingDriver driver = new SamplingDriver(sampler, ev, Math.max(1, Math.min(batchSize, c.count)));
                // On a pool of the task's own threads: on the JVM's common pool, shared by every task of the
                // executor, a task of one core spread its scan over the others' (16% of the executors' CPU,
                // measured at 4 tasks per executor on 2 real cores), beside what the task probe measures.
                SamplingResult r = SamplingDriver.onOwnThreads(threads, () -> from == null ? driver.run(c.firstId, c.count, l)
                        : driver.resume(c.firstId, c.count, resumedAt, from.rows(), previous, l));
                y = r.samples();
                traces = r.stages();
            }
        }
        if (resumedAt > 0) {
            LOG.info("chunk {} (samples {}..{}): resumed from its own checkpoint after block {}/{} (task attempt {},"
                    + " executor {})", c.index, c.firstId, c.firstId + c.count - 1, resumedAt, stages, attempt, executor);
        }
        double[] sub = new double[c.subsampleIds.length * d];
        for (int i = 0; i < c.subsampleIds.length; i++) {
            System.arraycopy(y, (int) (c.subsampleIds[i] - c.firstId) * d, sub, i * d, d);
        }
        report.add(new ResidentReport.Chunk(c.index, resumedAt, attempt, executor, traces, c.subsampleIds, sub,
                (System.nanoTime() - t0) / 1e9, checkpointNanos[0] / 1e9));
        return y;
    }

    /** A chunk checkpoint must belong to this run and this chunk (the layout file makes this certain). */
    private static void check(CheckpointState s, ResidentChunk c, RunIdentity id, int stages, int d) {
        if (!id.hash().equals(s.configHash()) || s.firstSample() != c.firstId || s.count() != c.count
                || s.dim() != d || s.stageCount() != stages) {
            throw new IllegalStateException("the checkpoint of chunk " + c.index + " does not belong to this run"
                    + " (samples " + s.firstSample() + "+" + s.count() + ", configuration " + s.configHash()
                    + "; expected " + c.firstId + "+" + c.count + ", " + id.hash() + ")");
        }
    }
}
