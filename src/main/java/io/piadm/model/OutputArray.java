package io.piadm.model;

/**
 * A 2-D float64 array that a target offers to be written beside the samples (e.g. {@code target-covariance.npy},
 * so that an independent check can rebuild the exact target): a file name, its shape, and row-major data.
 * A plain final class, not a record (Kryo 4 cannot serialise records; see PLATFORM-NOTES.md).
 */
public final class OutputArray {
    private final String fileName;
    private final int rows;
    private final int cols;
    private final double[] data;

    public OutputArray(String fileName, int rows, int cols, double[] data) {
        if (fileName == null || !fileName.matches("[A-Za-z0-9][A-Za-z0-9._-]*\\.npy")) {
            throw new IllegalArgumentException("output file name must be a plain NAME.npy, got " + fileName);
        }
        if (rows < 0 || cols < 0 || data.length != (long) rows * cols) {
            throw new IllegalArgumentException(fileName + ": shape (" + rows + ", " + cols + ") does not match "
                    + data.length + " values");
        }
        this.fileName = fileName;
        this.rows = rows;
        this.cols = cols;
        this.data = data;
    }

    /** A plain file name (no directory part) ending in .npy. */
    public String fileName() {
        return fileName;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** Row-major data; owned by this object (the producer hands over a copy), read it, do not modify it. */
    public double[] data() {
        return data;
    }
}
