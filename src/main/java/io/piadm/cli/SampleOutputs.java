package io.piadm.cli;

import io.piadm.config.InvalidSettingException;
import io.piadm.config.Setting;
import io.piadm.io.Npy;
import io.piadm.metrics.MetricsReport;
import io.piadm.model.AnalyticTarget;
import io.piadm.model.ModelSpec;
import io.piadm.sampler.SampleSource;
import io.piadm.sampler.Subsample;

import java.io.IOException;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The outputs {@code piadm sample} derives from a run's samples, through {@link SampleSource} only, so the
 * command never needs every sample in memory: the run.json metrics and the plot from the run's bounded
 * seeded subsample, and {@code samples.npy} by one streaming pass in id order. Samples held in memory
 * (local backend, time-parallel Spark) always give {@code samples.npy}; samples the executors wrote are
 * streamed through the driver only up to {@code --npy-max-size} (default 1 GiB), else the file is skipped
 * and run.json says why (the Parquet table holds them all).
 */
final class SampleOutputs {
    /** Default largest samples.npy streamed through the driver from executor-written parts. */
    static final long DEFAULT_NPY_MAX_BYTES = 1L << 30;

    private SampleOutputs() {}

    /** Parses a size: bytes, or a number with k, m, g or t (powers of 1024); 0 never streams. */
    static long parseSize(String s) {
        if (s == null) {
            return DEFAULT_NPY_MAX_BYTES;
        }
        String t = s.trim().toLowerCase(Locale.ROOT);
        long unit = 1;
        if (t.endsWith("b")) {
            t = t.substring(0, t.length() - 1);
        }
        if (!t.isEmpty()) {
            switch (t.charAt(t.length() - 1)) {
                case 'k': unit = 1L << 10; break;
                case 'm': unit = 1L << 20; break;
                case 'g': unit = 1L << 30; break;
                case 't': unit = 1L << 40; break;
                default: unit = 1;
            }
            if (unit > 1) {
                t = t.substring(0, t.length() - 1);
            }
        }
        try {
            long v = Long.parseLong(t.trim());
            if (v < 0 || v > Long.MAX_VALUE / unit) {
                throw new NumberFormatException();
            }
            return v * unit;
        } catch (NumberFormatException e) {
            throw new InvalidSettingException("{0} must be a size >= 0 in bytes, or with k, m, g, t (e.g. 1g), got '"
                    + s + "'", Setting.NPY_MAX_SIZE);
        }
    }

    /** Whether samples.npy is written, and why, for run.json. */
    static final class NpyPlan {
        final boolean write;
        final long bytes;
        final long maxBytes;
        final String reason;

        NpyPlan(boolean write, long bytes, long maxBytes, String reason) {
            this.write = write;
            this.bytes = bytes;
            this.maxBytes = maxBytes;
            this.reason = reason;
        }

        Map<String, Object> describe() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("written", write);
            m.put("bytes", bytes);
            m.put("maxBytes", maxBytes);
            m.put("how", reason);
            return m;
        }
    }

    static NpyPlan npyPlan(SampleSource src, long maxBytes, boolean float32) {
        long bytes = Npy.fileBytes(src.count(), src.dim(), float32);
        if (src.inMemory()) {
            return new NpyPlan(true, bytes, maxBytes, "written from the samples in the driver's memory");
        }
        if (bytes <= maxBytes) {
            return new NpyPlan(true, bytes, maxBytes, "streamed on the driver from the executors' Parquet parts in id"
                    + " order, one row group at a time");
        }
        return new NpyPlan(false, bytes, maxBytes, "skipped: " + bytes + " bytes exceed the npy-max-size limit of "
                + maxBytes + "; samples.parquet holds every sample");
    }

    /** samples.npy in one pass over the source (constant memory beyond what the source holds). */
    static void writeNpy(SampleSource src, OutputStream out, boolean float32) throws IOException {
        Npy.Writer w = new Npy.Writer(out, src.count(), src.dim(), float32);
        src.forEachRow((id, v, off) -> w.row(v, off));
        w.finish();
    }

    /**
     * The metrics block of run.json, from the run's subsample (all samples when there are at most
     * {@link Subsample#size} of them), with a {@code subsample} entry saying how many rows of how many.
     */
    static Map<String, Object> metrics(ModelSpec spec, double eta, Subsample sub, DataReference reference,
            long seed, SampleExtras extras) {
        AnalyticTarget target = spec.analyticTarget();
        if (target != null && extras.denoised()) {
            Map<String, Object> skipped = new LinkedHashMap<>();
            skipped.put("skipped", "the samples are Tweedie posterior means (denoise-final), not draws from p_eta;"
                    + " their law is in docs/ALGORITHMS.md section 11");
            return skipped;
        }
        Map<String, Object> m = target != null ? MetricsReport.compute(spec, eta, sub.rows(), sub.count(), seed)
                : DataReference.metrics(reference, eta, sub, seed, extras.labels(sub.ids()), extras.image(),
                        extras.denoised());
        if (m != null) {
            m.put("subsample", sub.describe());
        }
        return m;
    }
}
