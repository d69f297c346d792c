package io.piadm.spark;

/** A whole round's states and times, broadcast to every executor (broadcast mode). */
public final class RoundData {
    final int rows;
    final double[] x;
    final double[] t;
    final long[] ids;

    RoundData(int rows, double[] x, double[] t, long[] ids) {
        this.rows = rows;
        this.x = x;
        this.t = t;
        this.ids = ids;
    }
}
