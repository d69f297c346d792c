package io.piadm.config;

import java.util.Locale;

/**
 * The user-facing settings of a run, as typed keys (cf. spark-rapids' RapidsConf): lower layers name the
 * setting a problem is about with one of these, never with a front end's spelling of it. The command line
 * ({@code io.piadm.cli}) renders each as its flag, {@code --} followed by {@link #key()}.
 */
public enum Setting {
    MODEL, SAMPLER, SAMPLES, SEED, OUT,
    STEPS_PER_BLOCK, BLOCK_LENGTH, HORIZON, ETA, ACCURACY,
    ITERATIONS, TOLERANCE, MAX_ITERATIONS, WINDOW, PICARD_SCHEME, ANDERSON, FROZEN_FRONT, WARM_START, BLOCK_STIFFNESS,
    CORRECTOR, CORRECTOR_STEPS, CORRECTOR_TIME, FRICTION,
    BACKEND, MASTER, PARTITIONS, PARALLELISM, RESUME, CHECKPOINT_DIR, THREADS, BATCH_SIZE,
    REFERENCE_DATA, OVERWRITE, IF_EXISTS, NPY_MAX_SIZE,
    CLASSES, GUIDANCE, DTYPE, PNG_PER_SAMPLE, DENOISE_FINAL, CLASSIFIER,
    // piadm bench
    JSON, DIMS, TARGET_KL,
    // piadm train
    DATASET, EPOCHS, TRAIN_SIZE, HIDDEN, LR, FINAL_LR, T_MIN, T_MAX, NAME;

    /** Neutral spelling: lower case with hyphens ({@code BATCH_SIZE -> batch-size}). */
    public String key() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
