package io.piadm.cli;

import io.piadm.io.RunJson;
import io.piadm.metrics.MetricsReport;
import io.piadm.model.ModelSpec;
import io.piadm.model.onnx.OnnxModelSpec;
import io.piadm.noise.CounterNoise;
import io.piadm.noise.NoiseStream;
import io.piadm.process.OuProcess;
import io.piadm.sampler.SamplingResult;
import io.piadm.train.ToyDataset;

import com.fasterxml.jackson.databind.JsonNode;

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
    final ToyDataset dataset;
    final String source;

    private DataReference(ToyDataset dataset, String source) {
        this.dataset = dataset;
        this.source = source;
    }

    /** Null when there is nothing to compare with. Errors name --reference-data. */
    static DataReference resolve(String option, ModelSpec spec) {
        if (option != null) {
            ToyDataset ds;
            try {
                ds = ToyDataset.parse(option);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--reference-data: " + e.getMessage(), e);
            }
            if (ds.dim() != spec.dim()) {
                throw new IllegalArgumentException("--reference-data " + option + " has d = " + ds.dim()
                        + " but the model has d = " + spec.dim());
            }
            return new DataReference(ds, "--reference-data");
        }
        if (!(spec instanceof OnnxModelSpec) || spec.analyticTarget() != null) {
            return null;
        }
        String path = ((OnnxModelSpec) spec).path();
        if (path.contains("://") && !path.startsWith("file:")) {
            return null; // remote models: only an explicit --reference-data
        }
        Path model = Paths.get(path.startsWith("file:") ? java.net.URI.create(path).getPath() : path);
        String name = model.getFileName().toString().replaceFirst("\\.onnx$", "");
        Path report = model.resolveSibling(name + ".report.json");
        if (!Files.isReadable(report)) {
            return null;
        }
        try {
            JsonNode ds = RunJson.read(report).path("dataset").path("spec");
            if (!ds.isTextual()) {
                return null;
            }
            ToyDataset d = ToyDataset.parse(ds.asText());
            return d.dim() == spec.dim() ? new DataReference(d, report.toString()) : null;
        } catch (Exception e) {
            return null; // an unreadable report only means no data metrics
        }
    }

    /** Data metrics of the samples against fresh data blurred to p_eta; null without a reference. */
    static Map<String, Object> metrics(DataReference ref, double eta, SamplingResult result, long seed) {
        if (ref == null) {
            return null;
        }
        int n = result.count();
        int d = result.dim();
        double[] a = blur(ref.dataset.sample(seed, n), n, d, eta, seed);
        double[] b = blur(ref.dataset.sample(seed ^ MetricsReport.BASELINE_SEED_MIX, n), n, d, eta,
                seed ^ MetricsReport.BASELINE_SEED_MIX);
        LinkedHashMap<String, Object> m = new LinkedHashMap<>();
        m.put("reference_data", ref.dataset.spec());
        m.put("reference_source", ref.source);
        m.put("eta", eta);
        m.putAll(MetricsReport.againstData(a, b, n, result.samples(), n, d, seed));
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
