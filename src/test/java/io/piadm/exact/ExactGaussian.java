package io.piadm.exact;

import java.util.Arrays;

/**
 * Closed-form laws of a diagonal Gaussian target {@code N(mu, diag(s^2))} under the OU forward process
 * {@code dX = -X/2 dt + dW} (docs/ALGORITHMS.md section 8), used as test oracles.
 *
 * <p>Deliberately independent of the code it checks: it uses {@link StrictMath} only, not
 * {@code io.piadm.process.OuProcess}, {@code io.piadm.sampler.Integrator} or any model class. Every law
 * here acts coordinate-wise, so the per-coordinate static methods take {@code (mu, s2)}. The instance
 * methods apply them to coordinate i of a fixed target.
 *
 * <p>Notation: forward times {@code t1 > t2} (the reverse process runs from t1 down to t2),
 * {@code alpha(t) = e^{-t/2}}, {@code v(t) = alpha^2 s^2 + 1 - e^{-t}}.
 */
public final class ExactGaussian {

    /** Mean and variance of a one-dimensional Gaussian. */
    public record Moments(double mean, double var) {}

    /**
     * The Gaussian map {@code y -> a y + b + N(0, noiseVar)}, which every law here has (section 8): applied
     * to a point it gives a Gaussian, and applied to a Gaussian it gives a Gaussian.
     */
    public record Affine(double a, double b, double noiseVar) {
        /** The mean of the image of the point y. */
        public double mean(double y) {
            return a * y + b;
        }

        /** The image of {@code N(m.mean, m.var)}. */
        public Moments apply(Moments m) {
            return new Moments(a * m.mean() + b, a * a * m.var() + noiseVar);
        }

        /** This map followed by {@code next} (noises independent). */
        public Affine then(Affine next) {
            return new Affine(next.a * a, next.a * b + next.b, next.a * next.a * noiseVar + next.noiseVar);
        }
    }

    /** Which exponential-integrator step (section 1): stochastic (reverse SDE) or probability-flow ODE. */
    public enum Step { SDE, ODE }

    private final double[] mu;
    private final double[] s2;

    /** The target {@code N(mu, diag(s2))}; s2 must be positive and finite. */
    public ExactGaussian(double[] mu, double[] s2) {
        if (mu.length != s2.length) {
            throw new IllegalArgumentException("mu and s2 differ in length: " + mu.length + " vs " + s2.length);
        }
        for (int i = 0; i < mu.length; i++) {
            if (!Double.isFinite(mu[i]) || !(s2[i] > 0) || !Double.isFinite(s2[i])) {
                throw new IllegalArgumentException("coordinate " + i + ": need finite mu and s2 > 0, got mu="
                        + mu[i] + ", s2=" + s2[i]);
            }
        }
        this.mu = mu.clone();
        this.s2 = s2.clone();
    }

    /** Isotropic target {@code N(m 1, s2 I)} in d dimensions. */
    public static ExactGaussian isotropic(int d, double m, double s2) {
        double[] mu = new double[d];
        double[] v = new double[d];
        Arrays.fill(mu, m);
        Arrays.fill(v, s2);
        return new ExactGaussian(mu, v);
    }

    public int dim() {
        return mu.length;
    }

    public double mu(int i) {
        return mu[i];
    }

    public double s2(int i) {
        return s2[i];
    }

    // ---- per-coordinate closed forms (section 8) ----

    /** {@code alpha(t) = e^{-t/2}}. */
    public static double alpha(double t) {
        return StrictMath.exp(-0.5 * t);
    }

    /** {@code sigma(t)^2 = 1 - e^{-t}}, via expm1 for small t. */
    public static double sigma2(double t) {
        return -StrictMath.expm1(-t);
    }

    /** {@code v(t) = alpha^2 s^2 + sigma^2 = 1 + (s^2 - 1) e^{-t}}. */
    public static double variance(double s2, double t) {
        return StrictMath.exp(-t) * s2 + sigma2(t);
    }

    /** Section 8.1: {@code p_t = N(alpha mu, v(t))}. */
    public static Moments marginal(double mu, double s2, double t) {
        return new Moments(alpha(t) * mu, variance(s2, t));
    }

    /** Section 8.1: {@code score(x, t) = -(x - alpha mu) / v}. */
    public static double score(double mu, double s2, double t, double x) {
        return -(x - alpha(t) * mu) / variance(s2, t);
    }

    /**
     * Section 8.2: the exact probability-flow map from forward time t1 to t2 (either order),
     * {@code x -> alpha_2 mu + sqrt(v_2/v_1) (x - alpha_1 mu)}, as a noiseless {@link Affine}.
     */
    public static Affine flowMap(double mu, double s2, double t1, double t2) {
        double k = StrictMath.sqrt(variance(s2, t2) / variance(s2, t1));
        return new Affine(k, alpha(t2) * mu - k * alpha(t1) * mu, 0.0);
    }

    /** Section 8.2 applied to a point. */
    public static double flow(double mu, double s2, double t1, double t2, double x) {
        return flowMap(mu, s2, t1, t2).mean(x);
    }

    /**
     * Section 8.3: the law of the exact reverse SDE at forward time t2 given its value at t1 > t2, which
     * is the forward posterior {@code p(x_{t2} | x_{t1})}. With {@code rho = e^{-(t1-t2)/2}}:
     * {@code N(alpha_2 mu + rho v_2/v_1 (x - alpha_1 mu), v_2 (1 - rho^2) / v_1)}.
     */
    public static Affine reverseTransition(double mu, double s2, double t1, double t2) {
        if (!(t1 > t2 && t2 >= 0)) {
            throw new IllegalArgumentException("need t1 > t2 >= 0, got t1=" + t1 + ", t2=" + t2);
        }
        double v1 = variance(s2, t1);
        double v2 = variance(s2, t2);
        double rho = StrictMath.exp(-0.5 * (t1 - t2));
        double a = rho * v2 / v1;
        return new Affine(a, alpha(t2) * mu - a * alpha(t1) * mu, v2 * -StrictMath.expm1(-(t1 - t2)) / v1);
    }

    /**
     * Section 8.3, pathwise form: the kernel {@code K = e^{-(t_r - t_b)/2} v(t_b) / v(t_r)} by which the
     * Brownian increment at forward time t_r enters the exact reverse-SDE solution at forward time
     * {@code t_b <= t_r}. The same kernel multiplies {@code Y - alpha mu} between the two times.
     */
    public static double pathKernel(double s2, double tb, double tr) {
        return StrictMath.exp(-0.5 * (tr - tb)) * variance(s2, tb) / variance(s2, tr);
    }

    /**
     * Section 8.4: one exponential-integrator step from forward time t1 to t2 < t1 with the exact score
     * frozen at t1. With {@code e = t1 - t2} and {@code E = e^{e/2}}: SDE
     * {@code a = E - 2(E-1)/v_1, b = 2(E-1) alpha_1 mu/v_1, noise e^e - 1}; ODE {@code a = E - (E-1)/v_1,
     * b = (E-1) alpha_1 mu/v_1}, no noise.
     */
    public static Affine eiStep(Step kind, double mu, double s2, double t1, double t2) {
        double e = t1 - t2;
        if (!(e > 0)) {
            throw new IllegalArgumentException("need t1 > t2, got t1=" + t1 + ", t2=" + t2);
        }
        double v1 = variance(s2, t1);
        double big = StrictMath.exp(0.5 * e);
        double em1 = StrictMath.expm1(0.5 * e);
        double c = kind == Step.SDE ? 2.0 : 1.0;
        double noise = kind == Step.SDE ? StrictMath.expm1(e) : 0.0;
        return new Affine(big - c * em1 / v1, c * em1 * alpha(t1) * mu / v1, noise);
    }

    /** Section 8.4 iterated over a grid of strictly decreasing forward times {@code times[0] > times[1] > ...}. */
    public static Affine eiChain(Step kind, double mu, double s2, double[] times) {
        Affine m = new Affine(1.0, 0.0, 0.0);
        for (int j = 0; j + 1 < times.length; j++) {
            m = m.then(eiStep(kind, mu, s2, times[j], times[j + 1]));
        }
        return m;
    }

    /**
     * Section 11: Tweedie's denoiser at time eta, {@code x0 = (y + sigma^2 score(y, eta)) / alpha}, as a
     * map: {@code y -> (alpha s^2 / v) y + sigma^2 mu / v}.
     */
    public static Affine tweedieMap(double mu, double s2, double eta) {
        double v = variance(s2, eta);
        return new Affine(alpha(eta) * s2 / v, sigma2(eta) * mu / v, 0.0);
    }

    // ---- the same laws on coordinate i of this target ----

    public Moments marginal(int i, double t) {
        return marginal(mu[i], s2[i], t);
    }

    public double score(int i, double t, double x) {
        return score(mu[i], s2[i], t, x);
    }

    public Affine flowMap(int i, double t1, double t2) {
        return flowMap(mu[i], s2[i], t1, t2);
    }

    public Affine reverseTransition(int i, double t1, double t2) {
        return reverseTransition(mu[i], s2[i], t1, t2);
    }

    public Affine eiStep(Step kind, int i, double t1, double t2) {
        return eiStep(kind, mu[i], s2[i], t1, t2);
    }

    public Affine eiChain(Step kind, int i, double[] times) {
        return eiChain(kind, mu[i], s2[i], times);
    }

    public Affine tweedieMap(int i, double eta) {
        return tweedieMap(mu[i], s2[i], eta);
    }
}
