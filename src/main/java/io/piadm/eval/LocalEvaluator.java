package io.piadm.eval;

import io.piadm.model.ScoreModel;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;

/**
 * Evaluates rows on threads of this JVM: the batch is cut into contiguous chunks of at least
 * {@code minRowsPerTask} rows, one model call per chunk. Used by tests, small jobs and inside Spark tasks.
 */
public final class LocalEvaluator implements ScoreEvaluator {
    private final ScoreModel model;
    private final int threads;
    private final int minRowsPerTask;
    private final ExecutorService pool;

    public LocalEvaluator(ScoreModel model, int threads) {
        this(model, threads, 16);
    }

    public LocalEvaluator(ScoreModel model, int threads, int minRowsPerTask) {
        if (threads < 1) {
            throw new IllegalArgumentException("evaluator threads must be >= 1, got " + threads);
        }
        this.model = model;
        this.threads = threads;
        this.minRowsPerTask = Math.max(1, minRowsPerTask);
        ThreadFactory tf = r -> {
            Thread th = new Thread(r, "piadm-eval");
            th.setDaemon(true);
            return th;
        };
        this.pool = threads > 1 ? Executors.newFixedThreadPool(threads, tf) : null;
    }

    /** Uses every available processor. */
    public static LocalEvaluator allCores(ScoreModel model) {
        return new LocalEvaluator(model, Runtime.getRuntime().availableProcessors());
    }

    @Override
    public int dim() {
        return model.dim();
    }

    @Override
    public void evaluate(RoundInfo round, double[] x, double[] t, long[] ids, int rows, double[] out) {
        int chunks = pool == null ? 1 : Math.min(threads, Math.max(1, rows / minRowsPerTask));
        if (chunks <= 1) {
            model.score(x, t, ids, 0, rows, out);
            return;
        }
        List<Future<?>> futures = new ArrayList<>(chunks);
        for (int c = 0; c < chunks; c++) {
            final int from = (int) ((long) rows * c / chunks);
            final int to = (int) ((long) rows * (c + 1) / chunks);
            futures.add(pool.submit(() -> model.score(x, t, ids, from, to - from, out)));
        }
        try {
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while evaluating scores", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException("score evaluation failed: " + cause, cause);
        }
    }

    @Override
    public String describe() {
        return "local(threads=" + threads + ")";
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
