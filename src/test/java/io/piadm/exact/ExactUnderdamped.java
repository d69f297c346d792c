package io.piadm.exact;

/**
 * Exact law of underdamped Langevin dynamics with a Gaussian force, the oracle for the PIADM-ODE
 * corrector (docs/ALGORITHMS.md sections 5 and 8.5). Per coordinate: {@code dx = vel du},
 * {@code dvel = -gamma vel du - (x - c)/v du + sqrt(2 gamma) dB}. Its invariant law is
 * {@code N(c, v) x N(0, 1)}, which is {@code p_t x N(0, 1)} for a Gaussian target at forward time t.
 *
 * <p>Like {@link ExactGaussian}, this is independent of the sampler code ({@link StrictMath} only).
 */
public final class ExactUnderdamped {

    /** Gaussian law of (x, vel): means and the symmetric covariance (xx, xv, vv). */
    public record Law2(double mx, double mv, double cxx, double cxv, double cvv) {}

    /**
     * The map {@code z -> F z + f + N(0, Q)} on z = (x, vel). F is row-major {@code (f00, f01, f10, f11)},
     * and Q is given as (xx, xv, vv).
     */
    public record Affine2(double f00, double f01, double f10, double f11, double fx, double fv,
            double qxx, double qxv, double qvv) {
        public Law2 apply(Law2 z) {
            double mx = f00 * z.mx() + f01 * z.mv() + fx;
            double mv = f10 * z.mx() + f11 * z.mv() + fv;
            // F C F^T + Q
            double a = f00 * z.cxx() + f01 * z.cxv();
            double b = f00 * z.cxv() + f01 * z.cvv();
            double c = f10 * z.cxx() + f11 * z.cxv();
            double d = f10 * z.cxv() + f11 * z.cvv();
            return new Law2(mx, mv, a * f00 + b * f01 + qxx, a * f10 + b * f11 + qxv, c * f10 + d * f11 + qvv);
        }
    }

    private final double centre;
    private final double var;
    private final double gamma;

    /** Force {@code -(x - centre)/variance}, friction gamma; variance and gamma positive. */
    public ExactUnderdamped(double centre, double variance, double gamma) {
        if (!(variance > 0) || !(gamma > 0) || !Double.isFinite(centre) || !Double.isFinite(variance)
                || !Double.isFinite(gamma)) {
            throw new IllegalArgumentException("need finite centre, variance > 0, gamma > 0; got " + centre + ", "
                    + variance + ", " + gamma);
        }
        this.centre = centre;
        this.var = variance;
        this.gamma = gamma;
    }

    /** The corrector's dynamics for coordinate N(mu, s2) of a Gaussian target at forward time t. */
    public static ExactUnderdamped forTarget(double mu, double s2, double t, double gamma) {
        return new ExactUnderdamped(ExactGaussian.alpha(t) * mu, ExactGaussian.variance(s2, t), gamma);
    }

    /** The invariant law {@code N(c, v) x N(0, 1)}. */
    public Law2 invariant() {
        return new Law2(centre, 0.0, var, 0.0, 1.0);
    }

    /**
     * {@code e^{M u}} for {@code M = [[0, 1], [-1/v, -gamma]]}, row-major. By Cayley-Hamilton,
     * {@code e^{Mu} = e^{-gamma u/2} [C I + S (M + gamma/2 I)]} with {@code q = gamma^2/4 - 1/v},
     * {@code C = cosh(sqrt(q) u)} and {@code S = sinh(sqrt(q) u)/sqrt(q)}. Both are entire in q, and a
     * series in {@code q u^2} is used when it is small, so every sign of q is covered.
     */
    public double[] propagator(double u) {
        double h = 0.5 * gamma;
        double q = h * h - 1.0 / var;
        double z = q * u * u;
        double damp = StrictMath.exp(-h * u);
        double c;
        double s;
        if (Math.abs(z) >= 1.0 && q > 0) {
            // e^{-hu} cosh(ru) and e^{-hu} sinh(ru)/r from the two real exponents, which cannot overflow
            double r = StrictMath.sqrt(q);
            double up = StrictMath.exp((r - h) * u);
            double dn = StrictMath.exp(-(r + h) * u);
            double dc = 0.5 * (up + dn);
            double ds = 0.5 * (up - dn) / r;
            return new double[] {dc + ds * h, ds, -ds / var, dc - ds * h};
        }
        if (Math.abs(z) < 1.0) {
            // C = sum z^k/(2k)!, S = u sum z^k/(2k+1)!
            double tc = 1.0;
            double ts = 1.0;
            c = 1.0;
            s = 1.0;
            for (int k = 1; k < 40; k++) {
                tc *= z / ((2.0 * k - 1) * (2.0 * k));
                ts *= z / ((2.0 * k) * (2.0 * k + 1));
                c += tc;
                s += ts;
            }
            s *= u;
        } else {
            double r = StrictMath.sqrt(-q);
            c = StrictMath.cos(r * u);
            s = StrictMath.sin(r * u) / r;
        }
        // M + h I = [[h, 1], [-1/v, h - gamma]] = [[h, 1], [-1/v, -h]]
        return new double[] {damp * (c + s * h), damp * s, damp * (-s / var), damp * (c - s * h)};
    }

    /**
     * The exact law after time u (section 8.5): {@code mean = z_inf + e^{Mu}(mean0 - z_inf)},
     * {@code Cov = S_inf + e^{Mu} (Cov0 - S_inf) e^{M^T u}}, with {@code S_inf = diag(v, 1)}.
     */
    public Law2 evolve(Law2 start, double u) {
        return transition(u).apply(start);
    }

    /** The exact transition over time u, as an {@link Affine2}. */
    public Affine2 transition(double u) {
        double[] p = propagator(u);
        // mean: z_inf + P (z - z_inf), z_inf = (c, 0)
        double fx = centre - p[0] * centre;
        double fv = -p[2] * centre;
        // Q = S_inf - P S_inf P^T, S_inf = diag(v, 1)
        double qxx = var - (p[0] * p[0] * var + p[1] * p[1]);
        double qxv = -(p[0] * p[2] * var + p[1] * p[3]);
        double qvv = 1.0 - (p[2] * p[2] * var + p[3] * p[3]);
        return new Affine2(p[0], p[1], p[2], p[3], fx, fv, qxx, qxv, qvv);
    }

    /**
     * One corrector step of length e with the force frozen at the step's left end (section 5, [CCBJ18]),
     * as an {@link Affine2}. With {@code a = e^{-gamma e}} and {@code g = -(x - c)/v}:
     * {@code vel' = a vel + (1-a)/gamma g + W_v},
     * {@code x' = x + (1-a)/gamma vel + (e - (1-a)/gamma)/gamma g + W_x}, and the noise covariance is
     * {@link #frozenForceNoise}.
     */
    public Affine2 frozenForceStep(double e) {
        double a = StrictMath.exp(-gamma * e);
        double k1 = -StrictMath.expm1(-gamma * e) / gamma; // (1 - a)/gamma
        double k2 = (e - k1) / gamma;
        double[] q = frozenForceNoise(gamma, e);
        // g = -(x - c)/v: x' = (1 - k2/v) x + k1 vel + k2 c/v; vel' = -(k1/v) x + a vel + k1 c/v
        return new Affine2(1.0 - k2 / var, k1, -k1 / var, a, k2 * centre / var, k1 * centre / var, q[0], q[1], q[2]);
    }

    /**
     * The frozen-force step's noise covariance (section 5), written from the formulas:
     * {@code {Var W_x, Cov(W_x, W_v), Var W_v} = {(2 gamma e - 3 + 4a - a^2)/gamma^2, (1-a)^2/gamma, 1 - a^2}}.
     * Var W_x is evaluated as written, which is accurate to about {@code 1e-16 / (gamma e)^3} relative;
     * tests use {@code gamma e >= 1e-2}.
     */
    public static double[] frozenForceNoise(double gamma, double e) {
        double a = StrictMath.exp(-gamma * e);
        double oneMinusA = -StrictMath.expm1(-gamma * e);
        double varX = (2 * gamma * e - 3 + 4 * a - a * a) / (gamma * gamma);
        return new double[] {varX, oneMinusA * oneMinusA / gamma, -StrictMath.expm1(-2 * gamma * e)};
    }
}
