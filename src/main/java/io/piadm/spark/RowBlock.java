package io.piadm.spark;

/**
 * Rows {@code from .. from+rows)} of one round, shipped inside an RDD partition (partition-data mode):
 * states {@code x} (rows x dim), forward times {@code t} and the sample id of each row ({@code ids}, null
 * when unknown). Plain final class: Kryo 4 cannot do records.
 */
public final class RowBlock {
    final int from;
    final int rows;
    final double[] x;
    final double[] t;
    final long[] ids;

    RowBlock(int from, int rows, double[] x, double[] t, long[] ids) {
        this.from = from;
        this.rows = rows;
        this.x = x;
        this.t = t;
        this.ids = ids;
    }
}
