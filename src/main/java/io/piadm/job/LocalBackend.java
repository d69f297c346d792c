package io.piadm.job;

import io.piadm.config.Setting;
import io.piadm.eval.LocalEvaluator;
import io.piadm.model.ScoreModel;
import io.piadm.sampler.Sampler;
import io.piadm.sampler.SamplingDriver;
import io.piadm.sampler.SamplingListener;
import io.piadm.sampler.SamplingResult;
import io.piadm.sampler.Subsample;

import java.util.Map;

/** Runs a job in this JVM: {@link LocalEvaluator} on the job's threads + {@link SamplingDriver}. */
public final class LocalBackend implements Backend {
    public static final String NAME = "local";

    private int threads;
    private int batchSize;
    private MemoryFit memory;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SamplingResult run(SampleJob job, SamplingListener listener) {
        Sampler sampler = job.createSampler();
        int count = job.samplesInOneArray("the local backend");
        threads = job.threads(Runtime.getRuntime().availableProcessors());
        memory = fitInMemory(job, sampler, Runtime.getRuntime().maxMemory(), MemoryFit.JVM_BASE, "this JVM", 0);
        batchSize = (int) memory.get("batchSize");
        try (ScoreModel model = job.model().build();
                LocalEvaluator evaluator = new LocalEvaluator(model, threads)) {
            SamplingDriver driver = new SamplingDriver(sampler, evaluator, batchSize);
            return driver.run(job.firstSample(), count, listener);
        }
    }

    /**
     * The memory of a run that holds every sample in one JVM (this backend; Spark's time-parallel driver):
     * the state twice (the initial rows and the driver's working copy), one batch's working memory
     * ({@code outputCopies} more copies of the state while outputs are written from memory) and the metrics'
     * copies of the subsample. A default batch size is lowered to fit (it never changes a sample); a run
     * that still cannot fit is refused in one line naming the settings.
     *
     * @return the estimate; {@code get("batchSize")} is the batch size to use
     */
    public static MemoryFit fitInMemory(SampleJob job, Sampler sampler, long heap, long base, String jvm,
            int outputCopies) {
        long n = job.samples();
        int d = job.dim();
        long perSample = MemoryFit.doubles(1, sampler.workingDoublesPerSample(d) + 2L * d);
        long fixed = MemoryFit.doubles(n, d) * (2 + outputCopies)
                + MemoryFit.doubles(Subsample.size(n, d), d) * 3;
        long available = MemoryFit.usable(heap, base);
        int batch = job.batchSize();
        if (job.batchSizeIsDefault() && available > fixed) {
            batch = (int) Math.max(1, Math.min(batch, (available - fixed) / Math.max(1, perSample)));
        }
        batch = (int) Math.max(1, Math.min(batch, n));
        MemoryFit fit = new MemoryFit("in " + jvm, available, "max heap " + MemoryFit.size(heap) + " x "
                + MemoryFit.USABLE + " - " + MemoryFit.size(base) + " for the JVM's own objects");
        fit.need("sample state (" + (2 + outputCopies) + " x " + n + " x " + d + " doubles)",
                MemoryFit.doubles(n, d) * (2 + outputCopies));
        fit.need("batch working memory (" + batch + " samples)", perSample * batch);
        fit.need("metrics (3 copies of the " + Subsample.size(n, d) + "-row subsample)",
                MemoryFit.doubles(Subsample.size(n, d), d) * 3);
        fit.check("lower {0} or {1}, give the JVM more heap (-Xmx, e.g. JAVA_OPTS=-Xmx8g), or use {2} spark, whose"
                + " sample-parallel mode keeps the samples on the executors", Setting.SAMPLES, Setting.BATCH_SIZE,
                Setting.BACKEND);
        return fit.set("batchSize", batch);
    }

    @Override
    public Map<String, Object> describe(SampleJob job) {
        Map<String, Object> m = Backend.super.describe(job);
        int t = threads > 0 ? threads : job.threads(Runtime.getRuntime().availableProcessors());
        m.put("evaluator", "local(threads=" + t + ")");
        m.put("threads", t);
        m.put("batchSize", batchSize > 0 ? batchSize : job.batchSize());
        if (memory != null) {
            m.put("memory", memory.describe());
        }
        return m;
    }
}
