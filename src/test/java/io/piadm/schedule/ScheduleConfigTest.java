package io.piadm.schedule;

import io.piadm.config.AsFlags;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ScheduleConfigTest {

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 64, 1024, 4096})
    void defaultsLayOutTheGridOfTheContract(int d) {
        ScheduleConfig cfg = new ScheduleConfig(d);
        Schedule s = cfg.build();
        double t = cfg.resolvedHorizon();
        assertEquals(t, s.horizon(), 0.0);
        assertEquals(1e-3, s.eta(), 0.0);
        int far = 0;
        for (Block b : s.blocks()) {
            assertEquals(cfg.resolvedStepsPerBlock(), b.steps());
            if (b.endTime() >= 1.0 - 1e-12) {
                far++;
                assertTrue(b.length() <= 1.0 + 1e-12, "far blocks have length <= h: " + b);
            } else {
                // Near the data the forward time at most halves per block.
                assertTrue(b.endTime() >= 0.5 * b.startTime() - 1e-15, "near blocks at most halve: " + b);
            }
            // Steps bounded by eps * min(1, t) with eps = max(h, ln 2) / M: uniform far blocks of length
            // <= h, geometric near blocks with ratio >= 1/2 (1 - r^{1/M} <= ln 2 / M).
            double eps = Math.max(cfg.resolvedBlockLength(), Math.log(2.0)) / b.steps();
            for (int j = 0; j < b.steps(); j++) {
                assertTrue(b.stepLength(j) <= eps * Math.min(1.0, b.time(j)) * (1 + 1e-9),
                        "step bound at " + b + " j=" + j);
            }
        }
        assertEquals((int) Math.ceil(t - 1.0 - 1e-12), far);
        // O(log(d / delta^2)) blocks: far ~ T, near ~ log2(1/eta).
        assertEquals(far + (int) Math.ceil(Math.log(1000) / Math.log(2)), s.blockCount());
        assertEquals(s.blockCount() * cfg.resolvedStepsPerBlock(), s.totalSteps());
    }

    /** KL(N(a m, (a^2 s^2 + 1 - a^2) I) || N(0, I)) in d dimensions, a = e^{-T/2}: the start's error. */
    static double initialisationKl(int d, double m, double s, double horizon) {
        double a2 = Math.exp(-horizon);
        double v = a2 * s * s + 1 - a2;
        return 0.5 * d * (v - 1 - Math.log(v) + a2 * m * m);
    }

    @ParameterizedTest
    @CsvSource({"1, 0, 1, 0.1", "64, 0, 0.5, 0.1", "64, 3, 0.5, 0.1", "1024, 0.5, 2, 0.05", "4096, 4, 0.3, 0.2",
            "2, 5, 0.1, 0.1"})
    void defaultHorizonMakesTheInitialisationErrorAtMostDeltaSquared(int d, double m, double s, double delta) {
        // Sampling starts from N(0, I) instead of p_T: that costs KL(p_T || N(0, I)), which the default
        // horizon must keep below delta^2 for Gaussian data of any mean and scale.
        double t = new ScheduleConfig(d).accuracy(delta).dataSecondMoment(d * (m * m + s * s)).resolvedHorizon();
        assertTrue(initialisationKl(d, m, s, t) <= delta * delta, "KL " + initialisationKl(d, m, s, t) + " at T " + t);
        if (m >= 3) {
            // and it is not much too long: one unit less and a mean-dominated start already misses.
            assertTrue(initialisationKl(d, m, s, t - 1) > delta * delta, "T - 1 would do at " + t);
        }
    }

    @Test
    void horizonGrowsWithTheDataSecondMoment() {
        assertEquals(Math.log(2 / 0.01), new ScheduleConfig(2).resolvedHorizon(), 1e-12);
        assertEquals(Math.log(2 / 0.01), new ScheduleConfig(2).dataSecondMoment(1.5).resolvedHorizon(), 1e-12);
        assertEquals(Math.log(16.5 / 0.01), new ScheduleConfig(2).dataSecondMoment(16.5).resolvedHorizon(), 1e-12);
        assertEquals(3.0, new ScheduleConfig(2).dataSecondMoment(16.5).horizon(3.0).resolvedHorizon(), 0.0);
    }

    @Test
    void nearBlocksAreGeometricInForwardTime() {
        Schedule s = new ScheduleConfig(16).eta(1.0 / 64).stepsPerBlock(4).build();
        Block last = s.block(s.blockCount() - 1);
        assertEquals(1.0 / 32, last.startTime(), 1e-15);
        for (int j = 0; j + 1 < last.steps(); j++) {
            assertEquals(last.time(j + 1) / last.time(j), last.time(j + 2) / last.time(j + 1), 1e-12);
        }
    }

    @Test
    void concatenatedGridSharesBlockEnds() {
        Schedule s = new ScheduleConfig(4).horizon(3.0).eta(0.1).stepsPerBlock(3).build();
        double[] all = s.concatenatedTimes();
        assertEquals(s.totalSteps() + 1, all.length);
        assertEquals(3.0, all[0], 0.0);
        assertEquals(0.1, all[all.length - 1], 0.0);
        for (int i = 0; i + 1 < all.length; i++) {
            assertTrue(all[i + 1] < all[i]);
        }
    }

    @Test
    void horizonBelowOneUsesOnlyNearBlocks() {
        Schedule s = new ScheduleConfig(4).horizon(0.5).eta(0.05).stepsPerBlock(2).build();
        assertEquals(0.5, s.horizon(), 0.0);
        assertEquals(4, s.blockCount()); // 0.5 -> 0.05 is a factor 10: ceil(log2 10) = 4 blocks
    }

    @Test
    void badSettingsNameTheOption() {
        assertTrue(AsFlags.message(assertThrows(IllegalArgumentException.class, () -> new ScheduleConfig(0))).contains("d"));
        assertTrue(AsFlags.message(assertThrows(IllegalArgumentException.class,
                () -> new ScheduleConfig(4).horizon(1.0).eta(1.0).build())).contains("--horizon"));
        assertTrue(AsFlags.message(assertThrows(IllegalArgumentException.class,
                () -> new ScheduleConfig(4).eta(-1.0).build())).contains("--eta"));
        assertTrue(AsFlags.message(assertThrows(IllegalArgumentException.class,
                () -> new ScheduleConfig(4).blockLength(0.0).build())).contains("--block-length"));
        assertTrue(AsFlags.message(assertThrows(IllegalArgumentException.class,
                () -> new ScheduleConfig(4).stepsPerBlock(0).build())).contains("--steps-per-block"));
        assertTrue(AsFlags.message(assertThrows(IllegalArgumentException.class,
                () -> new ScheduleConfig(4).accuracy(0).build())).contains("--accuracy"));
    }

    /** A grid too large to be meant is refused before it is laid out (--horizon 1e308 used to hang). */
    @Test
    void gridsBeyondTheBlockAndStepCapsAreRefusedNamingTheSettings() {
        long t0 = System.nanoTime();
        String m = AsFlags.message(assertThrows(IllegalArgumentException.class,
                () -> new ScheduleConfig(2).horizon(1e308).build()));
        assertTrue(m.startsWith("--horizon T = 1.0E308 with --block-length h = 1.0") && m.contains("at most 10000"), m);
        assertTrue(System.nanoTime() - t0 < 1_000_000_000L, "refused at once");
        // T = 1e5, h = 1: 99,999 far blocks + 10 near ones (1 -> 1e-3 halving), as the issue counted.
        m = AsFlags.message(assertThrows(IllegalArgumentException.class,
                () -> new ScheduleConfig(2).horizon(1e5).build()));
        assertTrue(m.contains("gives 100009 blocks"), m);
        m = AsFlags.message(assertThrows(IllegalArgumentException.class,
                () -> new ScheduleConfig(2).blockLength(1e-6).build()));
        assertTrue(m.contains("raise --block-length"), m);
        m = AsFlags.message(assertThrows(IllegalArgumentException.class,
                () -> new ScheduleConfig(2).stepsPerBlock(100_000).build()));
        assertTrue(m.startsWith("--steps-per-block M = 100000 times") && m.contains("at most 1000000"), m);
        // At the caps themselves: accepted (10000 blocks of 100 steps).
        assertEquals(ScheduleConfig.MAX_BLOCKS, new ScheduleConfig(2).horizon(1.0 + 9990).eta(1e-3)
                .stepsPerBlock(100).build().blockCount());
    }
}
