package io.piadm.cli;

import io.piadm.io.DataFiles;
import io.piadm.io.Npy;
import io.piadm.io.RunJson;
import io.piadm.metrics.ImageMetrics;
import io.piadm.metrics.MetricsReport;
import io.piadm.metrics.OnnxClassifier;
import io.piadm.model.ModelSpec;
import io.piadm.config.InvalidSettingException;
import io.piadm.config.Setting;
import io.piadm.noise.CounterNoise;
import io.piadm.noise.NoiseStream;
import io.piadm.process.OuProcess;
import io.piadm.train.ToyDataset;

import com.fasterxml.jackson.databind.JsonNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The training data of a learned model, for quality metrics when no exact target law is known: given by
 * {@code --reference-data} (a generated toy data set, the bundled {@code sklearn-digits-8x8}, or the user's own
 * data as {@code .npy} or Parquet), or read from the {@code dataset.spec} of the model's training report
 * ({@code <name>.report.json} beside {@code <name>.onnx}). For image-shaped data it also holds the classifier
 * of the image metrics ({@code --classifier}, else the report's {@code classifier}, else
 * {@code digits-classifier.onnx} beside a digits model) and the report's pixel {@code valueRange}.
 */
final class DataReference {
    private static final Logger LOG = LoggerFactory.getLogger(DataReference.class);

    /** A generated data set (fresh draws), or null. */
    final ToyDataset dataset;
    /** Fixed data rows (rows x d), or null. */
    final double[] data;
    final int rows;
    final String spec;
    final String source;
    /** Why metrics are skipped, or null. */
    final String skipped;
    /** The image classifier's path, or null. */
    final String classifier;

    private DataReference(ToyDataset dataset, double[] data, int rows, String spec, String source, String skipped,
            String classifier) {
        this.dataset = dataset;
        this.data = data;
        this.rows = rows;
        this.spec = spec;
        this.source = source;
        this.skipped = skipped;
        this.classifier = classifier;
    }

    static DataReference resolve(String option, ModelSpec spec) {
        return resolve(option, spec, null);
    }

    /**
     * Null when there is nothing to compare with (an analytic model, or a learned model without a training
     * report). A report that exists but cannot be used is not silent: the metrics say why they are missing.
     */
    static DataReference resolve(String option, ModelSpec spec, String classifierOption) {
        String classifier = classifierOption;
        if (classifierOption != null && !Files.isReadable(Paths.get(classifierOption))) {
            throw new InvalidSettingException("{0} " + classifierOption + ": not a readable file", Setting.CLASSIFIER);
        }
        Path report = report(spec);
        if (classifier == null && report != null) {
            classifier = reportClassifier(report);
        }
        if (option != null) {
            DataReference r = load(option, spec, "--reference-data", classifier, Setting.REFERENCE_DATA);
            if (r.skipped != null) {
                throw new InvalidSettingException("{0} " + r.skipped, Setting.REFERENCE_DATA);
            }
            return r;
        }
        if (report == null || spec.analyticTarget() != null) {
            return null;
        }
        String why;
        try {
            JsonNode ds = RunJson.read(report).path("dataset").path("spec");
            if (!ds.isTextual()) {
                why = report + " names no dataset.spec";
            } else {
                DataReference r = load(ds.asText(), spec, report.toString(), classifier, Setting.REFERENCE_DATA);
                if (r.skipped == null) {
                    return r;
                }
                why = report + ": " + r.skipped;
            }
        } catch (java.io.IOException | RuntimeException e) {
            why = "cannot use " + report + " (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")";
        }
        LOG.warn("no data metrics: {}; give the training data with --reference-data", why);
        return new DataReference(null, null, 0, null, report.toString(), why, null);
    }

    /** The training report beside a local model file, or null. */
    static Path report(ModelSpec spec) {
        String path = spec.modelFile();
        if (path == null || spec.analyticTarget() != null) {
            return null;
        }
        if (path.contains("://") && !path.startsWith("file:")) {
            return null; // remote models: only an explicit --reference-data
        }
        Path model = Paths.get(path.startsWith("file:") ? java.net.URI.create(path).getPath() : path);
        String name = model.getFileName().toString().replaceFirst("\\.onnx$", "");
        Path report = model.resolveSibling(name + ".report.json");
        return Files.exists(report) ? report : null;
    }

    /** The report's classifier (a path relative to the report), or digits-classifier.onnx beside a digits model. */
    private static String reportClassifier(Path report) {
        try {
            JsonNode r = RunJson.read(report);
            if (r.path("classifier").isTextual()) {
                Path c = report.resolveSibling(r.path("classifier").asText());
                return Files.isReadable(c) ? c.toString() : null;
            }
            if (DataFiles.DIGITS.equals(r.path("dataset").path("spec").asText())) {
                Path c = report.resolveSibling("digits-classifier.onnx");
                return Files.isReadable(c) ? c.toString() : null;
            }
        } catch (java.io.IOException | RuntimeException e) {
            LOG.warn("cannot read {}: {}", report, e.getMessage());
        }
        return null;
    }

    /** The pixel value range the report states ({@code valueRange: [lo, hi]}), or null. */
    static double[] valueRange(ModelSpec spec) {
        Path report = report(spec);
        if (report == null) {
            return null;
        }
        try {
            JsonNode v = RunJson.read(report).path("valueRange");
            if (v.isArray() && v.size() == 2 && v.get(0).isNumber() && v.get(1).isNumber()
                    && v.get(1).asDouble() > v.get(0).asDouble()) {
                return new double[] {v.get(0).asDouble(), v.get(1).asDouble()};
            }
        } catch (java.io.IOException | RuntimeException e) {
            LOG.warn("cannot read {}: {}", report, e.getMessage());
        }
        return null;
    }

    private static DataReference load(String what, ModelSpec spec, String source, String classifier, Setting setting) {
        if (DataFiles.isFile(what)) {
            Npy.Array2D a;
            try {
                a = DataFiles.read(what, new org.apache.hadoop.conf.Configuration());
            } catch (java.io.IOException | RuntimeException e) {
                throw new InvalidSettingException("{0} " + what + ": cannot read it (" + e.getMessage() + ")", e, setting);
            }
            if (a.cols != spec.dim()) {
                return new DataReference(null, null, 0, what, source, what + " has rows of " + a.cols
                        + " values but the model has d = " + spec.dim(), null);
            }
            if (a.rows < 4) {
                return new DataReference(null, null, 0, what, source, what + " has " + a.rows + " rows; at least 4 are"
                        + " needed", null);
            }
            for (double v : a.data) {
                if (!Double.isFinite(v)) {
                    return new DataReference(null, null, 0, what, source, what + " holds non-finite values", null);
                }
            }
            return new DataReference(null, a.data, a.rows, what, source, null, classifier);
        }
        ToyDataset ds;
        try {
            ds = ToyDataset.parse(what);
        } catch (InvalidSettingException e) {
            throw new InvalidSettingException("{0}: " + e.getMessage() + "; or a .npy / .parquet file, or "
                    + DataFiles.DIGITS, e, setting);
        }
        if (ds.dim() != spec.dim()) {
            return new DataReference(null, null, 0, what, source, what + " has d = " + ds.dim()
                    + " but the model has d = " + spec.dim(), null);
        }
        return new DataReference(ds, null, 0, ds.spec(), source, null, classifier);
    }

    /** Clean data rows for the time-convention probe (up to {@code max}), or null. */
    double[] probeRows(int max, long seed) {
        if (data != null) {
            return data;
        }
        if (dataset != null) {
            return dataset.sample(seed, max);
        }
        return null;
    }

    int probeRowCount(int max) {
        return data != null ? rows : (dataset != null ? max : 0);
    }

    /** Data metrics of the samples against the reference blurred to p_eta; null without a reference. */
    static Map<String, Object> metrics(DataReference ref, double eta, io.piadm.sampler.Subsample sub, long seed) {
        return metrics(ref, eta, sub, seed, null, false, false);
    }

    /**
     * Data metrics of the samples against the data blurred to p_eta (or the clean data when the samples were
     * denoised to x0); null without a reference. With fixed data, the rows are split into two disjoint halves
     * (a seeded shuffle): the samples are compared with the first, the second is the baseline. Image models
     * add {@link ImageMetrics} ({@code labels}: each sample's requested class, or null).
     */
    static Map<String, Object> metrics(DataReference ref, double eta, io.piadm.sampler.Subsample sub, long seed,
            long[] labels, boolean image, boolean denoised) {
        if (ref == null) {
            return null;
        }
        LinkedHashMap<String, Object> m = new LinkedHashMap<>();
        if (ref.dataset == null && ref.data == null) {
            m.put("skipped", ref.skipped);
            return m;
        }
        int n = sub.count();
        int d = sub.dim();
        double tRef = denoised ? 0 : eta;
        double[] a;
        double[] b;
        int nRef;
        if (ref.dataset != null) {
            nRef = n;
            a = blur(ref.dataset.sample(seed, n), n, d, tRef, seed);
            b = blur(ref.dataset.sample(seed ^ MetricsReport.BASELINE_SEED_MIX, n), n, d, tRef,
                    seed ^ MetricsReport.BASELINE_SEED_MIX);
        } else {
            nRef = ref.rows / 2;
            int[] perm = shuffle(ref.rows, seed);
            a = new double[nRef * d];
            b = new double[nRef * d];
            for (int i = 0; i < nRef; i++) {
                System.arraycopy(ref.data, perm[i] * d, a, i * d, d);
                System.arraycopy(ref.data, perm[nRef + i] * d, b, i * d, d);
            }
            a = blur(a, nRef, d, tRef, seed);
            b = blur(b, nRef, d, tRef, seed ^ MetricsReport.BASELINE_SEED_MIX);
        }
        m.put("reference_data", ref.spec);
        m.put("reference_source", ref.source);
        m.put("reference", denoised ? "the clean data (samples were denoised to x0)" : "the data blurred to p_eta");
        m.put("eta", eta);
        m.putAll(MetricsReport.againstData(a, b, nRef, sub.rows(), n, d, seed));
        if (image) {
            double[] x = new double[n * d];
            long[] lab = labels == null ? null : new long[n];
            int used = 0;
            for (int r = 0; r < n; r++) {
                boolean ok = true;
                for (int i = 0; i < d && ok; i++) {
                    ok = Double.isFinite(sub.rows()[r * d + i]);
                }
                if (ok) {
                    System.arraycopy(sub.rows(), r * d, x, used * d, d);
                    if (lab != null) {
                        lab[used] = labels[r];
                    }
                    used++;
                }
            }
            OnnxClassifier c = null;
            try {
                if (ref.classifier != null) {
                    c = OnnxClassifier.open(ref.classifier, Files.readAllBytes(Paths.get(ref.classifier)));
                }
                m.put("image", ImageMetrics.compute(x, used, a, nRef, b, nRef, d,
                        lab == null ? null : java.util.Arrays.copyOf(lab, used), c));
            } catch (java.io.IOException | IllegalArgumentException e) {
                m.put("image", Map.of("classifier_skipped", ref.classifier + ": " + e.getMessage()));
            } finally {
                if (c != null) {
                    c.close();
                }
            }
        }
        return m;
    }

    /** A seeded permutation of 0..n-1 (Fisher-Yates on counter-based uniforms). */
    static int[] shuffle(int n, long seed) {
        double[] u = new CounterNoise(seed).uniforms(NoiseStream.REFERENCE, 0, 2, 0, Math.max(1, n));
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = Math.min(i, (int) (u[i] * (i + 1)));
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** x_eta = alpha(eta) x_0 + sigma(eta) z, the forward process applied to data (unchanged at eta = 0). */
    static double[] blur(double[] x0, int n, int d, double eta, long seed) {
        if (eta == 0) {
            return x0;
        }
        double a = OuProcess.alpha(eta);
        double s = Math.sqrt(OuProcess.sigma2(eta));
        CounterNoise noise = new CounterNoise(seed);
        double[] z = new double[d];
        for (int r = 0; r < n; r++) {
            noise.normals(NoiseStream.REFERENCE, r, 1, 0, z, 0, d);
            for (int i = 0; i < d; i++) {
                x0[r * d + i] = a * x0[r * d + i] + s * z[i];
            }
        }
        return x0;
    }
}
