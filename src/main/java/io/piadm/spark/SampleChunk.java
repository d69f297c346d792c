package io.piadm.spark;

import io.piadm.sampler.StageTrace;

/**
 * A chunk of samples {@code firstId .. firstId+count)} with their state (count x dim) after stage
 * {@code stage - 1}; sent to a task of the sample-parallel job and returned after stage {@code stage} with
 * the stage's trace.
 */
public final class SampleChunk {
    final long firstId;
    final int count;
    final int stage;
    final double[] state;
    final StageTrace trace;

    SampleChunk(long firstId, int count, int stage, double[] state, StageTrace trace) {
        this.firstId = firstId;
        this.count = count;
        this.stage = stage;
        this.state = state;
        this.trace = trace;
    }
}
