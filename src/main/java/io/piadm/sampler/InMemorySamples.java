package io.piadm.sampler;

import java.io.IOException;

/** Samples held in one row-major array of this JVM ({@code count x dim} doubles). */
public final class InMemorySamples implements SampleSource {
    private final double[] rows;
    private final long firstSample;
    private final int count;
    private final int dim;

    public InMemorySamples(double[] rows, long firstSample, int count, int dim) {
        if ((long) count * dim != rows.length) {
            throw new IllegalArgumentException("samples hold " + rows.length + " values, expected " + count + " x " + dim);
        }
        this.rows = rows;
        this.firstSample = firstSample;
        this.count = count;
        this.dim = dim;
    }

    /** The rows (not copied). */
    public double[] rows() {
        return rows;
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
        return true;
    }

    @Override
    public Subsample subsample(long seed) {
        return Subsample.of(rows, firstSample, count, dim, seed);
    }

    @Override
    public void forEachRow(RowVisitor visitor) throws IOException {
        for (int i = 0; i < count; i++) {
            visitor.row(firstSample + i, rows, i * dim);
        }
    }
}
