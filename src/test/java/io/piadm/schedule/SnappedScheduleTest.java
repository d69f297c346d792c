package io.piadm.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.piadm.config.AsFlags;

import java.util.Arrays;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * docs/ALGORITHMS.md section 9: a grid snapped to a network's training times. The training times here are the
 * linear DDPM schedule's t_k = -sum_{i<=k} log1p(-beta_i), betas = linspace(1e-4, 0.02, 1000), computed in the
 * test from that definition.
 */
class SnappedScheduleTest {
    static double[] linearTimes(int n) {
        double[] t = new double[n];
        double s = 0;
        for (int k = 0; k < n; k++) {
            s -= Math.log1p(-(1e-4 + (0.02 - 1e-4) * k / (n - 1)));
            t[k] = s;
        }
        return t;
    }

    static int index(double[] tk, double t) {
        int i = Arrays.binarySearch(tk, t);
        assertTrue(i >= 0, "grid time " + t + " is not a training time");
        return i;
    }

    @Test
    void everyTimeIsATrainingStepAndBlocksChainWithAtLeastOneStep() {
        double[] tk = linearTimes(1000);
        for (int m : new int[] {1, 4, 64, 1000}) {
            ScheduleConfig c = new ScheduleConfig(64).trainingTimes(tk).stepsPerBlock(m);
            Schedule s = c.build();
            Schedule free = new ScheduleConfig(64).stepsPerBlock(m).build();
            int prevEnd = -1;
            int total = 0;
            for (Block b : s.blocks()) {
                assertTrue(b.steps() >= 1 && b.steps() <= m, "M=" + m + ": block " + b.index() + " has " + b.steps());
                int start = index(tk, b.startTime());
                if (prevEnd >= 0) {
                    assertEquals(prevEnd, start, "blocks chain");
                }
                int last = Integer.MAX_VALUE;
                for (double t : b.forwardTimes()) {
                    int k = index(tk, t);
                    assertTrue(k < last, "strictly decreasing steps");
                    last = k;
                }
                prevEnd = index(tk, b.endTime());
                // A block never has more steps than training steps between its ends.
                assertTrue(b.steps() <= start - prevEnd);
                total += b.steps();
            }
            // The ends are the training steps nearest to the continuous grid's T and eta.
            assertEquals(nearest(tk, free.horizon()), index(tk, s.horizon()));
            assertEquals(nearest(tk, free.eta()), index(tk, s.eta()));
            if (m == 1000) {
                // More steps asked than the training grid has: every training step between the ends is used.
                assertEquals(index(tk, s.horizon()) - index(tk, s.eta()), total);
            }
            Map<String, Object> d = c.describe();
            assertTrue(d.containsKey("trainingGrid"), d.toString());
        }
    }

    static int nearest(double[] tk, double t) {
        int best = 0;
        for (int k = 1; k < tk.length; k++) {
            if (Math.abs(tk[k] - t) < Math.abs(tk[best] - t)) {
                best = k;
            }
        }
        return best;
    }

    @Test
    void horizonAndEtaOutsideTheTrainingStepsAreRefused() {
        double[] tk = linearTimes(1000);
        String m = AsFlags.message(assertThrows(IllegalArgumentException.class,
                () -> new ScheduleConfig(64).trainingTimes(tk).horizon(12.0).build()));
        assertTrue(m.startsWith("--horizon must be at most 10.1"), m);
        m = AsFlags.message(assertThrows(IllegalArgumentException.class,
                () -> new ScheduleConfig(64).trainingTimes(tk).eta(1e-6).build()));
        assertTrue(m.startsWith("--eta must be at least 1.0"), m);
        // The default horizon is capped at the last training step instead (d large: ln(d/delta^2) > 10.12).
        Schedule s = new ScheduleConfig(1 << 20).trainingTimes(tk).stepsPerBlock(8).build();
        assertEquals(tk[999], s.horizon(), 0.0);
    }
}
