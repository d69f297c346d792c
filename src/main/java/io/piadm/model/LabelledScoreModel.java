package io.piadm.model;

/** An executor-side model that takes a class label per row (see {@link LabelledModelSpec}). */
public interface LabelledScoreModel extends ScoreModel {
    /**
     * As {@link ScoreModel#score(double[], double[], int, int, double[])}, with row i conditioned on class
     * {@code labels[i]} (indexed like {@code t}). Each output row depends only on its own row and label.
     */
    void scoreWithLabels(double[] x, double[] t, long[] labels, int from, int n, double[] out);
}
