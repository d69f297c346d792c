package io.piadm.spark;

import io.piadm.model.ExecutionContext;
import io.piadm.model.ModelSpec;
import io.piadm.model.ScoreModel;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A calibration "model" that returns its input as the score (a copy, no arithmetic), optionally after
 * holding each call for a fixed wall time without using CPU. A round scored with it costs the channel, both
 * ways, and the driver's side of the round, plus the hold. The hold matters: with a model that takes time,
 * every task's reply is ready only after it, so the replies' transfer can no longer overlap the sending of
 * the other tiles (measured on 16 emulated 20 ms devices at d = 1024: rounds of 2,000 rows spent about 10 ms
 * more than the instant echo predicted). Never used for sampling.
 */
final class EchoSpec implements ModelSpec {
    private static final long serialVersionUID = 1L;
    private final int dim;
    private final long holdNanos;

    EchoSpec(int dim) {
        this(dim, 0);
    }

    /** @param holdNanos wall time each call takes at least (parked, no CPU) */
    EchoSpec(int dim, long holdNanos) {
        this.dim = dim;
        this.holdNanos = Math.max(0, holdNanos);
    }

    @Override
    public int dim() {
        return dim;
    }

    @Override
    public ScoreModel build(ExecutionContext context) {
        return new ScoreModel() {
            @Override
            public int dim() {
                return dim;
            }

            @Override
            public void score(double[] x, double[] t, int from, int n, double[] out) {
                long end = System.nanoTime() + holdNanos;
                System.arraycopy(x, from * dim, out, from * dim, n * dim);
                for (long left = end - System.nanoTime(); left > 0; left = end - System.nanoTime()) {
                    java.util.concurrent.locks.LockSupport.parkNanos(left);
                }
            }
        };
    }

    @Override
    public String id() {
        return "echo:d=" + dim + (holdNanos > 0 ? ",hold-ns=" + holdNanos : "");
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "echo");
        m.put("d", dim);
        m.put("holdNanos", holdNanos);
        return m;
    }
}
