package io.piadm.exact;

import java.util.Arrays;

/** Small statistics for the oracle tests: moments, the standard normal CDF, a one-sample KS statistic. */
final class Stats {
    private Stats() {}

    static double mean(double[] x) {
        double s = 0.0;
        for (double v : x) {
            s += v;
        }
        return s / x.length;
    }

    /** Unbiased sample variance. */
    static double var(double[] x) {
        double m = mean(x);
        double s = 0.0;
        for (double v : x) {
            s += (v - m) * (v - m);
        }
        return s / (x.length - 1);
    }

    /** Sample correlation of two equally long arrays. */
    static double corr(double[] x, double[] y) {
        double mx = mean(x);
        double my = mean(y);
        double sxy = 0.0;
        double sxx = 0.0;
        double syy = 0.0;
        for (int i = 0; i < x.length; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxy / Math.sqrt(sxx * syy);
    }

    /**
     * Standard normal CDF through erfc, by the Chebyshev fit of Numerical Recipes (fractional error below
     * 1.2e-7 everywhere), far finer than any KS critical value used here.
     */
    static double normalCdf(double x) {
        return 0.5 * erfc(-x / Math.sqrt(2.0));
    }

    private static double erfc(double x) {
        double z = Math.abs(x);
        double t = 1.0 / (1.0 + 0.5 * z);
        double r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? r : 2.0 - r;
    }

    /** Kolmogorov-Smirnov statistic {@code sup |F_n - Phi|} of the sample against N(0, 1). */
    static double ksAgainstNormal(double[] sample) {
        double[] x = sample.clone();
        Arrays.sort(x);
        int n = x.length;
        double d = 0.0;
        for (int i = 0; i < n; i++) {
            double f = normalCdf(x[i]);
            d = Math.max(d, Math.max(f - (double) i / n, (double) (i + 1) / n - f));
        }
        return d;
    }

    /** Asymptotic KS critical value at level 0.1%: {@code 1.95 / sqrt(n)}. */
    static double ksCritical001(int n) {
        return 1.95 / Math.sqrt(n);
    }
}
