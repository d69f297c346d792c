package io.piadm.metrics;

import io.piadm.model.GaussianMixture;

/**
 * Mode occupancy of samples under a Gaussian mixture target p_t: each sample is assigned to the component
 * of largest responsibility under p_t ({@link GaussianMixture#assign}); the occupied fractions are compared
 * with the weights by total variation {@code 1/2 sum |f_k - w_k|} and by Pearson's chi-square
 * {@code sum (O_k - n w_k)^2 / (n w_k)} with {@code K - 1} degrees of freedom and its p-value (chi-square
 * survival function). The p-value tests "the samples fall in the modes with the target's weights"; it is
 * exact only when the modes do not overlap (otherwise even exact draws are sometimes assigned to a
 * neighbour, which is why the report shows the same figures for fresh exact draws next to them).
 */
public final class ModeOccupancy {
    private ModeOccupancy() {}

    /** Result of {@link #compute}. */
    public static final class Result {
        public final long[] counts;
        public final double[] fractions;
        public final double[] weights;
        public final double totalVariation;
        public final double chiSquare;
        public final int degreesOfFreedom;
        public final double pValue;

        Result(long[] counts, double[] fractions, double[] weights, double tv, double chi2, int df, double p) {
            this.counts = counts;
            this.fractions = fractions;
            this.weights = weights;
            this.totalVariation = tv;
            this.chiSquare = chi2;
            this.degreesOfFreedom = df;
            this.pValue = p;
        }
    }

    /** Occupancy of rows {@code 0..n)} of x under {@code gmm} at forward time t, compared with its weights. */
    public static Result compute(GaussianMixture gmm, double t, double[] x, int n) {
        int d = gmm.dim();
        int[] labels = new int[n];
        for (int r = 0; r < n; r++) {
            labels[r] = gmm.assign(x, r * d, t);
        }
        return fromLabels(labels, gmm.weights());
    }

    /** Occupancy of given component labels in {@code [0, K)} compared with the weights w (summing to 1). */
    public static Result fromLabels(int[] labels, double[] w) {
        int k = w.length;
        int n = labels.length;
        if (n < 1) {
            throw new IllegalArgumentException("mode occupancy needs at least one sample");
        }
        long[] counts = new long[k];
        for (int l : labels) {
            counts[l]++;
        }
        double[] f = new double[k];
        double tv = 0;
        double chi2 = 0;
        for (int c = 0; c < k; c++) {
            f[c] = counts[c] / (double) n;
            tv += Math.abs(f[c] - w[c]);
            double e = n * w[c];
            double diff = counts[c] - e;
            chi2 += diff * diff / e;
        }
        tv *= 0.5;
        int df = k - 1;
        double p = df == 0 ? 1.0 : SpecialFunctions.chiSquareSurvival(chi2, df);
        return new Result(counts, f, w.clone(), tv, chi2, df, p);
    }
}
