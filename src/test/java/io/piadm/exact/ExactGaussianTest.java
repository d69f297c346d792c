package io.piadm.exact;

import io.piadm.exact.ExactGaussian.Affine;
import io.piadm.exact.ExactGaussian.Moments;
import io.piadm.exact.ExactGaussian.Step;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checks the oracles of {@link ExactGaussian} (docs/ALGORITHMS.md section 8) against facts that do not
 * use them: the marginals they must push forward, their group and Chapman-Kolmogorov laws, Gaussian
 * conditioning, direct numerical integration of the ODE, and a Monte-Carlo simulation of the reverse SDE.
 */
class ExactGaussianTest {
    /** (mu, s2): below, at and above unit variance, and a nearly degenerate coordinate. */
    private static final double[][] TARGETS = {{0.7, 0.25}, {-1.3, 4.0}, {0.0, 1.0}, {2.0, 0.01}};
    /** (t1, t2) with t1 > t2: far, near the data, and tiny times. */
    private static final double[][] TIMES = {{2.0, 0.5}, {0.3, 0.01}, {5.0, 4.0}, {1.0, 1e-3}};

    // ---- inline facts the oracle must agree with (written from section 8.1, not from the oracle) ----

    private static double v(double s2, double t) {
        return Math.exp(-t) * s2 + 1.0 - Math.exp(-t);
    }

    private static double score(double mu, double s2, double t, double x) {
        return -(x - Math.exp(-t / 2) * mu) / v(s2, t);
    }

    private static void assertMoments(Moments want, Moments got, double rel, String what) {
        assertEquals(want.mean(), got.mean(), rel * (1 + Math.abs(want.mean())), what + ": mean");
        assertEquals(want.var(), got.var(), rel * want.var(), what + ": variance");
    }

    @Test
    void marginalMatchesForwardNoising() {
        for (double[] c : TARGETS) {
            for (double t : new double[] {1e-6, 0.1, 1.0, 7.0}) {
                // X_t = alpha X_0 + sigma Z: mean alpha mu, variance alpha^2 s2 + sigma^2.
                double al = Math.exp(-t / 2);
                Moments want = new Moments(al * c[0], al * al * c[1] + (1 - al * al));
                assertMoments(want, ExactGaussian.marginal(c[0], c[1], t), 1e-9, "p_t");
            }
        }
    }

    @Test
    void flowPushesMarginalsBothWays() {
        for (double[] c : TARGETS) {
            for (double[] tt : TIMES) {
                for (int dir = 0; dir < 2; dir++) {
                    double t1 = tt[dir];
                    double t2 = tt[1 - dir];
                    Moments pushed = ExactGaussian.flowMap(c[0], c[1], t1, t2).apply(ExactGaussian.marginal(c[0], c[1], t1));
                    assertMoments(ExactGaussian.marginal(c[0], c[1], t2), pushed, 1e-13, "flow " + t1 + "->" + t2);
                }
            }
        }
    }

    @Test
    void flowIsAGroup() {
        double[][] triples = {{3.0, 1.0, 0.1}, {0.2, 2.5, 0.7}, {0.01, 0.5, 4.0}};
        for (double[] c : TARGETS) {
            for (double[] tr : triples) {
                Affine direct = ExactGaussian.flowMap(c[0], c[1], tr[0], tr[2]);
                Affine composed = ExactGaussian.flowMap(c[0], c[1], tr[0], tr[1])
                        .then(ExactGaussian.flowMap(c[0], c[1], tr[1], tr[2]));
                assertEquals(direct.a(), composed.a(), 1e-14 * Math.abs(direct.a()));
                assertEquals(direct.b(), composed.b(), 1e-14);
                assertEquals(0.0, composed.noiseVar());
            }
        }
    }

    /** RK4 on the probability-flow ODE in forward time, {@code dx/dt = -x/2 - score/2}, with the score inline. */
    @Test
    void flowSolvesTheProbabilityFlowOde() {
        int steps = 4000;
        for (double[] c : TARGETS) {
            for (double[] tt : TIMES) {
                for (double x0 : new double[] {-2.0, 0.3, 1.9}) {
                    double t = tt[0];
                    double h = (tt[1] - tt[0]) / steps;
                    double x = x0;
                    for (int k = 0; k < steps; k++) {
                        double k1 = pf(c, t, x);
                        double k2 = pf(c, t + h / 2, x + h / 2 * k1);
                        double k3 = pf(c, t + h / 2, x + h / 2 * k2);
                        double k4 = pf(c, t + h, x + h * k3);
                        x += h / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
                        t += h;
                    }
                    double want = ExactGaussian.flow(c[0], c[1], tt[0], tt[1], x0);
                    assertEquals(x, want, 1e-9 * (1 + Math.abs(want)), "flow of x=" + x0 + " for " + c[0] + "," + c[1]);
                }
            }
        }
    }

    private static double pf(double[] c, double t, double x) {
        return -0.5 * x - 0.5 * score(c[0], c[1], t, x);
    }

    @Test
    void reverseTransitionMapsMarginalsAndComposes() {
        for (double[] c : TARGETS) {
            for (double[] tt : TIMES) {
                Affine k = ExactGaussian.reverseTransition(c[0], c[1], tt[0], tt[1]);
                assertMoments(ExactGaussian.marginal(c[0], c[1], tt[1]), k.apply(ExactGaussian.marginal(c[0], c[1], tt[0])),
                        1e-13, "transition of p_t1");
            }
            // Chapman-Kolmogorov: t1 -> t2 -> t3 equals t1 -> t3, for the whole Gaussian kernel.
            double[] t = {4.0, 1.3, 0.02};
            Affine direct = ExactGaussian.reverseTransition(c[0], c[1], t[0], t[2]);
            Affine composed = ExactGaussian.reverseTransition(c[0], c[1], t[0], t[1])
                    .then(ExactGaussian.reverseTransition(c[0], c[1], t[1], t[2]));
            assertEquals(direct.a(), composed.a(), 1e-14);
            assertEquals(direct.b(), composed.b(), 1e-14);
            assertEquals(direct.noiseVar(), composed.noiseVar(), 1e-14 * direct.noiseVar());
        }
    }

    /**
     * Forward process facts: {@code Cov(X_t2, X_t1) = rho v_2}, so Gaussian conditioning gives slope
     * {@code rho v_2 / v_1} and variance {@code v_2 - (rho v_2)^2 / v_1}. The oracle derives the
     * variance as {@code v_2 (1 - rho^2)/v_1} instead.
     */
    @Test
    void reverseTransitionIsGaussianConditioningOfTheForwardJointLaw() {
        for (double[] c : TARGETS) {
            for (double[] tt : TIMES) {
                double v1 = v(c[1], tt[0]);
                double v2 = v(c[1], tt[1]);
                double cov = Math.exp(-(tt[0] - tt[1]) / 2) * v2;
                Affine k = ExactGaussian.reverseTransition(c[0], c[1], tt[0], tt[1]);
                assertEquals(cov / v1, k.a(), 1e-13);
                assertEquals(v2 - cov * cov / v1, k.noiseVar(), 1e-12 * v2);
                // intercept: E[X_t2] - slope E[X_t1]
                assertEquals(Math.exp(-tt[1] / 2) * c[0] - cov / v1 * Math.exp(-tt[0] / 2) * c[0], k.b(), 1e-13);
            }
        }
    }

    /**
     * Euler-Maruyama on the reverse SDE {@code dY = [Y/2 + score(Y, t1 - s)] ds + dB} from a fixed point,
     * with 40 000 paths and 1 200 steps: its mean and variance at t2 must match the closed form within
     * Monte-Carlo error. The EM weak bias, about 1e-3, is well below the bound.
     */
    @Test
    void reverseTransitionMatchesEulerMaruyamaMonteCarlo() {
        double[][] cases = {{0.7, 0.25, 1.5, 0.3, 1.7}, {-1.3, 4.0, 2.0, 0.05, -4.0}};
        int paths = 40_000;
        int steps = 1200;
        SplittableRandom rng = new SplittableRandom(20240517L);
        for (double[] c : cases) {
            double mu = c[0];
            double s2 = c[1];
            double t1 = c[2];
            double t2 = c[3];
            double x0 = c[4];
            double ds = (t1 - t2) / steps;
            double sq = Math.sqrt(ds);
            double[] al = new double[steps];
            double[] vv = new double[steps];
            for (int k = 0; k < steps; k++) {
                double t = t1 - k * ds;
                al[k] = Math.exp(-t / 2);
                vv[k] = v(s2, t);
            }
            double[] end = new double[paths];
            for (int p = 0; p < paths; p++) {
                double y = x0;
                for (int k = 0; k < steps; k++) {
                    double sc = -(y - al[k] * mu) / vv[k];
                    y += (0.5 * y + sc) * ds + sq * rng.nextGaussian();
                }
                end[p] = y;
            }
            Affine k = ExactGaussian.reverseTransition(mu, s2, t1, t2);
            double wantMean = k.mean(x0);
            double wantVar = k.noiseVar();
            double seMean = Math.sqrt(wantVar / paths);
            double seVar = wantVar * Math.sqrt(2.0 / (paths - 1));
            double zMean = (Stats.mean(end) - wantMean) / seMean;
            double zVar = (Stats.var(end) - wantVar) / seVar;
            System.out.printf("reverse SDE MC (mu=%s, s2=%s, %s->%s, x=%s): mean %.5f vs %.5f (z=%.2f), var %.5f vs %.5f (z=%.2f)%n",
                    mu, s2, t1, t2, x0, Stats.mean(end), wantMean, zMean, Stats.var(end), wantVar, zVar);
            assertTrue(Math.abs(zMean) < 4.5, "mean off by " + zMean + " standard errors");
            assertTrue(Math.abs(zVar) < 4.5, "variance off by " + zVar + " standard errors");
        }
    }

    /**
     * Pathwise form (section 8.3): {@code K(s_b, s_a)} is the transition's slope, and {@code int K^2 dr}
     * (Simpson, in forward time) is its variance.
     */
    @Test
    void pathKernelReproducesTheTransition() {
        int n = 20_000;
        for (double[] c : TARGETS) {
            for (double[] tt : TIMES) {
                double ta = tt[0];
                double tb = tt[1];
                Affine k = ExactGaussian.reverseTransition(c[0], c[1], ta, tb);
                assertEquals(k.a(), ExactGaussian.pathKernel(c[1], tb, ta), 1e-14);
                double h = (ta - tb) / n;
                double sum = 0.0;
                for (int i = 0; i <= n; i++) {
                    double kk = ExactGaussian.pathKernel(c[1], tb, tb + i * h);
                    double w = i == 0 || i == n ? 1 : (i % 2 == 1 ? 4 : 2);
                    sum += w * kk * kk;
                }
                assertEquals(k.noiseVar(), sum * h / 3, 1e-10 * k.noiseVar());
            }
        }
    }

    /** The EI step law is the section-1 step applied to the section-8.1 score. */
    @Test
    void eiStepIsTheFrozenScoreStep() {
        for (double[] c : TARGETS) {
            double t1 = 0.8;
            double t2 = 0.55;
            double e = t1 - t2;
            for (double y : new double[] {-1.0, 0.4, 3.0}) {
                double g = score(c[0], c[1], t1, y);
                assertEquals(Math.exp(e / 2) * y + 2 * (Math.exp(e / 2) - 1) * g,
                        ExactGaussian.eiStep(Step.SDE, c[0], c[1], t1, t2).mean(y), 1e-12);
                assertEquals(Math.exp(e / 2) * y + (Math.exp(e / 2) - 1) * g,
                        ExactGaussian.eiStep(Step.ODE, c[0], c[1], t1, t2).mean(y), 1e-12);
            }
            assertEquals(Math.exp(e) - 1, ExactGaussian.eiStep(Step.SDE, c[0], c[1], t1, t2).noiseVar(), 1e-14);
        }
    }

    /**
     * One step from t1: the EI law differs from the exact law (transition for the SDE, flow for the ODE)
     * by O(e^2) in slope, intercept and variance. Halving e must divide the error by about 4.
     */
    @Test
    void eiStepLocalErrorIsSecondOrder() {
        double t1 = 0.9;
        for (double[] c : new double[][] {{0.7, 0.25}, {-1.3, 4.0}}) {
            for (Step kind : Step.values()) {
                double prev = Double.NaN;
                for (double e = 0.2; e > 0.01; e /= 2) {
                    Affine ei = ExactGaussian.eiStep(kind, c[0], c[1], t1, t1 - e);
                    Affine ex = kind == Step.SDE ? ExactGaussian.reverseTransition(c[0], c[1], t1, t1 - e)
                            : ExactGaussian.flowMap(c[0], c[1], t1, t1 - e);
                    double err = Math.abs(ei.a() - ex.a()) + Math.abs(ei.b() - ex.b())
                            + Math.abs(ei.noiseVar() - ex.noiseVar());
                    if (!Double.isNaN(prev)) {
                        double ratio = prev / err;
                        assertTrue(ratio > 3.5 && ratio < 4.6, kind + " local error ratio " + ratio + " at e=" + e);
                    }
                    prev = err;
                }
            }
        }
    }

    /**
     * From N(0, 1) at T = 3 to eta = 0.2 on a uniform grid: the EI chain's output law against the exact
     * reverse transition of the same start. The error is O(h), so doubling the steps halves it.
     */
    @Test
    void eiChainGlobalErrorIsFirstOrder() {
        double big = 3.0;
        double eta = 0.2;
        Moments start = new Moments(0.0, 1.0);
        for (double[] c : new double[][] {{0.7, 0.25}, {-1.3, 4.0}}) {
            Moments exact = ExactGaussian.reverseTransition(c[0], c[1], big, eta).apply(start);
            Moments odeExact = ExactGaussian.flowMap(c[0], c[1], big, eta).apply(start);
            for (Step kind : Step.values()) {
                Moments want = kind == Step.SDE ? exact : odeExact;
                double prev = Double.NaN;
                for (int n = 16; n <= 256; n *= 2) {
                    double[] times = new double[n + 1];
                    for (int j = 0; j <= n; j++) {
                        times[j] = big - (big - eta) * j / n;
                    }
                    Moments got = ExactGaussian.eiChain(kind, c[0], c[1], times).apply(start);
                    double err = Math.abs(got.mean() - want.mean()) + Math.abs(got.var() - want.var());
                    if (!Double.isNaN(prev)) {
                        double ratio = prev / err;
                        assertTrue(ratio > 1.8 && ratio < 2.2, kind + " global error ratio " + ratio + " at n=" + n);
                    }
                    prev = err;
                }
            }
        }
    }

    /**
     * Tweedie (section 11): simulate {@code X_0 ~ N(mu, s2)} and {@code X_t = alpha X_0 + sigma Z}, then
     * regress X_0 on X_t. The least-squares line is E[X_0 | X_t] and must equal the oracle's map within
     * Monte-Carlo error. Its output law is {@code N(mu, alpha^2 s^4 / v)}.
     */
    @Test
    void tweedieIsThePosteriorMean() {
        SplittableRandom rng = new SplittableRandom(7L);
        int n = 200_000;
        for (double[] c : new double[][] {{0.7, 0.25}, {-1.3, 4.0}}) {
            double eta = 0.3;
            double al = Math.exp(-eta / 2);
            double sg = Math.sqrt(1 - Math.exp(-eta));
            double[] x0 = new double[n];
            double[] xt = new double[n];
            for (int i = 0; i < n; i++) {
                x0[i] = c[0] + Math.sqrt(c[1]) * rng.nextGaussian();
                xt[i] = al * x0[i] + sg * rng.nextGaussian();
            }
            double mx = Stats.mean(xt);
            double my = Stats.mean(x0);
            double sxy = 0;
            double sxx = 0;
            for (int i = 0; i < n; i++) {
                sxy += (xt[i] - mx) * (x0[i] - my);
                sxx += (xt[i] - mx) * (xt[i] - mx);
            }
            double slope = sxy / sxx;
            Affine tw = ExactGaussian.tweedieMap(c[0], c[1], eta);
            // residual variance of the regression = posterior variance s2 sigma^2 / v
            double resid = c[1] * sg * sg / v(c[1], eta);
            double seSlope = Math.sqrt(resid / (sxx));
            assertEquals(tw.a(), slope, 5 * seSlope, "slope");
            assertEquals(tw.b(), my - slope * mx, 5 * seSlope * (Math.abs(mx) + 1) + 5 * Math.sqrt(resid / n), "intercept");
            Moments out = tw.apply(ExactGaussian.marginal(c[0], c[1], eta));
            assertEquals(c[0], out.mean(), 1e-13);
            assertEquals(al * al * c[1] * c[1] / v(c[1], eta), out.var(), 1e-13);
        }
    }

    @Test
    void badArgumentsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> ExactGaussian.reverseTransition(0, 1, 0.5, 0.5));
        assertThrows(IllegalArgumentException.class, () -> ExactGaussian.eiStep(Step.SDE, 0, 1, 0.5, 0.7));
        assertThrows(IllegalArgumentException.class, () -> new ExactGaussian(new double[] {0}, new double[] {0}));
        assertThrows(IllegalArgumentException.class, () -> new ExactGaussian(new double[] {0}, new double[] {1, 2}));
    }
}
