package io.piadm.sampler;

import io.piadm.eval.RoundInfo;

/**
 * Progress callbacks with the same fields for every sampler (cf. k-diffusion's callback). The Spark issue
 * uses {@link #onStageEnd} to checkpoint block state.
 */
public interface SamplingListener {
    /** After each round: the largest scaled residual over the batch (NaN for sequential steps). */
    default void onSweep(RoundInfo round, double residual, int activeSamples, int rowsEvaluated) {}

    /**
     * After all samples have passed stage {@code stage}: {@code state} holds their rows (count x d),
     * {@code trace} the merged trace. Called on the driver, from the sampling thread. In the executor-resident
     * sample-parallel mode the state never reaches the driver: there {@code state} is null, and the calls
     * come once per stage after the chunks have run all stages.
     */
    default void onStageEnd(int stage, int stageCount, StageTrace trace, double[] state) {}

    SamplingListener NONE = new SamplingListener() {};
}
