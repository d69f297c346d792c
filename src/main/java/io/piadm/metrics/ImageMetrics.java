package io.piadm.metrics;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Quality figures for samples of an image model against its training data (issue 11, item 8): the Frechet
 * distance in pixel space and, with a classifier, in the classifier's feature space (FID-style), each beside
 * the same figure for two disjoint halves of the data (the estimator's own floor at that size); with a
 * classifier, how often it labels a sample with its requested class (conditional runs) and the share of each
 * predicted class (all runs).
 */
public final class ImageMetrics {
    private ImageMetrics() {}

    /**
     * @param samples    n x d (finite rows only)
     * @param dataA      reference rows (nA x d), dataB an independent, disjoint set of the same law (nB x d)
     * @param labels     requested label of each sample, or null (unconditional)
     * @param classifier or null
     */
    public static Map<String, Object> compute(double[] samples, int n, double[] dataA, int nA, double[] dataB, int nB,
            int d, long[] labels, OnnxClassifier classifier) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (n < 2 || nA < 2 || nB < 2) {
            return m;
        }
        Map<String, Object> px = new LinkedHashMap<>();
        px.put("value", FrechetDistance.squared(samples, n, dataA, nA, d));
        px.put("data_baseline", FrechetDistance.squared(dataB, nB, dataA, nA, d));
        px.put("what", "squared Frechet distance of the fitted Gaussians in pixel space; baseline: two disjoint"
                + " halves of the data");
        m.put("frechet_pixels", px);
        if (classifier == null) {
            return m;
        }
        if (classifier.dim() != d) {
            m.put("classifier_skipped", classifier.path() + " takes d = " + classifier.dim() + ", the samples have d = " + d);
            return m;
        }
        double[][] s = classifier.run(samples, n);
        double[][] a = classifier.run(dataA, nA);
        double[][] b = classifier.run(dataB, nB);
        int f = classifier.featureDim();
        Map<String, Object> fe = new LinkedHashMap<>();
        fe.put("value", FrechetDistance.squared(s[1], n, a[1], nA, f));
        fe.put("data_baseline", FrechetDistance.squared(b[1], nB, a[1], nA, f));
        fe.put("classifier", classifier.path());
        fe.put("what", "squared Frechet distance in the classifier's penultimate features (" + f + "-d)");
        m.put("frechet_classifier_features", fe);
        int k = classifier.classes();
        int[] pred = OnnxClassifier.argmax(s[0], n, k);
        double[] share = new double[k];
        for (int p : pred) {
            share[p] += 1.0 / n;
        }
        m.put("classifier_predicted_share", share);
        if (labels != null) {
            int hit = 0;
            int[] perN = new int[k];
            int[] perHit = new int[k];
            for (int r = 0; r < n; r++) {
                boolean ok = pred[r] == labels[r];
                hit += ok ? 1 : 0;
                if (labels[r] >= 0 && labels[r] < k) {
                    perN[(int) labels[r]]++;
                    perHit[(int) labels[r]] += ok ? 1 : 0;
                }
            }
            double acc = (double) hit / n;
            Map<String, Object> ac = new LinkedHashMap<>();
            ac.put("value", acc);
            ac.put("standard_error", Math.sqrt(acc * (1 - acc) / n));
            ac.put("samples", n);
            java.util.List<Double> per = new java.util.ArrayList<>();
            for (int c = 0; c < k; c++) {
                per.add(perN[c] == 0 ? null : (double) perHit[c] / perN[c]);
            }
            ac.put("per_class", per);
            ac.put("classifier", classifier.path());
            ac.put("what", "share of samples the classifier labels with their requested class");
            m.put("classifier_accuracy", ac);
        }
        return m;
    }
}
