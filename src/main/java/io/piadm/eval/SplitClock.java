package io.piadm.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Splits a run's wall time, block by block, into the time inside the evaluator (the channel and the model
 * calls) and the time between its calls (the driver's scan, noise and block starts). Memory is O(blocks),
 * whatever the number of rounds or batches. It is how a time-parallel run's own split is put beside the
 * planner's time-parallel probe, which measures the same two parts on the first blocks
 * (CostModel#fitTimeParallel). Calls from one thread at a time, as the evaluator contract says.
 */
public final class SplitClock implements ScoreEvaluator {
    private final ScoreEvaluator inner;
    private final List<long[]> perStage = new ArrayList<>(); // {rounds, rows, inside ns, between ns}
    private long lastEnd = -1;

    public SplitClock(ScoreEvaluator inner) {
        this.inner = inner;
    }

    @Override
    public int dim() {
        return inner.dim();
    }

    @Override
    public void evaluate(RoundInfo round, double[] x, double[] t, long[] ids, int n, double[] out) {
        long s = System.nanoTime();
        inner.evaluate(round, x, t, ids, n, out);
        long e = System.nanoTime();
        int stage = round == null ? 0 : Math.max(0, round.stage());
        while (perStage.size() <= stage) {
            perStage.add(new long[4]);
        }
        long[] a = perStage.get(stage);
        a[0]++;
        a[1] += n;
        a[2] += e - s;
        // The first call has no "before" of the run's kind (the walk's set-up): it is not counted.
        if (lastEnd >= 0) {
            a[3] += s - lastEnd;
        }
        lastEnd = e;
    }

    /** Seconds inside the evaluator, over every block. */
    public double insideSeconds() {
        long t = 0;
        for (long[] a : perStage) {
            t += a[2];
        }
        return t / 1e9;
    }

    /** Seconds between the evaluator's calls (from the first call's end to the last call's start). */
    public double betweenSeconds() {
        long t = 0;
        for (long[] a : perStage) {
            t += a[3];
        }
        return t / 1e9;
    }

    /** For run.json: the totals and, per block, rounds, rows, and the two parts in seconds. */
    public Map<String, Object> describeSplit() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("insideEvaluatorSeconds", insideSeconds());
        m.put("betweenCallsSeconds", betweenSeconds());
        List<Map<String, Object>> blocks = new ArrayList<>();
        for (int s = 0; s < perStage.size(); s++) {
            long[] a = perStage.get(s);
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("block", s);
            b.put("rounds", a[0]);
            b.put("rows", a[1]);
            b.put("insideEvaluatorSeconds", a[2] / 1e9);
            b.put("betweenCallsSeconds", a[3] / 1e9);
            blocks.add(b);
        }
        m.put("blocks", blocks);
        return m;
    }

    @Override
    public String describe() {
        return inner.describe();
    }
}
