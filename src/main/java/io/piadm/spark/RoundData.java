package io.piadm.spark;

/** A whole round's states and times, broadcast to every executor (broadcast mode). */
public final class RoundData {
    final int rows;
    final double[] x;
    final double[] t;

    RoundData(int rows, double[] x, double[] t) {
        this.rows = rows;
        this.x = x;
        this.t = t;
    }
}
