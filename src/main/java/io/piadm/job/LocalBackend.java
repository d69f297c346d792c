package io.piadm.job;

import io.piadm.eval.LocalEvaluator;
import io.piadm.model.ScoreModel;
import io.piadm.sampler.Sampler;
import io.piadm.sampler.SamplingDriver;
import io.piadm.sampler.SamplingListener;
import io.piadm.sampler.SamplingResult;

import java.util.Map;

/** Runs a job in this JVM: {@link LocalEvaluator} on the job's threads + {@link SamplingDriver}. */
public final class LocalBackend implements Backend {
    public static final String NAME = "local";

    private int threads;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SamplingResult run(SampleJob job, SamplingListener listener) {
        Sampler sampler = job.createSampler();
        threads = job.threads(Runtime.getRuntime().availableProcessors());
        try (ScoreModel model = job.model().build();
                LocalEvaluator evaluator = new LocalEvaluator(model, threads)) {
            SamplingDriver driver = new SamplingDriver(sampler, evaluator, job.batchSize());
            return driver.run(job.firstSample(), job.samples(), listener);
        }
    }

    @Override
    public Map<String, Object> describe(SampleJob job) {
        Map<String, Object> m = Backend.super.describe(job);
        int t = threads > 0 ? threads : job.threads(Runtime.getRuntime().availableProcessors());
        m.put("evaluator", "local(threads=" + t + ")");
        m.put("threads", t);
        m.put("batchSize", job.batchSize());
        return m;
    }
}
