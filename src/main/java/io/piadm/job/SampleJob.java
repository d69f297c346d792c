package io.piadm.job;

import io.piadm.config.InvalidSettingException;
import io.piadm.config.Setting;
import io.piadm.model.ModelSpec;
import io.piadm.sampler.Sampler;
import io.piadm.sampler.SamplerConfig;
import io.piadm.sampler.SamplerKind;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One sampling job, fully resolved (every default already applied, every setting validated here once)
 * and serialisable, so any backend (local threads, Spark) can run it and run.json can describe it: the
 * model spec, the sampler kind and its config, which samples ({@code firstSample .. firstSample +
 * samples)}), the batch size and the evaluator threads. Results depend only on {@link #identity()}, never
 * on batchSize or threads.
 */
public final class SampleJob implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Most evaluator threads per JVM (each is a native thread; far beyond the cores it only costs memory). */
    public static final int MAX_THREADS = 4096;

    /** The largest sample id the counter-based noise can key (2^32 - 1). */
    public static final long MAX_SAMPLE_ID = 0xFFFFFFFFL;

    private final ModelSpec model;
    private final SamplerKind kind;
    private final SamplerConfig config;
    private final long samples;
    private final long firstSample;
    private final int batchSize;
    /** True when batchSize is a default (a backend may lower it to fit memory; never changes a sample). */
    private final boolean batchSizeIsDefault;
    private final Integer threads;
    private final LinkedHashMap<String, Object> scheduleSettings;

    /**
     * @param threads          evaluator threads, or null for the backend's default (all processors in this
     *                         JVM; a Spark task's cores inside a task)
     * @param scheduleSettings the resolved schedule settings (ScheduleConfig.describe()), for the report
     */
    public SampleJob(ModelSpec model, SamplerKind kind, SamplerConfig config, long samples, long firstSample,
            int batchSize, Integer threads, Map<String, Object> scheduleSettings) {
        this(model, kind, config, samples, firstSample, batchSize, false, threads, scheduleSettings);
    }

    private SampleJob(ModelSpec model, SamplerKind kind, SamplerConfig config, long samples, long firstSample,
            int batchSize, boolean batchSizeIsDefault, Integer threads, Map<String, Object> scheduleSettings) {
        if (samples < 1) {
            throw InvalidSettingException.range(Setting.SAMPLES, "an integer >= 1", samples);
        }
        if (firstSample < 0) {
            throw new IllegalArgumentException("first sample id must be >= 0, got " + firstSample);
        }
        // The counter-based noise keys a sample by 32 bits of its id (noise/CounterNoise, ALGORITHMS.md 1).
        if (firstSample + samples - 1 > MAX_SAMPLE_ID) {
            throw new InvalidSettingException("{0} must be at most " + (MAX_SAMPLE_ID + 1 - firstSample)
                    + " (the counter-based noise keys sample ids by 32 bits), got " + samples, Setting.SAMPLES);
        }
        if (batchSize < 1) {
            throw InvalidSettingException.range(Setting.BATCH_SIZE, "an integer >= 1", batchSize);
        }
        if (threads != null && (threads < 1 || threads > MAX_THREADS)) {
            throw InvalidSettingException.range(Setting.THREADS, "an integer in [1, " + MAX_THREADS + "]", threads);
        }
        this.model = model;
        this.kind = kind;
        this.config = config;
        this.samples = samples;
        this.firstSample = firstSample;
        this.batchSize = batchSize;
        this.batchSizeIsDefault = batchSizeIsDefault;
        this.threads = threads;
        this.scheduleSettings = new LinkedHashMap<>(scheduleSettings);
    }

    public ModelSpec model() {
        return model;
    }

    public int dim() {
        return model.dim();
    }

    public SamplerKind kind() {
        return kind;
    }

    public SamplerConfig config() {
        return config;
    }

    /** A fresh sampler for this job (cheap; samplers hold only the config). */
    public Sampler createSampler() {
        return kind.create(config, model.dim());
    }

    public long samples() {
        return samples;
    }

    /**
     * The sample count as an int, for backends that hold every sample in one array of this JVM; refuses
     * (naming the setting) a count whose rows cannot fit one Java array.
     */
    public int samplesInOneArray(String where) {
        if (samples * model.dim() > Integer.MAX_VALUE - 8) {
            throw new InvalidSettingException("{0} x d must be below 2^31 when " + where + " holds every sample in one"
                    + " array, got " + samples + " x " + model.dim() + "; the sample-parallel Spark mode keeps samples"
                    + " on the executors", Setting.SAMPLES);
        }
        return (int) samples;
    }

    public long firstSample() {
        return firstSample;
    }

    public int batchSize() {
        return batchSize;
    }

    /** True when {@link #batchSize()} was not asked for: a backend may lower it to fit its memory. */
    public boolean batchSizeIsDefault() {
        return batchSizeIsDefault;
    }

    /** This job with its batch size marked as a default (see {@link #batchSizeIsDefault()}). */
    public SampleJob withDefaultBatchSize() {
        return new SampleJob(model, kind, config, samples, firstSample, batchSize, true, threads, scheduleSettings);
    }

    /** This job with another batch size (results never depend on it), still marked default or not. */
    public SampleJob withBatchSize(int b) {
        return new SampleJob(model, kind, config, samples, firstSample, b, batchSizeIsDefault, threads,
                scheduleSettings);
    }

    /** Evaluator threads asked for, or null (the backend decides). */
    public Integer threadsRequested() {
        return threads;
    }

    /** Evaluator threads in a JVM with {@code available} processors: the request, else all of them. */
    public int threads(int available) {
        return threads != null ? threads : Math.max(1, available);
    }

    public long seed() {
        return config.seed();
    }

    public Map<String, Object> scheduleSettings() {
        return new LinkedHashMap<>(scheduleSettings);
    }

    /** What determines the samples; run.json records it and checkpoints are keyed by its hash. */
    public RunIdentity identity() {
        return RunIdentity.of(this);
    }
}
