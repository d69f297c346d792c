package io.piadm.spark;

/** Scores of rows {@code from .. from+rows)} of one round, returned by a task to the driver. */
public final class ScoreBlock {
    final int from;
    final int rows;
    final double[] scores;

    ScoreBlock(int from, int rows, double[] scores) {
        this.from = from;
        this.rows = rows;
        this.scores = scores;
    }
}
