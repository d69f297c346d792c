package io.piadm.job;

import io.piadm.model.ModelSpec;
import io.piadm.sampler.Sampler;
import io.piadm.sampler.SamplerConfig;
import io.piadm.sampler.Samplers;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One sampling job, fully resolved (every default already applied) and serialisable, so any backend
 * (local threads, Spark) can run it and run.json can describe it: the model spec, the sampler by name and
 * its config, which samples ({@code firstSample .. firstSample + samples)}), the batch size and threads.
 * Results depend only on (model, sampler, config, sample ids), never on batchSize or threads.
 */
public final class SampleJob implements Serializable {
    private static final long serialVersionUID = 1L;

    private final ModelSpec model;
    private final String sampler;
    private final SamplerConfig config;
    private final int samples;
    private final long firstSample;
    private final int batchSize;
    private final int threads;
    private final LinkedHashMap<String, Object> scheduleSettings;

    /**
     * @param scheduleSettings the resolved schedule settings (ScheduleConfig.describe()), for the report
     */
    public SampleJob(ModelSpec model, String sampler, SamplerConfig config, int samples, long firstSample,
            int batchSize, int threads, Map<String, Object> scheduleSettings) {
        if (!Samplers.NAMES.contains(sampler)) {
            throw new IllegalArgumentException("--sampler must be one of " + String.join(", ", Samplers.NAMES)
                    + "; got '" + sampler + "'");
        }
        if (samples < 1) {
            throw new IllegalArgumentException("--samples must be an integer >= 1, got " + samples);
        }
        if ((long) samples * model.dim() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("--samples x d must be below 2^31 (one array holds the samples), got "
                    + samples + " x " + model.dim());
        }
        if (firstSample < 0) {
            throw new IllegalArgumentException("first sample id must be >= 0, got " + firstSample);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("--batch-size must be an integer >= 1, got " + batchSize);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("--threads must be an integer >= 1, got " + threads);
        }
        this.model = model;
        this.sampler = sampler;
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

    public String samplerName() {
        return sampler;
    }

    public SamplerConfig config() {
        return config;
    }

    /** A fresh sampler for this job (cheap; samplers hold only the config). */
    public Sampler createSampler() {
        return Samplers.create(sampler, config, model.dim());
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

    public int threads() {
        return threads;
    }

    public long seed() {
        return config.seed();
    }

    public Map<String, Object> scheduleSettings() {
        return new LinkedHashMap<>(scheduleSettings);
    }
}
