package io.piadm.spark;

import io.piadm.model.AnalyticTarget;
import io.piadm.model.ExecutionContext;
import io.piadm.model.ModelSpec;
import io.piadm.model.ScoreModel;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test model: another spec's exact scores, slowed down by {@code sleepMillis} per call (so a test can act
 * mid-run; with {@link #slowAbove}, only calls that score a point at a forward time above a threshold) and, while this JVM's {@link #FAILURES} budget lasts, throwing when it scores a sample of ids
 * {@code [failFrom, failTo)} at a forward time below {@code failBelow} (a later block). The scores, and
 * so the samples, are the wrapped spec's; its id differs (executors cache models by id).
 */
public final class FaultySpec implements ModelSpec {
    private static final long serialVersionUID = 1L;
    /** Injected failures left in this JVM (local masters share it with the test). */
    static final AtomicInteger FAILURES = new AtomicInteger();

    private final ModelSpec inner;
    private final long sleepMillis;
    private final long failFrom;
    private final long failTo;
    private final double failBelow;
    /** A call sleeps only when it scores a point at a forward time above this. */
    private final double sleepAbove;

    FaultySpec(ModelSpec inner, long sleepMillis, long failFrom, long failTo, double failBelow) {
        this(inner, sleepMillis, failFrom, failTo, failBelow, Double.NEGATIVE_INFINITY);
    }

    private FaultySpec(ModelSpec inner, long sleepMillis, long failFrom, long failTo, double failBelow,
            double sleepAbove) {
        this.inner = inner;
        this.sleepMillis = sleepMillis;
        this.failFrom = failFrom;
        this.failTo = failTo;
        this.failBelow = failBelow;
        this.sleepAbove = sleepAbove;
    }

    /** {@code inner}'s scores; a call that scores any point at a forward time above {@code above} sleeps. */
    static FaultySpec slowAbove(ModelSpec inner, double above, long sleepMillis) {
        return new FaultySpec(inner, sleepMillis, 0, 0, 0, above);
    }

    private boolean sleeps(double[] t, int from, int n) {
        for (int r = from; r < from + n; r++) {
            if (t[r] > sleepAbove) {
                return true;
            }
        }
        return false;
    }

    @Override
    public int dim() {
        return inner.dim();
    }

    @Override
    public ScoreModel build(ExecutionContext context) {
        ScoreModel m = inner.build(context);
        return new ScoreModel() {
            @Override
            public int dim() {
                return m.dim();
            }

            @Override
            public void score(double[] x, double[] t, int from, int n, double[] out) {
                score(x, t, null, from, n, out);
            }

            @Override
            public void score(double[] x, double[] t, long[] ids, int from, int n, double[] out) {
                if (sleepMillis > 0 && sleeps(t, from, n)) {
                    try {
                        Thread.sleep(sleepMillis);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("interrupted", e);
                    }
                }
                if (ids != null && FAILURES.get() > 0) {
                    for (int r = from; r < from + n; r++) {
                        if (ids[r] >= failFrom && ids[r] < failTo && t[r] < failBelow
                                && FAILURES.getAndDecrement() > 0) {
                            throw new IllegalStateException("injected failure at sample " + ids[r] + ", t = " + t[r]);
                        }
                    }
                }
                m.score(x, t, ids, from, n, out);
            }

            @Override
            public void close() {
                m.close();
            }
        };
    }

    @Override
    public String id() {
        return inner.id() + ",faulty=" + sleepMillis + ":" + failFrom + ":" + failTo + ":" + failBelow
                + (sleepAbove > Double.NEGATIVE_INFINITY ? ":above=" + sleepAbove : "");
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> m = new java.util.LinkedHashMap<>(inner.describe());
        m.put("faulty", id());
        return m;
    }

    @Override
    public AnalyticTarget analyticTarget() {
        return inner.analyticTarget();
    }
}
