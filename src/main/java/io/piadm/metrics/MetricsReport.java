package io.piadm.metrics;

import io.piadm.model.AnalyticTarget;
import io.piadm.model.GaussianMixture;
import io.piadm.model.ModelSpec;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The metrics block of run.json: every distance between the samples and the exact target p_eta that applies
 * to the model, each next to what an exact sampler would score on the same number of draws, so that a
 * reader can tell sampler error from Monte-Carlo noise.
 *
 * <p>Reference draws: {@code target.sample(seed, n, eta)} (stream REFERENCE, which no sampler uses, so the
 * run's own seed gives draws independent of the run's noise) and a second, independent set from seed
 * {@code seed ^ }{@value #BASELINE_SEED_MIX} for the exact-versus-exact baselines.
 *
 * <p>Rows with a non-finite coordinate (a diverged sampler) are counted in {@code non_finite_rows} and
 * left out of every metric; {@code rows_used} says how many remained.
 */
public final class MetricsReport {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(MetricsReport.class);

    private MetricsReport() {}

    /** Directions of the sliced Wasserstein distance. */
    public static final int SW_DIRECTIONS = 64;
    /** Mixed into the seed for the second set of exact draws. */
    public static final long BASELINE_SEED_MIX = 0x5DEECE66DL;

    /**
     * Metrics of rows {@code 0..n)} of {@code samples} (row-major, d = spec.dim()) against p_eta; an empty
     * map when the model has no analytic target.
     */
    public static LinkedHashMap<String, Object> compute(ModelSpec spec, double eta, double[] samples, int n, long seed) {
        LinkedHashMap<String, Object> out = new LinkedHashMap<>();
        AnalyticTarget target = spec.analyticTarget();
        if (target == null) {
            return out;
        }
        int d = target.dim();
        if (n < 0 || samples.length < (long) n * d) {
            throw new IllegalArgumentException("samples hold " + samples.length + " values, fewer than n*d = "
                    + ((long) n * d));
        }
        if (!(eta >= 0) || !Double.isFinite(eta)) {
            throw new IllegalArgumentException("eta must be finite and >= 0, got " + eta);
        }
        double[] x = new double[n * d];
        int used = finiteRows(samples, n, d, x);
        out.put("eta", eta);
        out.put("samples", n);
        out.put("non_finite_rows", n - used);
        out.put("rows_used", used);
        out.put("reference_seed", seed);
        out.put("baseline_seed", seed ^ BASELINE_SEED_MIX);
        if (used < 2) {
            return out;
        }
        double[] ref = new double[used * d];
        double[] ref2 = new double[used * d];
        guarded(out, "reference_draws", () -> {
            target.sample(seed, used, eta, ref);
            target.sample(seed ^ BASELINE_SEED_MIX, used, eta, ref2);
        });
        if (out.containsKey("metric_errors")) {
            return out;
        }

        guarded(out, "gaussian_kl", () -> putKl(out, target, eta, x, ref, used, d));
        guarded(out, "log_density", () -> {
            Map<String, Object> ld = new LinkedHashMap<>();
            double[] ls = meanAndSe(target, x, used, eta);
            double[] le = meanAndSe(target, ref, used, eta);
            ld.put("samples_mean", ls[0]);
            ld.put("samples_se", ls[1]);
            ld.put("exact_mean", le[0]);
            ld.put("exact_se", le[1]);
            out.put("log_density", ld);
        });
        guarded(out, "distances", () -> putDistances(out, x, used, ref, ref2, used, d, seed, "exact_baseline"));
        if (target instanceof GaussianMixture) {
            guarded(out, "mode_occupancy", () -> putOccupancy(out, (GaussianMixture) target, eta, x, ref, used));
        }
        return out;
    }

    /**
     * Runs one metric; a failure (e.g. data so far from the origin that a distance overflows) is recorded
     * under {@code metric_errors} and logged instead of failing the run: the metrics are computed after
     * sampling, and a metric must never cost the user the samples.
     */
    private static void guarded(Map<String, Object> out, String name, Runnable metric) {
        try {
            metric.run();
        } catch (RuntimeException e) {
            @SuppressWarnings("unchecked")
            Map<String, Object> errors = (Map<String, Object>) out.computeIfAbsent("metric_errors",
                    k -> new LinkedHashMap<String, Object>());
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            errors.put(name, why);
            LOG.warn("metric {} could not be computed: {}", name, why);
        }
    }

    private static void putKl(Map<String, Object> out, AnalyticTarget target, double eta, double[] x, double[] ref,
            int used, int d) {
        double[][] moments = target.diagonalGaussianMoments(eta);
        if (moments != null) {
            GaussianKl.Result kl = GaussianKl.compute(x, used, d, moments[0], moments[1]);
            GaussianKl.Result klExact = GaussianKl.compute(ref, used, d, moments[0], moments[1]);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("value", kl.kl);
            m.put("mc_floor", kl.floor);
            m.put("mc_floor_sd", kl.floorSd);
            m.put("exact_draws_value", klExact.kl);
            m.put("formula", "diagonal");
            out.put("gaussian_kl", m);
        } else {
            // Correlated Gaussian targets: the full-covariance KL (the diagonal one would miss the correlations).
            double[][] full = target.gaussianMoments(eta);
            if (full != null) {
                Map<String, Object> m = new LinkedHashMap<>();
                if (used > d) {
                    GaussianKl.Result kl = GaussianKl.computeFull(x, used, d, full[0], full[1]);
                    GaussianKl.Result klExact = GaussianKl.computeFull(ref, used, d, full[0], full[1]);
                    m.put("value", kl.kl);
                    m.put("mc_floor", kl.floor);
                    m.put("mc_floor_sd", kl.floorSd);
                    m.put("exact_draws_value", klExact.kl);
                } else {
                    m.put("skipped", "the full-covariance KL needs more finite samples than d = " + d + ", got " + used);
                }
                m.put("formula", "full-covariance");
                out.put("gaussian_kl", m);
            }
        }
    }

    private static void putOccupancy(Map<String, Object> out, GaussianMixture gmm, double eta, double[] x,
            double[] ref, int used) {
        {
            ModeOccupancy.Result occ = ModeOccupancy.compute(gmm, eta, x, used);
            ModeOccupancy.Result occExact = ModeOccupancy.compute(gmm, eta, ref, used);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("fractions", occ.fractions);
            m.put("weights", occ.weights);
            m.put("total_variation", occ.totalVariation);
            m.put("chi_square", occ.chiSquare);
            m.put("degrees_of_freedom", occ.degreesOfFreedom);
            m.put("p_value", occ.pValue);
            m.put("exact_draws_total_variation", occExact.totalVariation);
            m.put("exact_draws_p_value", occExact.pValue);
            out.put("mode_occupancy", m);
        }
    }

    /**
     * Metrics of a learned model's samples against its training data, when the target law is only known
     * through draws (ONNX models): sliced W2 and MMD^2 of the samples against {@code data}, each next to
     * the same figure for a second, independent data draw {@code data2} (the estimator's own noise). The
     * caller blurs both data sets to p_eta. Same kernel and directions for both comparisons.
     */
    public static LinkedHashMap<String, Object> againstData(double[] data, double[] data2, int nData, double[] samples,
            int n, int d, long seed) {
        LinkedHashMap<String, Object> out = new LinkedHashMap<>();
        double[] x = new double[n * d];
        int used = finiteRows(samples, n, d, x);
        out.put("samples", n);
        out.put("non_finite_rows", n - used);
        out.put("data_points", nData);
        if (used < 2 || nData < 2) {
            return out;
        }
        guarded(out, "distances", () -> putDistances(out, x, used, data, data2, nData, d, seed, "data_baseline"));
        return out;
    }

    /** Copies the rows of {@code samples} with only finite values into {@code x}; returns their count. */
    private static int finiteRows(double[] samples, int n, int d, double[] x) {
        int used = 0;
        for (int r = 0; r < n; r++) {
            boolean ok = true;
            for (int i = 0; i < d && ok; i++) {
                ok = Double.isFinite(samples[r * d + i]);
            }
            if (ok) {
                System.arraycopy(samples, r * d, x, used * d, d);
                used++;
            }
        }
        return used;
    }

    /**
     * Sliced W2 and MMD^2 of x against ref, each beside the same figure for ref2 (an independent draw of
     * the same law: the estimator's own noise). One kernel for both comparisons: the median heuristic on
     * the two reference sets, a property of the target alone, so values of different samplers on the same
     * target are comparable.
     */
    private static void putDistances(Map<String, Object> out, double[] x, int nx, double[] ref, double[] ref2,
            int nRef, int d, long seed, String baselineKey) {
        Map<String, Object> sw = new LinkedHashMap<>();
        sw.put("value", SlicedWasserstein.sw2(x, nx, ref, nRef, d, SW_DIRECTIONS, seed));
        sw.put(baselineKey, SlicedWasserstein.sw2(ref2, nRef, ref, nRef, d, SW_DIRECTIONS, seed));
        sw.put("directions", SW_DIRECTIONS);
        out.put("sliced_w2", sw);
        Map<String, Object> mmd = new LinkedHashMap<>();
        double h = Mmd.medianBandwidth(ref, nRef, ref2, nRef, d);
        int maxPoints = Mmd.defaultMaxPoints(d);
        Mmd.Result r = Mmd.mmd2(x, nx, ref, nRef, d, h, maxPoints);
        Mmd.Result rb = Mmd.mmd2(ref2, nRef, ref, nRef, d, h, maxPoints);
        mmd.put("value", r.mmd2);
        mmd.put(baselineKey, rb.mmd2);
        mmd.put("bandwidth", h);
        mmd.put("points_per_sample", r.pointsX);
        out.put("mmd2", mmd);
    }

    /** Mean of log p_t over rows and its standard error. */
    private static double[] meanAndSe(AnalyticTarget target, double[] x, int n, double t) {
        int d = target.dim();
        double s = 0;
        double[] v = new double[n];
        for (int r = 0; r < n; r++) {
            v[r] = target.logDensity(x, r * d, t);
            s += v[r];
        }
        double mean = s / n;
        double ss = 0;
        for (double y : v) {
            ss += (y - mean) * (y - mean);
        }
        return new double[] {mean, Math.sqrt(ss / (n - 1) / n)};
    }
}
