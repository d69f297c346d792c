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
        // Keep the finite rows.
        int used = 0;
        double[] x = new double[n * d];
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
        target.sample(seed, used, eta, ref);
        double[] ref2 = new double[used * d];
        target.sample(seed ^ BASELINE_SEED_MIX, used, eta, ref2);

        double[][] moments = target.diagonalGaussianMoments(eta);
        if (moments != null) {
            GaussianKl.Result kl = GaussianKl.compute(x, used, d, moments[0], moments[1]);
            GaussianKl.Result klExact = GaussianKl.compute(ref, used, d, moments[0], moments[1]);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("value", kl.kl);
            m.put("mc_floor", kl.floor);
            m.put("mc_floor_sd", kl.floorSd);
            m.put("exact_draws_value", klExact.kl);
            out.put("gaussian_kl", m);
        }

        Map<String, Object> ld = new LinkedHashMap<>();
        double[] ls = meanAndSe(target, x, used, eta);
        double[] le = meanAndSe(target, ref, used, eta);
        ld.put("samples_mean", ls[0]);
        ld.put("samples_se", ls[1]);
        ld.put("exact_mean", le[0]);
        ld.put("exact_se", le[1]);
        out.put("log_density", ld);

        Map<String, Object> sw = new LinkedHashMap<>();
        long dirSeed = seed;
        sw.put("value", SlicedWasserstein.sw2(x, used, ref, used, d, SW_DIRECTIONS, dirSeed));
        sw.put("exact_baseline", SlicedWasserstein.sw2(ref2, used, ref, used, d, SW_DIRECTIONS, dirSeed));
        sw.put("directions", SW_DIRECTIONS);
        out.put("sliced_w2", sw);

        // One kernel for both comparisons: the median heuristic on the two exact sets, a property of the
        // target alone, so MMD values of different samplers on the same target are comparable.
        Map<String, Object> mmd = new LinkedHashMap<>();
        double h = Mmd.medianBandwidth(ref, used, ref2, used, d);
        int maxPoints = Mmd.defaultMaxPoints(d);
        Mmd.Result r = Mmd.mmd2(x, used, ref, used, d, h, maxPoints);
        Mmd.Result rb = Mmd.mmd2(ref2, used, ref, used, d, h, maxPoints);
        mmd.put("value", r.mmd2);
        mmd.put("exact_baseline", rb.mmd2);
        mmd.put("bandwidth", h);
        mmd.put("points_per_sample", r.pointsX);
        out.put("mmd2", mmd);

        if (target instanceof GaussianMixture) {
            GaussianMixture gmm = (GaussianMixture) target;
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
        return out;
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
        int used = 0;
        double[] x = new double[n * d];
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
        out.put("samples", n);
        out.put("non_finite_rows", n - used);
        out.put("data_points", nData);
        if (used < 2 || nData < 2) {
            return out;
        }
        Map<String, Object> sw = new LinkedHashMap<>();
        sw.put("value", SlicedWasserstein.sw2(x, used, data, nData, d, SW_DIRECTIONS, seed));
        sw.put("data_baseline", SlicedWasserstein.sw2(data2, nData, data, nData, d, SW_DIRECTIONS, seed));
        sw.put("directions", SW_DIRECTIONS);
        out.put("sliced_w2", sw);
        Map<String, Object> mmd = new LinkedHashMap<>();
        double h = Mmd.medianBandwidth(data, nData, data2, nData, d);
        int maxPoints = Mmd.defaultMaxPoints(d);
        Mmd.Result r = Mmd.mmd2(x, used, data, nData, d, h, maxPoints);
        Mmd.Result rb = Mmd.mmd2(data2, nData, data, nData, d, h, maxPoints);
        mmd.put("value", r.mmd2);
        mmd.put("data_baseline", rb.mmd2);
        mmd.put("bandwidth", h);
        mmd.put("points_per_sample", r.pointsX);
        out.put("mmd2", mmd);
        return out;
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
