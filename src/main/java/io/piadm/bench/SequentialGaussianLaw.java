package io.piadm.bench;

import io.piadm.model.DiagonalGaussian;
import io.piadm.process.OuProcess;
import io.piadm.sampler.Integrator;
import io.piadm.schedule.Schedule;

/**
 * The exact output law of the sequential exponential-integrator sampler for a diagonal Gaussian target.
 * With the exact score {@code g = -(y - alpha mu) / v(t)}, {@code v = alpha^2 s^2 + sigma^2}, one step
 * {@code y' = a y + b g + c xi} is affine in (y, xi), so per coordinate the mean and variance propagate as
 * {@code m' = (a - b/v) m + b alpha mu / v}, {@code V' = (a - b/v)^2 V + c^2}, from N(0, 1) at the horizon.
 * This gives the sampler's KL to p_eta with no Monte-Carlo error, which the scaling benchmark uses to
 * choose, for each d, the grid on which the sequential sampler reaches a fixed KL.
 */
public final class SequentialGaussianLaw {
    private SequentialGaussianLaw() {}

    /** {mean[d], var[d]} of the sequential sampler's output on {@code schedule}. */
    public static double[][] outputMoments(DiagonalGaussian target, Schedule schedule, Integrator integrator) {
        double[] mu = target.mean();
        double[] s = target.std();
        int d = mu.length;
        double[] m = new double[d];
        double[] var = new double[d];
        java.util.Arrays.fill(var, 1.0);
        double[] times = schedule.concatenatedTimes();
        for (int q = 0; q + 1 < times.length; q++) {
            double t = times[q];
            double[] abc = integrator.coefficients(t - times[q + 1]);
            double alpha = OuProcess.alpha(t);
            double s2 = OuProcess.sigma2(t);
            for (int i = 0; i < d; i++) {
                double v = alpha * alpha * s[i] * s[i] + s2;
                double k = abc[0] - abc[1] / v;
                m[i] = k * m[i] + abc[1] * alpha * mu[i] / v;
                var[i] = k * k * var[i] + abc[2] * abc[2];
            }
        }
        return new double[][] {m, var};
    }

    /** KL(sampler output || p_eta), summed over coordinates. */
    public static double kl(DiagonalGaussian target, Schedule schedule, Integrator integrator) {
        double[][] out = outputMoments(target, schedule, integrator);
        double[][] ref = target.diagonalGaussianMoments(schedule.eta());
        double kl = 0;
        for (int i = 0; i < out[0].length; i++) {
            double r = out[1][i] / ref[1][i];
            double dm = out[0][i] - ref[0][i];
            kl += 0.5 * (r - 1 - Math.log(r) + dm * dm / ref[1][i]);
        }
        return kl;
    }
}
