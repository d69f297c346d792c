package io.piadm.metrics;

import org.junit.jupiter.api.Test;

import static io.piadm.metrics.SpecialFunctions.chiSquareSurvival;
import static io.piadm.metrics.SpecialFunctions.digamma;
import static io.piadm.metrics.SpecialFunctions.logGamma;
import static io.piadm.metrics.SpecialFunctions.logMinusDigamma;
import static io.piadm.metrics.SpecialFunctions.regularizedGammaP;
import static io.piadm.metrics.SpecialFunctions.regularizedGammaQ;
import static io.piadm.metrics.SpecialFunctions.trigamma;
import static org.junit.jupiter.api.Assertions.assertEquals;

class SpecialFunctionsTest {
    @Test
    void logGammaKnownValues() {
        assertEquals(Math.log(24), logGamma(5), 1e-14);
        assertEquals(0.5 * Math.log(Math.PI), logGamma(0.5), 1e-14);
        assertEquals(2.252712651734206, logGamma(0.1), 1e-13);
        assertEquals(363.73937555556347, logGamma(101), 1e-10); // ln(100!)
    }

    @Test
    void trigammaKnownValues() {
        double z2 = Math.PI * Math.PI / 6; // zeta(2)
        assertEquals(z2, trigamma(1), 1e-14);
        assertEquals(3 * z2, trigamma(0.5), 1e-14); // pi^2/2
        // psi'(n) = zeta(2) - sum_{k<n} 1/k^2, psi'(n + 1/2) = pi^2/2 - 4 sum_{k<=n} 1/(2k-1)^2
        double s = 0;
        double h = 0;
        for (int k = 1; k <= 30; k++) {
            s += 1.0 / ((double) k * k);
            h += 4.0 / ((2.0 * k - 1) * (2.0 * k - 1));
            assertEquals(z2 - s, trigamma(k + 1), 1e-14, "n=" + (k + 1));
            assertEquals(3 * z2 - h, trigamma(k + 0.5), 1e-14, "n=" + k + ".5");
        }
        double x = 1e6;
        assertEquals(1 / x + 1 / (2 * x * x) + 1 / (6 * x * x * x), trigamma(x), 1e-26);
    }

    @Test
    void digammaKnownValues() {
        double euler = 0.5772156649015329;
        assertEquals(-euler, digamma(1), 1e-14);
        assertEquals(-euler - 2 * Math.log(2), digamma(0.5), 1e-14);
        assertEquals(-euler + 1 + 1.0 / 2 + 1.0 / 3 + 1.0 / 4 + 1.0 / 5 + 1.0 / 6 + 1.0 / 7 + 1.0 / 8 + 1.0 / 9,
                digamma(10), 1e-14);
        // ln x - psi(x) ~ 1/(2x) + 1/(12 x^2) at large x, computed without cancellation
        double x = 1e6;
        assertEquals(1 / (2 * x) + 1 / (12 * x * x), logMinusDigamma(x), 1e-22);
        assertEquals(Math.log(3) - digamma(3), logMinusDigamma(3), 1e-14);
        assertEquals(1.5 - euler, digamma(3), 1e-14);
        assertEquals(Math.log(40) - digamma(40), logMinusDigamma(40), 1e-14);
    }

    @Test
    void incompleteGammaKnownValues() {
        for (double x : new double[] {0.01, 0.5, 1, 3, 10, 40}) {
            assertEquals(Math.exp(-x), regularizedGammaQ(1, x), 1e-14 * Math.max(1, Math.exp(-x) * 1e3));
            assertEquals(Math.exp(-x / 2), chiSquareSurvival(x, 2), 1e-14);
        }
        assertEquals(0.15729920705028513, regularizedGammaQ(0.5, 1), 1e-14); // erfc(1)
        for (double a : new double[] {0.3, 1, 2.5, 17, 150}) {
            for (double x : new double[] {0.1, 1, a, a + 2, 3 * a + 5}) {
                assertEquals(1.0, regularizedGammaP(a, x) + regularizedGammaQ(a, x), 1e-13);
            }
        }
    }

    @Test
    void chiSquareCriticalValues() {
        assertEquals(0.05, chiSquareSurvival(3.841458820694124, 1), 1e-12);
        assertEquals(0.05, chiSquareSurvival(18.307038053275146, 10), 1e-12);
        assertEquals(0.01, chiSquareSurvival(6.6348966010212145, 1), 1e-12);
        assertEquals(0.05, chiSquareSurvival(124.3421134, 100), 1e-6);
        assertEquals(1.0, chiSquareSurvival(0, 5), 0.0);
    }
}
