package io.piadm.eval;

/**
 * The one place where evaluator work is counted (ARCHITECTURE.md "Seams"): every call made through it is
 * one round of parallel score evaluations, every row one evaluation. Samplers read phase totals as
 * differences of these counters, so rounds and evaluations are counted the same way for every sampler and
 * every evaluator (local threads, Spark executors).
 */
public final class CountingEvaluator implements ScoreEvaluator {
    private final ScoreEvaluator inner;
    private long calls;
    private long rows;

    private CountingEvaluator(ScoreEvaluator inner) {
        this.inner = inner;
    }

    /** {@code ev} itself when it already counts, else a counting wrapper around it. */
    public static CountingEvaluator of(ScoreEvaluator ev) {
        return ev instanceof CountingEvaluator c ? c : new CountingEvaluator(ev);
    }

    @Override
    public int dim() {
        return inner.dim();
    }

    @Override
    public void evaluate(RoundInfo round, double[] x, double[] t, long[] ids, int n, double[] out) {
        if (n == 0) {
            return;
        }
        inner.evaluate(round, x, t, ids, n, out);
        calls++;
        rows += n;
    }

    /** Evaluator calls so far: the rounds actually run one after another (batches included). */
    public long calls() {
        return calls;
    }

    /** Score evaluations so far (rows over all calls). */
    public long rows() {
        return rows;
    }

    public ScoreEvaluator inner() {
        return inner;
    }

    @Override
    public String describe() {
        return inner.describe();
    }

    @Override
    public void close() {
        inner.close();
    }
}
