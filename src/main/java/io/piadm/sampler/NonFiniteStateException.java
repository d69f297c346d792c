package io.piadm.sampler;

/**
 * A score or a state came out NaN or infinite: the run stops, naming where (block, phase, sweep) and for
 * which sample, instead of writing non-finite samples as if they were a result.
 */
public final class NonFiniteStateException extends io.piadm.config.RunFailure {
    private static final long serialVersionUID = 1L;

    private final long sample;
    private final int stage;

    NonFiniteStateException(String sampler, int stage, String phase, int sweep, long sample, int point, double time) {
        super(String.format(java.util.Locale.ROOT,
                "%s: non-finite state in block %d, %s sweep %d, sample %d (grid point %d, forward time %.6g):"
                        + " the score model returned NaN or Inf, or the state overflowed", sampler, stage + 1, phase,
                sweep, sample, point, time));
        this.sample = sample;
        this.stage = stage;
    }

    /** The id of the first sample found non-finite. */
    public long sample() {
        return sample;
    }

    /** The stage (0-based block) where it happened. */
    public int stage() {
        return stage;
    }
}
