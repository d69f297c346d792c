package io.piadm.spark;

import io.piadm.eval.LocalEvaluator;
import io.piadm.model.ModelSpec;
import io.piadm.sampler.PicardOptions;
import io.piadm.sampler.Sampler;
import io.piadm.sampler.SamplerConfig;
import io.piadm.sampler.SamplerKind;
import io.piadm.sampler.SamplingDriver;
import io.piadm.sampler.SamplingListener;
import io.piadm.schedule.ScheduleConfig;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Small jobs and bitwise comparisons shared by the Spark tests. */
final class TestJobs {
    private TestJobs() {}

    /** A short piadm schedule: horizon 3, eta 0.05, 6 steps per block; adaptive Picard with a cap. */
    static SamplerConfig config(int dim, long seed) {
        return new SamplerConfig(new ScheduleConfig(dim).horizon(3.0).eta(0.05).stepsPerBlock(6).build(), seed,
                PicardOptions.tolerance(1e-4, 4), io.piadm.sampler.CorrectorOptions.off(),
                SamplerConfig.DEFAULT_WINDOW);
    }

    /** A job of {@code count} samples from id {@code first}; batch {@code batch}, threads from the backend. */
    static io.piadm.job.SampleJob job(ModelSpec spec, String sampler, SamplerConfig cfg, long first, int count,
            int batch) {
        return new io.piadm.job.SampleJob(spec, SamplerKind.of(sampler), cfg, count, first, batch, null,
                java.util.Map.of());
    }

    static double[] local(ModelSpec spec, String sampler, SamplerConfig cfg, long first, int count) {
        Sampler s = SamplerKind.of(sampler).create(cfg, spec.dim());
        try (LocalEvaluator ev = new LocalEvaluator(spec.build(), 1)) {
            return new SamplingDriver(s, ev, count).run(first, count, SamplingListener.NONE).samples();
        }
    }

    /** A job of {@code count} samples whose batch size is a default (backends may lower it to fit). */
    static io.piadm.job.SampleJob defaultBatchJob(ModelSpec spec, String sampler, SamplerConfig cfg, long first,
            long count) {
        return new io.piadm.job.SampleJob(spec, SamplerKind.of(sampler), cfg, count, first, 1 << 20, null,
                java.util.Map.of()).withDefaultBatchSize();
    }

    /**
     * All rows of a result, in id order: from memory, or read back through its source (for a sample-parallel
     * run: the Parquet parts the executors wrote, streamed in id order).
     */
    static double[] rows(io.piadm.sampler.SamplingResult r) {
        if (r.inMemory()) {
            return r.samples();
        }
        io.piadm.sampler.SampleSource src = r.source();
        int d = src.dim();
        double[] out = new double[Math.toIntExact(src.count() * d)];
        long[] next = {src.firstSample()};
        try {
            src.forEachRow((id, v, off) -> {
                assertEquals(next[0]++, id, "rows in id order");
                System.arraycopy(v, off, out, (int) (id - src.firstSample()) * d, d);
            });
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out;
    }

    static long[] bits(double[] a) {
        long[] b = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            b[i] = Double.doubleToRawLongBits(a[i]);
        }
        return b;
    }

    static void assertBitwiseEqual(double[] expected, double[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        assertArrayEquals(bits(expected), bits(actual), what + ": not bitwise equal");
    }
}
