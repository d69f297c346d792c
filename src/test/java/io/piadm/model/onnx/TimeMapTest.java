package io.piadm.model.onnx;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TimeMapTest {
    @Test
    void integerStepsSitAtMinusLogAbar() {
        // abar_k = prod_{i<=k}(1 - beta_i), computed here by a plain product
        for (TimeMap.Kind kind : new TimeMap.Kind[] {TimeMap.Kind.DDPM_LINEAR, TimeMap.Kind.DDPM_COSINE}) {
            TimeMap m = TimeMap.of(kind, 1000);
            double[] beta = kind == TimeMap.Kind.DDPM_LINEAR ? TimeMap.linearBetas(1000) : TimeMap.cosineBetas(1000);
            double abar = 1;
            for (int k = 0; k < 1000; k++) {
                abar *= 1 - beta[k];
                assertEquals(-Math.log(abar), m.stepTime(k), 1e-9 * Math.max(1, m.stepTime(k)), kind + " step " + k);
                assertEquals(k, m.networkTime(m.stepTime(k)), 1e-9, kind + " index of step " + k);
            }
        }
    }

    @Test
    void linearScheduleEndpointsAreTheDdpmOnes() {
        double[] b = TimeMap.linearBetas(1000);
        assertEquals(1e-4, b[0], 1e-18);
        assertEquals(0.02, b[999], 1e-18);
        TimeMap m = TimeMap.of(TimeMap.Kind.DDPM_LINEAR, 1000);
        assertEquals(-Math.log1p(-1e-4), m.stepTime(0), 1e-15);
        // Ho et al.'s schedule ends at abar ~ 4.0e-5, i.e. t ~ 10.1
        assertEquals(4.04e-5, Math.exp(-m.stepTime(999)), 0.01e-5);
    }

    @Test
    void cosineScheduleFollowsTheContinuousAlphaBar() {
        // away from the clipped last step, abar_k = f((k+1)/N)/f(0) exactly (the product telescopes)
        TimeMap m = TimeMap.of(TimeMap.Kind.DDPM_COSINE, 1000);
        double f0 = Math.pow(Math.cos(0.008 / 1.008 * Math.PI / 2), 2);
        for (int k : new int[] {0, 10, 250, 500, 900, 990}) {
            double u = (k + 1) / 1000.0;
            double abar = Math.pow(Math.cos((u + 0.008) / 1.008 * Math.PI / 2), 2) / f0;
            assertEquals(-Math.log(abar), m.stepTime(k), 1e-9 * Math.max(1, -Math.log(abar)), "step " + k);
        }
    }

    @Test
    void fractionalIndicesRoundTrip() {
        for (TimeMap.Kind kind : TimeMap.Kind.values()) {
            TimeMap m = TimeMap.of(kind, 500);
            double tEnd = kind == TimeMap.Kind.OU ? 8 : m.stepTime(499);
            for (double t = 1e-4; t < tEnd; t *= 1.37) {
                double idx = m.networkTime(t);
                assertEquals(t, m.ouTime(idx), 1e-12 * Math.max(1, t), kind + " t=" + t);
            }
            if (kind != TimeMap.Kind.OU) {
                for (double k = -0.75; k < 499; k += 3.3) {
                    assertEquals(k, m.networkTime(m.ouTime(k)), 1e-9, kind + " k=" + k);
                }
            }
        }
    }

    @Test
    void indexIsMonotoneAndClampedAtTheEnd() {
        TimeMap m = TimeMap.of(TimeMap.Kind.DDPM_LINEAR, 1000);
        double prev = -2;
        for (double t = 1e-5; t < 20; t *= 1.1) {
            double k = m.networkTime(t);
            assertTrue(k >= prev, "monotone at t=" + t);
            prev = k;
        }
        assertEquals(999, m.networkTime(50), 0);
        assertEquals(3.5, TimeMap.ou().networkTime(3.5), 0);
    }

    @Test
    void stepsBelowTwoAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> TimeMap.of(TimeMap.Kind.DDPM_LINEAR, 1));
    }
}
