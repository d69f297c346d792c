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
     * {@code out} (same layout). Called from one thread at a time.
     */
    void evaluate(RoundInfo round, double[] x, double[] t, int rows, double[] out);

    /** Short description for logs and run.json (e.g. {@code local(threads=2)}). */
    String describe();

    @Override
    default void close() {}
}
