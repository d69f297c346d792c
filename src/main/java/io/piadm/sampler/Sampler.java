package io.piadm.sampler;

import io.piadm.eval.CountingEvaluator;

/**
 * One sampling algorithm on a fixed {@link SamplerConfig} (grid, seed, Picard settings). A sampler is a
 * sequence of stages (outer blocks; a whole-grid method has one); the {@link SamplingDriver} runs the
 * stages over batches of samples, which is where checkpoints go.
 *
 * <p>Contract: a sample's output depends only on (seed, sample id, config), never on which other samples
 * share the batch, the batch size, the thread count or the evaluator.
 */
public interface Sampler {
    SamplerKind kind();

    /** The kind's name: sde, ode, paradigms, paradigms-ode, piadm-sde, piadm-ode. */
    default String name() {
        return kind().id();
    }

    SamplerConfig config();

    default int stageCount() {
        return kind().stageCount(config());
    }

    /**
     * Advances {@code ids.length} samples through stage {@code stage}. {@code y} holds their rows
     * (ids.length x d), read and overwritten in place. Every score evaluation goes through {@code evaluator},
     * which also counts them.
     */
    StageTrace runStage(int stage, long[] ids, double[] y, CountingEvaluator evaluator, SamplingListener listener);

    /** Working memory in doubles per sample per stage (for batch sizing). */
    long workingDoublesPerSample(int dim);
}
