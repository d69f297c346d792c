package io.piadm.exact;

import io.piadm.exact.ExactUnderdamped.Affine2;
import io.piadm.exact.ExactUnderdamped.Law2;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checks {@link ExactUnderdamped} (docs/ALGORITHMS.md sections 5 and 8.5) against RK4 integration of
 * {@code dP/du = M P}, invariance of {@code N(c, v) x N(0, 1)}, the semigroup law and a Monte-Carlo
 * simulation. It also checks the section-5 frozen-force formulas against the exact law: they are its
 * zero-force limit, and their local error is O(e^2).
 */
class ExactUnderdampedTest {
    /** (centre, variance, gamma): underdamped (q < 0), overdamped (q > 0), critical (q = 0). */
    private static final double[][] CASES = {{0.4, 0.5, 1.0}, {-1.0, 3.0, 4.0}, {0.2, 1.0, 2.0}};

    private static void assertLaw(Law2 want, Law2 got, double tol, String what) {
        assertEquals(want.mx(), got.mx(), tol, what + " mx");
        assertEquals(want.mv(), got.mv(), tol, what + " mv");
        assertEquals(want.cxx(), got.cxx(), tol, what + " cxx");
        assertEquals(want.cxv(), got.cxv(), tol, what + " cxv");
        assertEquals(want.cvv(), got.cvv(), tol, what + " cvv");
    }

    @Test
    void propagatorSolvesTheLinearOde() {
        int steps = 10_000;
        for (double[] c : CASES) {
            ExactUnderdamped ud = new ExactUnderdamped(c[0], c[1], c[2]);
            double[][] m = {{0, 1}, {-1 / c[1], -c[2]}};
            for (double u : new double[] {0.05, 1.0, 3.0}) {
                double[][] p = {{1, 0}, {0, 1}};
                double h = u / steps;
                for (int k = 0; k < steps; k++) {
                    double[][] k1 = mul(m, p);
                    double[][] k2 = mul(m, add(p, k1, h / 2));
                    double[][] k3 = mul(m, add(p, k2, h / 2));
                    double[][] k4 = mul(m, add(p, k3, h));
                    for (int i = 0; i < 2; i++) {
                        for (int j = 0; j < 2; j++) {
                            p[i][j] += h / 6 * (k1[i][j] + 2 * k2[i][j] + 2 * k3[i][j] + k4[i][j]);
                        }
                    }
                }
                double[] got = ud.propagator(u);
                assertEquals(p[0][0], got[0], 1e-11);
                assertEquals(p[0][1], got[1], 1e-11);
                assertEquals(p[1][0], got[2], 1e-11);
                assertEquals(p[1][1], got[3], 1e-11);
            }
        }
    }

    private static double[][] mul(double[][] a, double[][] b) {
        double[][] r = new double[2][2];
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 2; j++) {
                r[i][j] = a[i][0] * b[0][j] + a[i][1] * b[1][j];
            }
        }
        return r;
    }

    private static double[][] add(double[][] a, double[][] b, double s) {
        return new double[][] {{a[0][0] + s * b[0][0], a[0][1] + s * b[0][1]}, {a[1][0] + s * b[1][0], a[1][1] + s * b[1][1]}};
    }

    @Test
    void invariantLawIsInvariantAndTheFlowIsASemigroup() {
        Law2 start = new Law2(1.5, -0.7, 0.2, 0.05, 0.4);
        for (double[] c : CASES) {
            ExactUnderdamped ud = new ExactUnderdamped(c[0], c[1], c[2]);
            for (double u : new double[] {0.1, 2.0, 10.0}) {
                assertLaw(ud.invariant(), ud.evolve(ud.invariant(), u), 1e-12, "invariant after " + u);
            }
            assertLaw(ud.evolve(start, 1.7), ud.evolve(ud.evolve(start, 0.4), 1.3), 1e-13, "semigroup");
            // long time: forgets the start
            assertLaw(ud.invariant(), ud.evolve(start, 1000.0), 1e-10, "relaxation");
        }
    }

    /** Euler-Maruyama with 1 000 steps and 40 000 paths from a fixed (x, vel) matches the exact law. */
    @Test
    void lawMatchesEulerMaruyamaMonteCarlo() {
        SplittableRandom rng = new SplittableRandom(99L);
        int paths = 40_000;
        int steps = 1000;
        double u = 1.0;
        for (double[] c : new double[][] {CASES[0], CASES[1]}) {
            double cen = c[0];
            double var = c[1];
            double g = c[2];
            double h = u / steps;
            double sn = Math.sqrt(2 * g * h);
            double[] xs = new double[paths];
            double[] vs = new double[paths];
            for (int p = 0; p < paths; p++) {
                double x = 1.2;
                double v = -0.5;
                for (int k = 0; k < steps; k++) {
                    double f = -(x - cen) / var;
                    double nx = x + v * h;
                    v += (-g * v + f) * h + sn * rng.nextGaussian();
                    x = nx;
                }
                xs[p] = x;
                vs[p] = v;
            }
            Law2 want = new ExactUnderdamped(cen, var, g).evolve(new Law2(1.2, -0.5, 0, 0, 0), u);
            double zx = (Stats.mean(xs) - want.mx()) / Math.sqrt(want.cxx() / paths);
            double zv = (Stats.mean(vs) - want.mv()) / Math.sqrt(want.cvv() / paths);
            double zxx = (Stats.var(xs) - want.cxx()) / (want.cxx() * Math.sqrt(2.0 / paths));
            double zvv = (Stats.var(vs) - want.cvv()) / (want.cvv() * Math.sqrt(2.0 / paths));
            double r = want.cxv() / Math.sqrt(want.cxx() * want.cvv());
            double zr = (Stats.corr(xs, vs) - r) / ((1 - r * r) / Math.sqrt(paths));
            System.out.printf("underdamped MC (c=%s, v=%s, gamma=%s): z mean x %.2f, mean v %.2f, var x %.2f, var v %.2f, corr %.2f%n",
                    cen, var, g, zx, zv, zxx, zvv, zr);
            for (double z : new double[] {zx, zv, zxx, zvv, zr}) {
                assertTrue(Math.abs(z) < 4.5, "off by " + z + " standard errors");
            }
        }
    }

    /**
     * With no force (1/v -> 0) the exact noise covariance over e is the section-5 covariance. The exact
     * law is analytic in k = 1/v, so Richardson extrapolation from k = 1e-3 and k/2 leaves O(k^2).
     */
    @Test
    void frozenForceNoiseIsTheZeroForceLimitOfTheExactLaw() {
        for (double g : new double[] {0.5, 2.0}) {
            for (double e : new double[] {0.02, 0.3, 1.0}) {
                Affine2 k1 = new ExactUnderdamped(0.0, 1e3, g).transition(e);
                Affine2 k2 = new ExactUnderdamped(0.0, 2e3, g).transition(e);
                double[] limit = {2 * k2.qxx() - k1.qxx(), 2 * k2.qxv() - k1.qxv(), 2 * k2.qvv() - k1.qvv()};
                double[] q = ExactUnderdamped.frozenForceNoise(g, e);
                assertEquals(q[0], limit[0], 1e-5 * q[0], "Var W_x at e=" + e);
                assertEquals(q[1], limit[1], 1e-5 * q[1], "Cov at e=" + e);
                assertEquals(q[2], limit[2], 1e-5 * q[2], "Var W_v at e=" + e);
                // small-step behaviour stated in section 5: Var W_x = 2/3 gamma e^3 + O(e^4)
                if (e == 0.02) {
                    assertEquals(2.0 / 3.0 * g * e * e * e, q[0], 0.05 * q[0]);
                }
            }
        }
    }

    /**
     * One frozen-force step against the exact law over the same time. The mean map and the covariance
     * differ by O(e^2), so halving e divides the difference by about 4.
     */
    @Test
    void frozenForceStepHasSecondOrderLocalError() {
        Law2 start = new Law2(1.1, 0.3, 0.5, 0.1, 0.9);
        for (double[] c : CASES) {
            ExactUnderdamped ud = new ExactUnderdamped(c[0], c[1], c[2]);
            double prev = Double.NaN;
            for (double e = 0.04; e > 0.002; e /= 2) {
                Law2 a = ud.frozenForceStep(e).apply(start);
                Law2 b = ud.evolve(start, e);
                double err = Math.abs(a.mx() - b.mx()) + Math.abs(a.mv() - b.mv()) + Math.abs(a.cxx() - b.cxx())
                        + Math.abs(a.cxv() - b.cxv()) + Math.abs(a.cvv() - b.cvv());
                if (!Double.isNaN(prev)) {
                    double ratio = prev / err;
                    System.out.printf("frozen-force local error ratio %.3f at e=%.4f (case %s)%n", ratio, e, c[2]);
                    assertTrue(ratio > 3.5 && ratio < 4.6, "local error ratio " + ratio + " at e=" + e);
                }
                prev = err;
            }
        }
    }

    /**
     * The corrector leaves p_t invariant up to O(e) (section 7, invariant 2). Run n frozen-force steps
     * over duration 1 from the invariant law: the deviation of the x-law halves as n doubles.
     */
    @Test
    void frozenForceChainKeepsTheTargetToFirstOrder() {
        for (double[] c : CASES) {
            ExactUnderdamped ud = new ExactUnderdamped(c[0], c[1], c[2]);
            double prev = Double.NaN;
            for (int n = 16; n <= 256; n *= 2) {
                Affine2 step = ud.frozenForceStep(1.0 / n);
                Law2 z = ud.invariant();
                for (int k = 0; k < n; k++) {
                    z = step.apply(z);
                }
                double err = Math.abs(z.mx() - c[0]) + Math.abs(z.cxx() - c[1]);
                if (!Double.isNaN(prev)) {
                    double ratio = prev / err;
                    assertTrue(ratio > 1.8 && ratio < 2.2, "global ratio " + ratio + " at n=" + n);
                }
                prev = err;
            }
        }
    }
}
