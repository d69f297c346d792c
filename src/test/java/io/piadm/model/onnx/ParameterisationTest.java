package io.piadm.model.onnx;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The conversions on the Gaussian N(mu, s^2), where eps, x0, v and the score at (x, t) are all known in
 * closed form: E[x0 | x] = mu + s^2 alpha (x - alpha mu) / (alpha^2 s^2 + sigma^2), E[eps | x] = sigma (x - alpha mu) / (alpha^2 s^2 + sigma^2).
 */
class ParameterisationTest {
    @Test
    void closedFormPredictionsConvertToTheExactScore() {
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < 1000; i++) {
            double mu = 4 * r.nextDouble() - 2;
            double s = 0.1 + r.nextDouble();
            double t = 1e-3 * Math.pow(1e4, r.nextDouble());
            double x = 6 * r.nextDouble() - 3;
            double alpha = Math.exp(-t / 2);
            double sigma = Math.sqrt(-Math.expm1(-t));
            double var = alpha * alpha * s * s + sigma * sigma;
            double score = -(x - alpha * mu) / var;
            double eps = sigma * (x - alpha * mu) / var;
            double x0 = mu + s * s * alpha * (x - alpha * mu) / var;
            double v = alpha * eps - sigma * x0;
            double tol = 1e-9 * Math.max(1, Math.abs(score));
            assertEquals(score, Parameterisation.EPS.toScore(eps, x, alpha, sigma), tol);
            assertEquals(score, Parameterisation.X0.toScore(x0, x, alpha, sigma), tol / (sigma * sigma));
            assertEquals(score, Parameterisation.V.toScore(v, x, alpha, sigma), tol / sigma);
            assertEquals(score, Parameterisation.SCORE.toScore(score, x, alpha, sigma), 0);
            assertEquals(eps, Parameterisation.EPS.fromScore(score, x, alpha, sigma), 1e-9);
            assertEquals(x0, Parameterisation.X0.fromScore(score, x, alpha, sigma), 1e-9 * Math.max(1, Math.abs(x0)) / alpha);
            assertEquals(v, Parameterisation.V.fromScore(score, x, alpha, sigma), 1e-9 * Math.max(1, Math.abs(x0)) / alpha);
        }
    }

    @Test
    void vIsAlphaEpsMinusSigmaX0() {
        // x = alpha x0 + sigma eps with any x0, eps: eps = sigma x + alpha v recovers eps
        double alpha = 0.6;
        double sigma = 0.8; // alpha^2 + sigma^2 = 1
        double x0 = 1.7;
        double eps = -0.4;
        double x = alpha * x0 + sigma * eps;
        double v = alpha * eps - sigma * x0;
        assertEquals(eps, sigma * x + alpha * v, 1e-15);
        assertEquals(-eps / sigma, Parameterisation.V.toScore(v, x, alpha, sigma), 1e-15);
    }
}
