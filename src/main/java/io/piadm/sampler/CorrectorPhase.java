package io.piadm.sampler;

import io.piadm.noise.NoiseSource;
import io.piadm.noise.NoiseStream;

/**
 * Underdamped Langevin corrector of PIADM-ODE (docs/ALGORITHMS.md section 5): state (x, v), force
 * {@code g = score(x, t_end)} frozen over each step of length e, integrated exactly (Cheng et al. 2018):
 * with {@code a = e^{-gamma e}},
 * {@code v' = a v + (1-a)/gamma g + W_v}, {@code x' = x + (1-a)/gamma v + (e - (1-a)/gamma)/gamma g + W_x},
 * {@code Var W_v = 1 - a^2}, {@code Var W_x = (2 gamma e - 3 + 4a - a^2)/gamma^2},
 * {@code Cov(W_x, W_v) = (1-a)^2/gamma}. The pair is drawn from 2d counter-based normals per step.
 * Residuals are scaled by the velocity noise variance {@code 1 - a^2} (the x noise variance is
 * O(e^3) and would make any tolerance unreachable).
 */
final class CorrectorPhase extends Phase {
    private final int block;
    private final double time;
    private final NoiseSource noise;
    private final double a;
    private final double cvv;
    private final double cxv;
    private final double cxg;
    private final double cvg;
    private final double sv;
    private final double sxz1;
    private final double sxz2;
    private final double varV;

    CorrectorPhase(int block, double endTime, int dim, int steps, double duration, double gamma, NoiseSource noise) {
        super("corrector", steps, dim, 2 * dim, 2 * dim);
        this.block = block;
        this.time = endTime;
        this.noise = noise;
        double e = duration / steps;
        double u = gamma * e;
        double m = -StrictMath.expm1(-u); // 1 - a, accurate for small u
        this.a = 1.0 - m;
        this.cvv = a;
        this.cvg = m / gamma;
        this.cxv = m / gamma;
        this.cxg = uMinusOneMinusExp(u) / (gamma * gamma); // (e - (1-a)/gamma)/gamma
        this.varV = -StrictMath.expm1(-2.0 * u);
        double varX = varXTimesGamma2(u) / (gamma * gamma);
        double cov = m * m / gamma;
        this.sv = StrictMath.sqrt(varV);
        this.sxz1 = cov / sv;
        this.sxz2 = StrictMath.sqrt(Math.max(0.0, varX - cov * cov / varV));
    }

    /** {@code u - (1 - e^{-u})}, by series for small u to avoid cancellation. */
    static double uMinusOneMinusExp(double u) {
        if (u > 0.5) {
            return u + StrictMath.expm1(-u);
        }
        // sum_{k>=2} (-1)^k u^k / k!
        double term = u * u / 2.0;
        double sum = 0.0;
        for (int k = 2; k < 40 && term != 0.0; k++) {
            sum += (k % 2 == 0 ? term : -term);
            term *= u / (k + 1);
        }
        return sum;
    }

    /** {@code 2u - 3 + 4e^{-u} - e^{-2u}} = {@code gamma^2 Var W_x}, by series for small u. */
    static double varXTimesGamma2(double u) {
        if (u > 0.5) {
            double a = StrictMath.exp(-u);
            return 2 * u - 3 + 4 * a - a * a;
        }
        // sum_{k>=3} (-1)^k (4 - 2^k) u^k / k!
        double sum = 0.0;
        double uk = u * u * u / 6.0; // u^k / k!
        double pow2 = 8.0;
        for (int k = 3; k < 60; k++) {
            double t = (4.0 - pow2) * uk;
            sum += (k % 2 == 0 ? t : -t);
            uk *= u / (k + 1);
            pow2 *= 2.0;
            if (Math.abs(t) < 1e-300) {
                break;
            }
        }
        return sum;
    }

    /** The fresh velocity v_0 ~ N(0, I) of this block's corrector run. */
    void fillInitialVelocity(long id, double[] buf, int off) {
        noise.normals(NoiseStream.CORRECTOR_VELOCITY, id, block, 0, buf, off, dim);
    }

    @Override
    double evalTime(int j) {
        return time;
    }

    @Override
    boolean constantEvalTime() {
        return true;
    }

    @Override
    double residualVariance(int m) {
        return varV;
    }

    @Override
    void fillNoise(long id, int j, double[] buf, int off) {
        noise.normals(NoiseStream.CORRECTOR_STEP, id, block, j, buf, off, 2 * dim);
    }

    @Override
    void step(int j, double[] z, int zOff, double[] g, int gOff, double[] xi, int xiOff, double[] out, int outOff) {
        int d = dim;
        for (int i = 0; i < d; i++) {
            double x = z[zOff + i];
            double v = z[zOff + d + i];
            double gi = g[gOff + i];
            double z1 = xi[xiOff + i];
            double z2 = xi[xiOff + d + i];
            out[outOff + d + i] = cvv * v + cvg * gi + sv * z1;
            out[outOff + i] = x + cxv * v + cxg * gi + (sxz1 * z1 + sxz2 * z2);
        }
    }
}
