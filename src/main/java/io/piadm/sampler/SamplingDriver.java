package io.piadm.sampler;

import io.piadm.eval.CountingEvaluator;
import io.piadm.eval.ScoreEvaluator;
import io.piadm.noise.CounterNoise;
import io.piadm.noise.NoiseSource;
import io.piadm.noise.NoiseStream;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs a {@link Sampler}'s stages over batches of samples: stage-major (every batch passes block n before
 * any enters block n+1), so the full state after each block exists once and can be checkpointed. Batches
 * bound memory (M x d doubles per sample); they never change results.
 */
public final class SamplingDriver {
    /** Default working-memory budget of one batch: 32 Mi doubles (256 MiB). */
    public static final long DEFAULT_BATCH_DOUBLES = 32L << 20;

    private final Sampler sampler;
    private final CountingEvaluator evaluator;
    private final int batchSize;

    public SamplingDriver(Sampler sampler, ScoreEvaluator evaluator, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        this.sampler = sampler;
        this.evaluator = CountingEvaluator.of(evaluator);
        this.batchSize = batchSize;
    }

    /**
     * Runs {@code walk} on a fork-join pool of {@code threads} threads of its own, so the kernel's parallel
     * loops over a batch's samples run there and nowhere else (a Spark task's cores; a probe's one thread,
     * whose CPU is then counted whole). Samples do not depend on it (each sample's arithmetic is its own,
     * DeterminismTest). Interrupted, it interrupts the walk's thread too (a killed task).
     */
    public static <T> T onOwnThreads(int threads, java.util.concurrent.Callable<T> walk) {
        java.util.concurrent.ForkJoinPool pool = new java.util.concurrent.ForkJoinPool(Math.max(1, threads));
        try {
            return pool.submit(walk).get();
        } catch (InterruptedException e) {
            pool.shutdownNow();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable t = e.getCause();
            if (t instanceof RuntimeException re) {
                throw re;
            }
            if (t instanceof Error er) {
                throw er;
            }
            throw new IllegalStateException(t);
        } finally {
            pool.shutdown();
        }
    }

    /** A batch size that keeps one batch's working memory near {@link #DEFAULT_BATCH_DOUBLES}. */
    public static int defaultBatchSize(Sampler sampler, int dim, int count) {
        long per = Math.max(1, sampler.workingDoublesPerSample(dim));
        long b = Math.max(1, DEFAULT_BATCH_DOUBLES / per);
        return (int) Math.max(1, Math.min(count, b));
    }

    /** The starting state at the horizon: row i is N(0, I) noise keyed by (seed, INITIAL, id). */
    public static double[] initialState(long seed, long firstSample, int count, int dim) {
        return initialState(new CounterNoise(seed), firstSample, count, dim);
    }

    /** The starting state drawn from {@code noise}'s INITIAL stream (the config's noise source). */
    public static double[] initialState(NoiseSource noise, long firstSample, int count, int dim) {
        double[] y = new double[count * dim];
        for (int i = 0; i < count; i++) {
            noise.normals(NoiseStream.INITIAL, firstSample + i, 0, 0, y, i * dim, dim);
        }
        return y;
    }

    /** Samples {@code firstSample .. firstSample+count)} from the start. */
    public SamplingResult run(long firstSample, int count, SamplingListener listener) {
        int d = evaluator.dim();
        double[] y = initialState(sampler.config().noise(), firstSample, count, d);
        return resume(firstSample, count, 0, y, List.of(), listener);
    }

    /**
     * Continues from the state after stage {@code nextStage - 1} (a checkpoint): {@code state} holds the
     * count x d rows, {@code previous} the traces of the stages already done.
     */
    public SamplingResult resume(long firstSample, int count, int nextStage, double[] state,
            List<StageTrace> previous, SamplingListener listener) {
        int d = evaluator.dim();
        if (state.length != (long) count * d) {
            throw new IllegalArgumentException("state has " + state.length + " values, expected " + count + " x " + d);
        }
        long start = System.nanoTime();
        long callsBefore = evaluator.calls();
        List<StageTrace> traces = new ArrayList<>(previous);
        double[] y = state.clone();
        int stages = sampler.stageCount();
        // One workspace for the whole walk: each block reuses the previous block's rings and rows (Workspace).
        try (Workspace.Scope ws = Workspace.open()) {
            for (int s = nextStage; s < stages; s++) {
                StageTrace merged = null;
                for (int from = 0; from < count; from += batchSize) {
                    int n = Math.min(batchSize, count - from);
                    long[] ids = new long[n];
                    for (int i = 0; i < n; i++) {
                        ids[i] = firstSample + from + i;
                    }
                    double[] yb = new double[n * d];
                    System.arraycopy(y, from * d, yb, 0, n * d);
                    StageTrace t = sampler.runStage(s, ids, yb, evaluator, listener);
                    System.arraycopy(yb, 0, y, from * d, n * d);
                    merged = merged == null ? t : merged.merge(t);
                }
                if (merged == null) {
                    merged = new StageTrace(s, new double[0], List.of());
                }
                traces.add(merged);
                listener.onStageEnd(s, stages, merged, y);
            }
        }
        double wall = (System.nanoTime() - start) / 1e9;
        return new SamplingResult(sampler.name(), d, firstSample, count, y, traces, wall,
                evaluator.calls() - callsBefore);
    }
}
