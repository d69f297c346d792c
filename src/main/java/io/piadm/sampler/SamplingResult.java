package io.piadm.sampler;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Samples (count x d, row-major) with the per-stage trace and the costs, counted alike for every sampler. */
public final class SamplingResult {
    private final String sampler;
    private final int dim;
    private final long firstSample;
    private final int count;
    private final double[] samples;
    private final List<StageTrace> stages;
    private final double wallSeconds;
    private final long evaluatorCalls;

    /**
     * @param evaluatorCalls evaluator calls actually made one after another (equals {@link #rounds()} when
     *                       one batch ran; more when batches ran one after another), counted by the
     *                       {@link io.piadm.eval.CountingEvaluator}; -1 when the calls ran in parallel tasks
     */
    public SamplingResult(String sampler, int dim, long firstSample, int count, double[] samples,
            List<StageTrace> stages, double wallSeconds, long evaluatorCalls) {
        this.evaluatorCalls = evaluatorCalls;
        this.sampler = sampler;
        this.dim = dim;
        this.firstSample = firstSample;
        this.count = count;
        this.samples = samples;
        this.stages = Collections.unmodifiableList(new ArrayList<>(stages));
        this.wallSeconds = wallSeconds;
    }

    public String sampler() {
        return sampler;
    }

    public int dim() {
        return dim;
    }

    public long firstSample() {
        return firstSample;
    }

    public int count() {
        return count;
    }

    /** The samples, count x d row-major (not copied). */
    public double[] samples() {
        return samples;
    }

    public List<StageTrace> stages() {
        return stages;
    }

    /**
     * Sequential rounds of score evaluations: the sum over stages of their rounds (a stage's rounds are the
     * most sweeps any sample needed), i.e. the rounds of one batch holding every sample.
     */
    public long rounds() {
        long r = 0;
        for (StageTrace s : stages) {
            r += s.rounds();
        }
        return r;
    }

    /** Score evaluations summed over all samples. */
    public long evaluationsTotal() {
        long e = 0;
        for (StageTrace s : stages) {
            e += s.pointsEvaluated();
        }
        return e;
    }

    /** Score evaluations per sample (mean over samples). */
    public double evaluationsPerSample() {
        return count == 0 ? 0 : (double) evaluationsTotal() / count;
    }

    public double wallSeconds() {
        return wallSeconds;
    }

    /** Evaluator calls made one after another on the calling thread (-1: not applicable). */
    public long evaluatorCalls() {
        return evaluatorCalls;
    }
}
