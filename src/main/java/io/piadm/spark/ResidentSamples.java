package io.piadm.spark;

import io.piadm.sampler.SampleSource;
import io.piadm.sampler.Subsample;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.Path;

import java.io.IOException;

/**
 * The samples of an executor-resident run: a Parquet table the tasks wrote (first staged in the checkpoint
 * directory, then moved into the output), and the subsample the tasks reported. Streaming passes read the
 * table's parts in id order with constant memory ({@link ParquetRowReader}).
 */
public final class ResidentSamples implements SampleSource {
    private final Configuration conf;
    private final long firstSample;
    private final long count;
    private final int dim;
    private final Subsample subsample;
    private Path table;

    ResidentSamples(Configuration conf, Path table, long firstSample, long count, int dim, Subsample subsample) {
        this.conf = conf;
        this.table = table;
        this.firstSample = firstSample;
        this.count = count;
        this.dim = dim;
        this.subsample = subsample;
    }

    /** Where the table is now. */
    public Path table() {
        return table;
    }

    /**
     * Moves the table to {@code target} (must not exist): a rename when both are on one file system (the
     * default checkpoint directory sits beside the output), else a copy and delete.
     */
    void moveTo(Path target) throws IOException {
        FileSystem from = table.getFileSystem(conf);
        FileSystem to = target.getFileSystem(conf);
        if (to.exists(target)) {
            throw new IOException(target + " already exists");
        }
        boolean same = from.getUri().equals(to.getUri());
        if (!(same && from.rename(table, target))) {
            if (!FileUtil.copy(from, table, to, target, true, conf)) {
                throw new IOException("could not move " + table + " to " + target);
            }
        }
        table = target;
    }

    @Override
    public long firstSample() {
        return firstSample;
    }

    @Override
    public long count() {
        return count;
    }

    @Override
    public int dim() {
        return dim;
    }

    @Override
    public boolean inMemory() {
        return false;
    }

    @Override
    public Subsample subsample(long seed) {
        if (seed != subsample.seed()) {
            throw new IllegalArgumentException("the executors picked the subsample of seed " + subsample.seed()
                    + ", not " + seed);
        }
        return subsample;
    }

    @Override
    public void forEachRow(RowVisitor visitor) throws IOException {
        ParquetRowReader.forEachRow(conf, table, firstSample, count, dim, visitor);
    }
}
