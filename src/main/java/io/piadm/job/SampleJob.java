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

    private final ModelSpec model;
    private final SamplerKind kind;
    private final SamplerConfig config;
    private final int samples;
    private final long firstSample;
    private final int batchSize;
    private final Integer threads;
    private final LinkedHashMap<String, Object> scheduleSettings;

    /**
     * @param threads          evaluator threads, or null for the backend's default (all processors in this
     *                         JVM; a Spark task's cores inside a task)
     * @param scheduleSettings the resolved schedule settings (ScheduleConfig.describe()), for the report
     */
    public SampleJob(ModelSpec model, SamplerKind kind, SamplerConfig config, int samples, long firstSample,
            int batchSize, Integer threads, Map<String, Object> scheduleSettings) {
        if (samples < 1) {
            throw InvalidSettingException.range(Setting.SAMPLES, "an integer >= 1", samples);
        }
        if ((long) samples * model.dim() > Integer.MAX_VALUE - 8) {
            throw new InvalidSettingException("{0} x d must be below 2^31 (one array holds the samples), got "
                    + samples + " x " + model.dim(), Setting.SAMPLES);
        }
        if (firstSample < 0) {
            throw new IllegalArgumentException("first sample id must be >= 0, got " + firstSample);
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

    public int samples() {
        return samples;
    }

    public long firstSample() {
        return firstSample;
    }

    public int batchSize() {
        return batchSize;
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
