package io.piadm.sampler;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The samples ({@link SampleSource}: in memory, count x d row-major, or wherever executors wrote them) with
 * the per-stage trace and the costs, counted alike for every sampler.
 */
public final class SamplingResult {
    private final String sampler;
    private final int dim;
    private final long firstSample;
    private final long count;
    /** The rows when they are in memory, else null. */
    private final double[] samples;
    private final SampleSource source;
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
        this(sampler, new InMemorySamples(samples, firstSample, count, dim), samples, stages, wallSeconds,
                evaluatorCalls);
    }

    /** Samples that are not (all) in this JVM's memory, e.g. Parquet parts written by executors. */
    public SamplingResult(String sampler, SampleSource source, List<StageTrace> stages, double wallSeconds,
            long evaluatorCalls) {
        this(sampler, source, source instanceof InMemorySamples ? ((InMemorySamples) source).rows() : null, stages,
                wallSeconds, evaluatorCalls);
    }

    private SamplingResult(String sampler, SampleSource source, double[] samples, List<StageTrace> stages,
            double wallSeconds, long evaluatorCalls) {
        this.evaluatorCalls = evaluatorCalls;
        this.sampler = sampler;
        this.dim = source.dim();
        this.firstSample = source.firstSample();
        this.count = source.count();
        this.samples = samples;
        this.source = source;
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

    public long count() {
        return count;
    }

    /** True when every sample is in this JVM's memory ({@link #samples()} returns them). */
    public boolean inMemory() {
        return samples != null;
    }

    /**
     * The samples, count x d row-major (not copied), when they are in memory; a run whose samples stayed
     * on the executors has none here (use {@link #source()}).
     */
    public double[] samples() {
        if (samples == null) {
            throw new IllegalStateException("the " + count + " samples of this run are not in this JVM's memory"
                    + " (executor-resident run): read them through source()");
        }
        return samples;
    }

    /** Where the samples are: count, dimension, subsample, a streaming pass. */
    public SampleSource source() {
        return source;
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
