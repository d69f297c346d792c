package io.piadm.spark;

/**
 * One chunk of an executor-resident run, as its task receives it: sample ids {@code firstId .. firstId +
 * count)} and which of them belong to the run's subsample. No sample state: the task draws the chunk's
 * initial noise itself (or reads its own checkpoint).
 */
public final class ResidentChunk {
    final int index;
    final long firstId;
    final int count;
    /** Ids of the run's subsample that fall in this chunk, ascending. */
    final long[] subsampleIds;
    /** The checkpoint directory held files of this chunk when the job started (else a first attempt starts fresh). */
    final boolean hadCheckpoint;

    ResidentChunk(int index, long firstId, int count, long[] subsampleIds, boolean hadCheckpoint) {
        this.hadCheckpoint = hadCheckpoint;
        this.index = index;
        this.firstId = firstId;
        this.count = count;
        this.subsampleIds = subsampleIds;
    }
}
