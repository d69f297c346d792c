package io.piadm.model.onnx;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Locale;

/**
 * Maps OU forward time t (docs/ALGORITHMS.md section 1) to the time input a network was trained with.
 * <ul>
 *   <li>{@code ou}: t itself.</li>
 *   <li>{@code ddpm-linear}: a DDPM step index k under betas linear from 1e-4 to 0.02 over N steps
 *       (Ho et al. 2020; {@code beta_k = 1e-4 + (0.02 - 1e-4) k / (N-1)}).</li>
 *   <li>{@code ddpm-cosine}: the cosine schedule of Nichol &amp; Dhariwal 2021,
 *       {@code f(u) = cos^2((u + 0.008)/1.008 pi/2)}, {@code beta_k = min(1 - f((k+1)/N) / f(k/N), 0.999)}.</li>
 * </ul>
 * Step k has {@code abar_k = prod_{i<=k} (1 - beta_i)} and sits at OU time {@code t_k = -ln abar_k}
 * (diffusers' indexing: timestep k is the state after k+1 noising steps). Between steps the index is
 * continuous: piecewise linear in t through the points (t_k, k), with (0, -1) for the clean data. Beyond the
 * last step the index is clamped to N-1: there {@code abar < 1e-4} for both schedules at N=1000, so p_t is
 * N(0, I) to within that, and the score conversion still uses the true t.
 */
public final class TimeMap implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The conventions by option spelling. */
    public enum Kind {
        OU("ou"),
        DDPM_LINEAR("ddpm-linear"),
        DDPM_COSINE("ddpm-cosine");

        private final String option;

        Kind(String option) {
            this.option = option;
        }

        public String option() {
            return option;
        }

        public static Kind fromOption(String s) {
            for (Kind k : values()) {
                if (k.option.equals(s.toLowerCase(Locale.ROOT))) {
                    return k;
                }
            }
            return null;
        }
    }

    public static final int DEFAULT_STEPS = 1000;
    public static final double LINEAR_BETA_START = 1e-4;
    public static final double LINEAR_BETA_END = 0.02;
    public static final double COSINE_OFFSET = 0.008;
    public static final double COSINE_MAX_BETA = 0.999;

    private final Kind kind;
    private final int steps;
    /** OU times t_k of steps k = 0..N-1 (increasing); empty for {@code ou}. */
    private final double[] times;

    private TimeMap(Kind kind, int steps, double[] times) {
        this.kind = kind;
        this.steps = steps;
        this.times = times;
    }

    public static TimeMap ou() {
        return new TimeMap(Kind.OU, 0, new double[0]);
    }

    public static TimeMap of(Kind kind, int steps) {
        switch (kind) {
            case OU:
                return ou();
            case DDPM_LINEAR:
                return new TimeMap(kind, steps, cumulativeTimes(linearBetas(steps)));
            case DDPM_COSINE:
            default:
                return new TimeMap(kind, steps, cumulativeTimes(cosineBetas(steps)));
        }
    }

    /** {@code numpy.linspace(1e-4, 0.02, N)}. */
    public static double[] linearBetas(int n) {
        checkSteps(n);
        double[] b = new double[n];
        for (int k = 0; k < n; k++) {
            b[k] = LINEAR_BETA_START + (LINEAR_BETA_END - LINEAR_BETA_START) * k / (n - 1);
        }
        return b;
    }

    /** Nichol &amp; Dhariwal 2021, eq. 17 and their {@code betas_for_alpha_bar} with max_beta 0.999. */
    public static double[] cosineBetas(int n) {
        checkSteps(n);
        double[] b = new double[n];
        for (int k = 0; k < n; k++) {
            double f1 = cosineF((double) k / n);
            double f2 = cosineF((double) (k + 1) / n);
            b[k] = Math.min(1 - f2 / f1, COSINE_MAX_BETA);
        }
        return b;
    }

    private static double cosineF(double u) {
        double c = StrictMath.cos((u + COSINE_OFFSET) / (1 + COSINE_OFFSET) * Math.PI / 2);
        return c * c;
    }

    private static void checkSteps(int n) {
        if (n < 2) {
            throw new IllegalArgumentException("steps must be an integer >= 2, got " + n);
        }
    }

    /** {@code t_k = -ln prod_{i<=k}(1 - beta_i) = -sum_{i<=k} log1p(-beta_i)}. */
    static double[] cumulativeTimes(double[] betas) {
        double[] t = new double[betas.length];
        double s = 0;
        for (int k = 0; k < betas.length; k++) {
            s -= StrictMath.log1p(-betas[k]);
            t[k] = s;
        }
        return t;
    }

    public Kind kind() {
        return kind;
    }

    /** N for the DDPM conventions, 0 for {@code ou}. */
    public int steps() {
        return steps;
    }

    /** OU time of integer step k (DDPM conventions). */
    public double stepTime(int k) {
        return times[k];
    }

    /** The OU times t_0 &lt; ... &lt; t_{N-1} of the training steps (a copy; empty for {@code ou}). */
    public double[] stepTimes() {
        return times.clone();
    }

    /**
     * The training step whose OU time is nearest to t (DDPM conventions): the integer index a network with
     * an integer timestep input receives. On a grid snapped to the training steps (docs/ALGORITHMS.md section
     * 9) t is exactly {@code stepTime(k)}, so this is exact; elsewhere it rounds.
     */
    public int nearestStep(double t) {
        int n = times.length;
        int i = Arrays.binarySearch(times, t);
        if (i >= 0) {
            return i;
        }
        int hi = -i - 1;
        if (hi == 0) {
            return 0;
        }
        if (hi == n) {
            return n - 1;
        }
        return t - times[hi - 1] <= times[hi] - t ? hi - 1 : hi;
    }

    /** The network's time input for OU forward time t. */
    public double networkTime(double t) {
        if (kind == Kind.OU) {
            return t;
        }
        if (t <= 0) {
            return -1 + t / times[0]; // the segment from (0, -1) to (t_0, 0), extended
        }
        int n = times.length;
        if (t >= times[n - 1]) {
            return n - 1;
        }
        int i = Arrays.binarySearch(times, t);
        if (i >= 0) {
            return i;
        }
        int hi = -i - 1; // first index with times[hi] > t
        double lo = hi == 0 ? 0.0 : times[hi - 1];
        return (hi - 1) + (t - lo) / (times[hi] - lo);
    }

    /** Inverse of {@link #networkTime} on [-1, N-1]: the OU time of a (fractional) step index. */
    public double ouTime(double index) {
        if (kind == Kind.OU) {
            return index;
        }
        int n = times.length;
        if (index <= -1) {
            return 0;
        }
        if (index >= n - 1) {
            return times[n - 1];
        }
        int k = (int) Math.floor(index);
        double lo = k < 0 ? 0.0 : times[k];
        return lo + (index - k) * (times[k + 1] - lo);
    }

    /** Canonical option text: {@code time=ou} or {@code time=ddpm-linear,steps=1000}. */
    public String describe() {
        return kind == Kind.OU ? "time=ou" : "time=" + kind.option + ",steps=" + steps;
    }
}
