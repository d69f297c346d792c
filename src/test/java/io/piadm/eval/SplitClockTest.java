package io.piadm.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;

/** The run's own split of its time: counts exact per block, the two parts bounded by what was spent. */
class SplitClockTest {
    /** Scores 2 x, after holding the call for {@code holdNanos} of wall time. */
    private static ScoreEvaluator slow(long holdNanos) {
        return new ScoreEvaluator() {
            @Override
            public int dim() {
                return 2;
            }

            @Override
            public void evaluate(RoundInfo round, double[] x, double[] t, long[] ids, int rows, double[] out) {
                sleep(holdNanos);
                for (int i = 0; i < rows * 2; i++) {
                    out[i] = 2 * x[i];
                }
            }

            @Override
            public String describe() {
                return "slow";
            }
        };
    }

    private static void sleep(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() < end) {
            LockSupport.parkNanos(end - System.nanoTime());
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void countsPerBlockAndBoundsBothParts() {
        long hold = 3_000_000L; // 3 ms inside each call
        long gap = 2_000_000L; // 2 ms between calls
        SplitClock c = new SplitClock(slow(hold));
        int[] rowsPerCall = {3, 1, 4, 2, 5};
        int[] blockOf = {0, 0, 1, 1, 1};
        long t0 = System.nanoTime();
        for (int k = 0; k < rowsPerCall.length; k++) {
            if (k > 0) {
                sleep(gap);
            }
            int n = rowsPerCall[k];
            double[] x = new double[n * 2];
            for (int i = 0; i < x.length; i++) {
                x[i] = i + k;
            }
            double[] out = new double[n * 2];
            c.evaluate(new RoundInfo("test", blockOf[k], "predictor", k + 1), x, new double[n], null, n, out);
            for (int i = 0; i < x.length; i++) {
                assertEquals(2 * x[i], out[i], 0.0, "the delegate's scores pass through unchanged");
            }
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        Map<String, Object> d = c.describeSplit();
        List<Map<String, Object>> blocks = (List<Map<String, Object>>) d.get("blocks");
        assertEquals(2, blocks.size());
        assertArrayEquals(new long[] {2, 3}, new long[] {(long) blocks.get(0).get("rounds"), (long) blocks.get(1).get("rounds")});
        assertArrayEquals(new long[] {4, 11}, new long[] {(long) blocks.get(0).get("rows"), (long) blocks.get(1).get("rows")});
        // Every call held at least 3 ms; four gaps of at least 2 ms fell between calls (none before the first).
        assertTrue(c.insideSeconds() >= 5 * hold / 1e9, "inside " + c.insideSeconds());
        assertTrue(c.betweenSeconds() >= 4 * gap / 1e9, "between " + c.betweenSeconds());
        assertTrue(c.insideSeconds() + c.betweenSeconds() <= wall, "the parts exceed the wall time");
        // The gap before block 1's first call belongs to block 1: block 0 saw one gap, block 1 three.
        assertTrue((double) blocks.get(0).get("betweenCallsSeconds") >= gap / 1e9);
        assertTrue((double) blocks.get(1).get("betweenCallsSeconds") >= 3 * gap / 1e9);
        assertEquals(c.insideSeconds(), (double) d.get("insideEvaluatorSeconds"), 0.0);
    }
}
