package io.piadm.eval;

/**
 * Where score evaluations run (ARCHITECTURE.md, "The one idea"). A sampler hands over a batch of
 * (state, forward time) rows and gets the scores back; one call is one round of parallel evaluations.
 * Samplers see only this interface, so new evaluators (Spark executors, GPUs) need no sampler change.
 *
 * <p>Contract: row i of the output depends only on row i of the input (see
 * {@link io.piadm.model.ScoreModel}); the evaluator may split, reorder and distribute rows freely.
 */
public interface ScoreEvaluator extends AutoCloseable {
    /** Dimension d of each row. */
    int dim();

    /**
     * Scores of {@code rows} rows: {@code x[i*d .. (i+1)*d)} at forward time {@code t[i]}, into
     * {@code out} (same layout). {@code ids[i]} is the sample row i belongs to (null when unknown), for
     * models conditioned per sample (a class label is part of a sample's identity). Called from one thread
     * at a time.
     */
    void evaluate(RoundInfo round, double[] x, double[] t, long[] ids, int rows, double[] out);

    /** Rows that belong to no particular sample (benchmarks, tests). */
    default void evaluate(RoundInfo round, double[] x, double[] t, int rows, double[] out) {
        evaluate(round, x, t, null, rows, out);
    }

    /** Short description for logs and run.json (e.g. {@code local(threads=2)}). */
    String describe();

    @Override
    default void close() {}
}
