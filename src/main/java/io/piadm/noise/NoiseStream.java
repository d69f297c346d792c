package io.piadm.noise;

/** Independent noise streams; each gets its own counter space so no two uses ever share a draw. */
public enum NoiseStream {
    /** The starting state y ~ N(0, I) at the horizon. */
    INITIAL(1),
    /** The Brownian increment of one reverse SDE step (shared by every Picard sweep of a block). */
    STEP(2),
    /** The fresh velocity v_0 ~ N(0, I) of a Langevin corrector run. */
    CORRECTOR_VELOCITY(3),
    /** The correlated (W_x, W_v) pair of one corrector step: 2d normals per step. */
    CORRECTOR_STEP(4),
    /** Fresh draws from a known target, for metrics (never used by a sampler). */
    REFERENCE(5),
    /** Seeded random directions and fields of models and metrics (score-error field, slices). */
    AUXILIARY(6);

    private final int code;

    NoiseStream(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }
}
