package io.piadm.model;

import io.piadm.noise.CounterNoise;
import io.piadm.noise.NoiseStream;
import io.piadm.process.OuProcess;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * Gaussian target {@code N(mu, diag(s^2))} with exact score at every time (docs/ALGORITHMS.md section 2):
 * {@code p_t = N(alpha mu, alpha^2 s^2 + sigma^2)} per coordinate, so
 * {@code score_i(x, t) = -(x_i - alpha mu_i) / (alpha^2 s_i^2 + sigma^2)}; O(d) per evaluation.
 * Isotropic Gaussians are the case of equal stds. Spec, executor model and exact law in one immutable
 * object (it is tiny).
 */
public final class DiagonalGaussian implements ModelSpec, ScoreModel, AnalyticTarget {
    private static final long serialVersionUID = 1L;

    private final double[] mean;
    private final double[] std;
    private final boolean isotropic;

    public DiagonalGaussian(double[] mean, double[] std) {
        if (mean.length == 0 || mean.length != std.length) {
            throw new IllegalArgumentException("mean and std must have the same positive length");
        }
        for (double s : std) {
            if (!(s > 0) || !Double.isFinite(s)) {
                throw new IllegalArgumentException("std must be finite and > 0, got " + s);
            }
        }
        for (double m : mean) {
            if (!Double.isFinite(m)) {
                throw new IllegalArgumentException("mean must be finite, got " + m);
            }
        }
        this.mean = mean.clone();
        this.std = std.clone();
        boolean iso = true;
        for (int i = 1; i < mean.length; i++) {
            iso &= mean[i] == mean[0] && std[i] == std[0];
        }
        this.isotropic = iso;
    }

    /** Isotropic {@code N(mean * 1, std^2 I)} in dimension d. */
    public static DiagonalGaussian isotropic(int d, double mean, double std) {
        if (d <= 0) {
            throw new IllegalArgumentException("d must be a positive integer, got " + d);
        }
        double[] m = new double[d];
        double[] s = new double[d];
        Arrays.fill(m, mean);
        Arrays.fill(s, std);
        return new DiagonalGaussian(m, s);
    }

    @Override
    public int dim() {
        return mean.length;
    }

    public double[] mean() {
        return mean.clone();
    }

    public double[] std() {
        return std.clone();
    }

    @Override
    public ScoreModel build(ExecutionContext context) {
        return this;
    }

    @Override
    public AnalyticTarget analyticTarget() {
        return this;
    }

    @Override
    public String id() {
        if (isotropic) {
            return "gaussian:d=" + dim() + ",std=" + std[0] + ",mean=" + mean[0];
        }
        return "gaussian-diag:d=" + dim() + ",hash=" + Integer.toHexString(
                31 * Arrays.hashCode(mean) + Arrays.hashCode(std));
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", isotropic ? "gaussian" : "gaussian-diagonal");
        m.put("dim", dim());
        m.put("mean", mean.clone());
        m.put("std", std.clone());
        return m;
    }

    @Override
    public void score(double[] x, double[] t, int from, int n, double[] out) {
        int d = mean.length;
        for (int r = from; r < from + n; r++) {
            double tr = t[r];
            double a = OuProcess.alpha(tr);
            double a2 = a * a;
            double s2 = OuProcess.sigma2(tr);
            int o = r * d;
            for (int i = 0; i < d; i++) {
                double v = a2 * std[i] * std[i] + s2;
                out[o + i] = -(x[o + i] - a * mean[i]) / v;
            }
        }
    }

    @Override
    public double logDensity(double[] x, int off, double t) {
        double a = OuProcess.alpha(t);
        double s2 = OuProcess.sigma2(t);
        double lp = 0;
        for (int i = 0; i < mean.length; i++) {
            double v = a * a * std[i] * std[i] + s2;
            double z = x[off + i] - a * mean[i];
            lp += -0.5 * (z * z / v + Math.log(2 * Math.PI * v));
        }
        return lp;
    }

    @Override
    public void sample(long seed, int n, double t, double[] out) {
        int d = mean.length;
        CounterNoise noise = new CounterNoise(seed);
        double[][] mv = diagonalGaussianMoments(t);
        double[] z = new double[d];
        for (int r = 0; r < n; r++) {
            noise.normals(NoiseStream.REFERENCE, r, 0, 0, z, 0, d);
            for (int i = 0; i < d; i++) {
                out[r * d + i] = mv[0][i] + Math.sqrt(mv[1][i]) * z[i];
            }
        }
    }

    @Override
    public double secondMoment() {
        double m2 = 0;
        for (int i = 0; i < mean.length; i++) {
            m2 += mean[i] * mean[i] + std[i] * std[i];
        }
        return m2;
    }

    @Override
    public double[][] diagonalGaussianMoments(double t) {
        double a = OuProcess.alpha(t);
        double s2 = OuProcess.sigma2(t);
        int d = mean.length;
        double[] m = new double[d];
        double[] v = new double[d];
        for (int i = 0; i < d; i++) {
            m[i] = a * mean[i];
            v[i] = a * a * std[i] * std[i] + s2;
        }
        return new double[][] {m, v};
    }

    /** The score's Jacobian is {@code -diag(1/(alpha^2 s_i^2 + sigma^2))}: its norm is the largest entry. */
    @Override
    public OptionalDouble scoreLipschitz(double t) {
        double a = OuProcess.alpha(t);
        double s2 = OuProcess.sigma2(t);
        double l = 0;
        for (double s : std) {
            l = Math.max(l, 1 / (a * a * s * s + s2));
        }
        return OptionalDouble.of(l);
    }
}
