package io.piadm.cli;

import io.piadm.io.RunJson;
import io.piadm.metrics.MetricsReport;
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
 * {@code --reference-data}, or read from the {@code dataset.spec} of the model's training report
 * ({@code <name>.report.json} beside {@code <name>.onnx}, as {@code piadm train} writes it).
 */
final class DataReference {
    private static final Logger LOG = LoggerFactory.getLogger(DataReference.class);

    /** The data set, or null when metrics are skipped (then {@link #skipped} says why). */
    final ToyDataset dataset;
    final String source;
    final String skipped;

    private DataReference(ToyDataset dataset, String source, String skipped) {
        this.dataset = dataset;
        this.source = source;
        this.skipped = skipped;
    }

    /**
     * Null when there is nothing to compare with (an analytic model, or a learned model without a training
     * report). A report that exists but cannot be used is not silent: the metrics say why they are missing.
     */
    static DataReference resolve(String option, ModelSpec spec) {
        if (option != null) {
            ToyDataset ds;
            try {
                ds = ToyDataset.parse(option);
            } catch (InvalidSettingException e) {
                throw new InvalidSettingException("{0}: " + e.getMessage(), e, Setting.REFERENCE_DATA);
            }
            if (ds.dim() != spec.dim()) {
                throw new InvalidSettingException("{0} " + option + " has d = " + ds.dim()
                        + " but the model has d = " + spec.dim(), Setting.REFERENCE_DATA);
            }
            return new DataReference(ds, "--reference-data", null);
        }
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
        if (!Files.exists(report)) {
            return null;
        }
        String why;
        try {
            JsonNode ds = RunJson.read(report).path("dataset").path("spec");
            if (!ds.isTextual()) {
                why = report + " names no dataset.spec";
            } else {
                ToyDataset d = ToyDataset.parse(ds.asText());
                if (d.dim() == spec.dim()) {
                    return new DataReference(d, report.toString(), null);
                }
                why = report + " names data of d = " + d.dim() + ", the model has d = " + spec.dim();
            }
        } catch (java.io.IOException | RuntimeException e) {
            why = "cannot use " + report + " (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")";
        }
        LOG.warn("no data metrics: {}; give the training data with --reference-data", why);
        return new DataReference(null, report.toString(), why);
    }

    /** Data metrics of the samples against fresh data blurred to p_eta; null without a reference. */
    static Map<String, Object> metrics(DataReference ref, double eta, io.piadm.sampler.Subsample sub, long seed) {
        if (ref == null) {
            return null;
        }
        if (ref.dataset == null) {
            LinkedHashMap<String, Object> m = new LinkedHashMap<>();
            m.put("skipped", ref.skipped);
            return m;
        }
        int n = sub.count();
        int d = sub.dim();
        double[] a = blur(ref.dataset.sample(seed, n), n, d, eta, seed);
        double[] b = blur(ref.dataset.sample(seed ^ MetricsReport.BASELINE_SEED_MIX, n), n, d, eta,
                seed ^ MetricsReport.BASELINE_SEED_MIX);
        LinkedHashMap<String, Object> m = new LinkedHashMap<>();
        m.put("reference_data", ref.dataset.spec());
        m.put("reference_source", ref.source);
        m.put("eta", eta);
        m.putAll(MetricsReport.againstData(a, b, n, sub.rows(), n, d, seed));
        return m;
    }

    /** x_eta = alpha(eta) x_0 + sigma(eta) z, the forward process applied to data. */
    static double[] blur(double[] x0, int n, int d, double eta, long seed) {
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
