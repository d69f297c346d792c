package io.piadm.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * Times each evaluate call of a delegate (benchmarks, the planner's probes): per call its wall nanoseconds
 * and its rows, in call order. Closing it closes nothing: the caller owns the delegate.
 */
public final class TimedEvaluator implements ScoreEvaluator {
    private final ScoreEvaluator inner;
    /** Wall nanoseconds of each call, in order (mutable: a benchmark clears it after its warm-up). */
    public final List<Long> nanos = new ArrayList<>();
    /** Rows of each call, in order. */
    public final List<Integer> rows = new ArrayList<>();
    /** {@link System#nanoTime()} at the start of each call, in order (the gaps between calls are the caller's). */
    public final List<Long> starts = new ArrayList<>();

    public TimedEvaluator(ScoreEvaluator inner) {
        this.inner = inner;
    }

    public ScoreEvaluator inner() {
        return inner;
    }

    /** Forgets every call so far (a benchmark's warm-up). */
    public void clear() {
        nanos.clear();
        rows.clear();
        starts.clear();
    }

    /** Wall nanoseconds of every call so far. */
    public long totalNanos() {
        long t = 0;
        for (long n : nanos) {
            t += n;
        }
        return t;
    }

    @Override
    public int dim() {
        return inner.dim();
    }

    @Override
    public void evaluate(RoundInfo round, double[] x, double[] t, long[] ids, int n, double[] out) {
        long s = System.nanoTime();
        inner.evaluate(round, x, t, ids, n, out);
        nanos.add(System.nanoTime() - s);
        rows.add(n);
        starts.add(s);
    }

    @Override
    public String describe() {
        return inner.describe();
    }
}
