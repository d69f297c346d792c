package io.piadm.model;

/**
 * A batched score function {@code score(x, t) = grad_x log p_t(x)} at OU forward time t (docs/ALGORITHMS.md
 * section 1). Executor-side instance, built from a {@link ModelSpec}.
 *
 * <p>Contract: thread-safe; each output row depends only on its own input row (never on n or on the
 * other rows of the batch), so that results are the same whatever the batching, threading or
 * partitioning.
 */
public interface ScoreModel extends AutoCloseable {
    /** Dimension d of the state. */
    int dim();

    /**
     * Scores of rows {@code from .. from+n)}: row i is {@code x[i*d .. (i+1)*d)} at forward time
     * {@code t[i]}, written to the same row of {@code out}. Arrays are row-major and may be longer than
     * needed; rows outside the range are neither read nor written (threads share the arrays).
     */
    void score(double[] x, double[] t, int from, int n, double[] out);

    /**
     * As {@link #score(double[], double[], int, int, double[])}, knowing the sample id of each row
     * ({@code ids[i]} for row i; null when unknown). Models conditioned per sample (a class label derived
     * from the id) override this; the others ignore the ids.
     */
    default void score(double[] x, double[] t, long[] ids, int from, int n, double[] out) {
        score(x, t, from, n, out);
    }

    /** Scores of rows {@code 0 .. n)}. */
    default void score(double[] x, double[] t, int n, double[] out) {
        score(x, t, 0, n, out);
    }

    /** Releases native resources (an ONNX session); analytic models hold none. */
    @Override
    default void close() {}
}
