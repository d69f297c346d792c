package io.piadm.sampler;

import io.piadm.model.DiagonalGaussian;
import io.piadm.model.ScoreModel;
import io.piadm.noise.CounterNoise;
import io.piadm.noise.NoiseSource;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The order test every phase plugs into (cf. Hipparchus' integrator tests): on a one-dimensional Gaussian
 * target the phase's step is affine in (state, noise), so the law it produces from a Gaussian start is
 * Gaussian and is propagated exactly here by probing the phase's own step. That law is compared with the
 * EXACT law of the continuous dynamics (closed forms in {@code io.piadm.exact}, written without any sampler
 * code), and the error must fall at the right order as the step halves: one step, second order (ratio 4);
 * a fixed span, first order (ratio 2). A subclass names the phase, its span and its exact law.
 */
abstract class PhaseOrderContract {
    static final double MU = 0.7;
    static final double STD = 0.5;
    static final double S2 = STD * STD;
    static final NoiseSource NOISE = new CounterNoise(1);

    static ScoreModel model() {
        return new DiagonalGaussian(new double[] {MU}, new double[] {STD}).build();
    }

    /** The phase with {@code n} steps over {@code span} (a reverse-time length, or the corrector's duration). */
    abstract Phase phase(int n, double span);

    /** The exact law of the continuous dynamics over {@code span} from the Gaussian {@code start}. */
    abstract Law exact(Law start, double span);

    /** A Gaussian start law of the phase's state. */
    abstract Law start();

    /** A Gaussian law of a state of size s: mean and covariance (row-major s x s). */
    record Law(double[] mean, double[] cov) {
        double distance(Law o) {
            double e = 0;
            for (int i = 0; i < mean.length; i++) {
                e = Math.max(e, Math.abs(mean[i] - o.mean[i]));
            }
            for (int i = 0; i < cov.length; i++) {
                e = Math.max(e, Math.abs(cov[i] - o.cov[i]));
            }
            return e;
        }
    }

    /** The law after every step of {@code ph}, propagated exactly through its affine step map. */
    static Law propagate(Phase ph, Law start, ScoreModel model) {
        int s = ph.stateSize;
        int ns = Math.max(1, ph.noiseSize);
        int d = ph.dim;
        double[] m = start.mean().clone();
        double[] c = start.cov().clone();
        for (int j = 0; j < ph.steps; j++) {
            // F(z, xi) = step(j, z, score(z), xi) is affine: probe its constant, its z- and xi-columns.
            double[] base = apply(ph, j, new double[s], new double[ns], model, d);
            double[][] a = new double[s][];
            for (int k = 0; k < s; k++) {
                double[] z = new double[s];
                z[k] = 1;
                double[] col = apply(ph, j, z, new double[ns], model, d);
                for (int i = 0; i < s; i++) {
                    col[i] -= base[i];
                }
                a[k] = col;
            }
            double[][] g = new double[ph.noiseSize][];
            for (int k = 0; k < ph.noiseSize; k++) {
                double[] xi = new double[ns];
                xi[k] = 1;
                double[] col = apply(ph, j, new double[s], xi, model, d);
                for (int i = 0; i < s; i++) {
                    col[i] -= base[i];
                }
                g[k] = col;
            }
            double[] m2 = base.clone();
            double[] c2 = new double[s * s];
            for (int i = 0; i < s; i++) {
                for (int k = 0; k < s; k++) {
                    m2[i] += a[k][i] * m[k];
                }
            }
            for (int i = 0; i < s; i++) {
                for (int l = 0; l < s; l++) {
                    double v = 0;
                    for (int k = 0; k < s; k++) {
                        for (int q = 0; q < s; q++) {
                            v += a[k][i] * c[k * s + q] * a[q][l];
                        }
                    }
                    for (double[] col : g) {
                        v += col[i] * col[l];
                    }
                    c2[i * s + l] = v;
                }
            }
            m = m2;
            c = c2;
        }
        return new Law(m, c);
    }

    private static double[] apply(Phase ph, int j, double[] z, double[] xi, ScoreModel model, int d) {
        double[] g = new double[d];
        model.score(java.util.Arrays.copyOf(z, d), new double[] {ph.evalTime(j)}, 1, g);
        double[] out = new double[ph.stateSize];
        ph.step(j, z, 0, g, 0, xi, 0, out, 0);
        return out;
    }

    double error(int n, double span) {
        return propagate(phase(n, span), start(), model()).distance(exact(start(), span));
    }

    @Test
    void oneStepErrorIsSecondOrder() {
        double prev = error(1, 0.1);
        for (double e = 0.05; e >= 0.006; e /= 2) {
            double err = error(1, e);
            double ratio = prev / err;
            assertTrue(ratio > 3.4 && ratio < 4.6, getClass().getSimpleName() + ": one-step error ratio " + ratio
                    + " at step " + e + " (errors " + prev + " -> " + err + ")");
            prev = err;
        }
    }

    @Test
    void globalErrorIsFirstOrder() {
        double span = 1.0;
        double prev = error(8, span);
        for (int n = 16; n <= 128; n *= 2) {
            double err = error(n, span);
            double ratio = prev / err;
            assertTrue(ratio > 1.8 && ratio < 2.2, getClass().getSimpleName() + ": global error ratio " + ratio
                    + " at " + n + " steps (errors " + prev + " -> " + err + ")");
            prev = err;
        }
    }
}
