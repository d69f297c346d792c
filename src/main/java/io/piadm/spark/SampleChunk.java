package io.piadm.spark;

import io.piadm.sampler.StageTrace;

/**
 * A chunk of samples {@code firstId .. firstId+count)} with their rows (count x dim), held by the driver:
 * what {@link ParquetSamples#write} sends to the tasks that write in-memory samples (time-parallel runs).
 * Sample-parallel runs never ship rows: their tasks get a {@link ResidentChunk}.
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
