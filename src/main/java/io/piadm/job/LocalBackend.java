package io.piadm.job;

import io.piadm.eval.LocalEvaluator;
import io.piadm.model.ScoreModel;
import io.piadm.sampler.Sampler;
import io.piadm.sampler.SamplingDriver;
import io.piadm.sampler.SamplingListener;
import io.piadm.sampler.SamplingResult;

import java.util.Map;

/** Runs a job in this JVM: {@link LocalEvaluator} on {@code job.threads()} threads + {@link SamplingDriver}. */
public final class LocalBackend implements Backend {
    public static final String NAME = "local";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SamplingResult run(SampleJob job, SamplingListener listener) {
        ScoreModel model = job.model().build();
        Sampler sampler = job.createSampler();
        try (LocalEvaluator evaluator = new LocalEvaluator(model, job.threads())) {
            SamplingDriver driver = new SamplingDriver(sampler, evaluator, job.batchSize());
            return driver.run(job.firstSample(), job.samples(), listener);
        }
    }

    @Override
    public Map<String, Object> describe(SampleJob job) {
        Map<String, Object> m = Backend.super.describe(job);
        m.put("evaluator", "local(threads=" + job.threads() + ")");
        m.put("threads", job.threads());
        m.put("batchSize", job.batchSize());
        return m;
    }
}
