package io.piadm.checkpoint;

import io.piadm.sampler.StageTrace;

import java.util.List;
import java.util.Map;

/**
 * A checkpoint: the state rows of samples {@code firstSample .. firstSample + count)} after stage
 * {@code stage} (so a run continues at {@code stage + 1}), with the run's identity (what determines the
 * samples) and the traces of the stages done so far. Resuming from it gives the uninterrupted run's
 * samples bit for bit, because the sampler state after a stage is exactly the rows (noise is
 * counter-based, keyed by sample and step).
 */
public final class CheckpointState {
    private final String configHash;
    private final Map<String, Object> identity;
    private final long seed;
    private final int stage;
    private final int stageCount;
    private final long firstSample;
    private final int count;
    private final int dim;
    private final double[] rows;
    private final List<StageTrace> traces;

    public CheckpointState(String configHash, Map<String, Object> identity, long seed, int stage, int stageCount,
            long firstSample, int count, int dim, double[] rows, List<StageTrace> traces) {
        if ((long) count * dim != rows.length) {
            throw new IllegalArgumentException("checkpoint rows: " + rows.length + " values for " + count + " x " + dim);
        }
        this.configHash = configHash;
        this.identity = identity;
        this.seed = seed;
        this.stage = stage;
        this.stageCount = stageCount;
        this.firstSample = firstSample;
        this.count = count;
        this.dim = dim;
        this.rows = rows;
        this.traces = List.copyOf(traces);
    }

    public String configHash() {
        return configHash;
    }

    public Map<String, Object> identity() {
        return identity;
    }

    public long seed() {
        return seed;
    }

    /** The last stage done (0-based). */
    public int stage() {
        return stage;
    }

    public int nextStage() {
        return stage + 1;
    }

    public int stageCount() {
        return stageCount;
    }

    public long firstSample() {
        return firstSample;
    }

    public int count() {
        return count;
    }

    public int dim() {
        return dim;
    }

    /** The rows (not copied). */
    public double[] rows() {
        return rows;
    }

    public List<StageTrace> traces() {
        return traces;
    }
}
