package io.piadm.sampler;

import java.io.IOException;

/**
 * The samples of a finished run, wherever they are: in this JVM's memory (local backend, time-parallel
 * Spark) or in Parquet parts that executors wrote (executor-resident sample-parallel Spark). Outputs reach
 * the samples only through this seam, so nothing above it needs all of them in memory: their count and
 * dimension, the run's bounded seeded {@link Subsample} (metrics, plots) and one streaming pass in id
 * order ({@code samples.npy}).
 */
public interface SampleSource {
    /** Id of the first sample; the ids are {@code firstSample .. firstSample + count)}. */
    long firstSample();

    long count();

    int dim();

    /** True when every row is in this JVM's memory (then a pass costs no I/O). */
    boolean inMemory();

    /**
     * The subsample of {@link Subsample#size} rows chosen by {@link Subsample#ids} for {@code seed} (the
     * run's seed): the same rows whatever backend, partitioning or batch size produced the samples.
     */
    Subsample subsample(long seed);

    /**
     * Visits every row once, in id order, holding a bounded number of rows at a time. The row array may
     * be reused between calls: copy what must outlive the call.
     */
    void forEachRow(RowVisitor visitor) throws IOException;

    /** One row of a {@link #forEachRow} pass: {@code values[offset .. offset + dim)}. */
    @FunctionalInterface
    interface RowVisitor {
        void row(long id, double[] values, int offset) throws IOException;
    }
}
