package io.piadm.noise;

import java.io.Serializable;

/**
 * Where a sampler's Gaussian noise comes from (k-diffusion makes noise injectable the same way). The
 * production source is {@link CounterNoise}; tests may inject another, e.g. a time-keyed Brownian path,
 * to check pathwise (strong) convergence. Contract: a pure function of its key, so that batching,
 * threading, partitioning and retries never change a draw.
 */
public interface NoiseSource extends Serializable {
    /** Fills {@code out[off .. off+n)} with standard normals for one (stream, sample, block, step) key. */
    void normals(NoiseStream stream, long sample, int block, int step, double[] out, int off, int n);
}
