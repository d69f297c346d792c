package io.piadm.model;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The emulation's contract, checked with an injected clock (no test here measures wall time): the score is
 * the base model's, bit for bit; each call holds until L + n R after it got its device; a device runs
 * one call at a time.
 */
class EmulatedAcceleratorTest {
    /** A fake clock: time moves only when the model computes (by a set amount) or when a call sleeps. */
    static final class FakeClock implements EmulatedAccelerator.Clock {
        long now = 1_000;
        final List<long[]> sleeps = new ArrayList<>(); // {time asked at, deadline}

        @Override
        public synchronized long nanoTime() {
            return now;
        }

        @Override
        public synchronized void sleepUntil(long deadline) {
            sleeps.add(new long[] {now, deadline});
            now = Math.max(now, deadline);
        }
    }

    /** A base model whose call "takes" {@code computeNanos} of fake time. */
    static ScoreModel slowBase(DiagonalGaussian g, FakeClock clock, long computeNanos) {
        ScoreModel inner = g.build();
        return new ScoreModel() {
            @Override
            public int dim() {
                return inner.dim();
            }

            @Override
            public void score(double[] x, double[] t, int from, int n, double[] out) {
                inner.score(x, t, from, n, out);
                synchronized (clock) {
                    clock.now += computeNanos;
                }
            }
        };
    }

    private static double[] rows(int n, int d) {
        double[] x = new double[n * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = StrictMath.sin(0.7 * i + 0.3);
        }
        return x;
    }

    @Test
    void exactScoreThenHoldUntilLatencyPlusRowsTimesPerRowCost() {
        int d = 5;
        int n = 7;
        DiagonalGaussian g = DiagonalGaussian.isotropic(d, 0.5, 0.8);
        EmulatedAccelerator e = new EmulatedAccelerator(g, 20, 3, 0);
        FakeClock clock = new FakeClock();
        ScoreModel m = e.wrap(slowBase(g, clock, 2_000_000), clock);
        double[] x = rows(n, d);
        double[] t = {0.01, 0.1, 0.5, 1, 2, 4, 8};
        double[] want = new double[n * d];
        g.build().score(x, t, n, want);
        double[] got = new double[n * d];
        m.score(x, t, n, got);
        assertArrayEquals(want, got, 0.0);
        // The call started at 1000 ns, computed for 2 ms, then held until start + 20 ms + 7 x 3 us.
        assertEquals(1, clock.sleeps.size());
        assertEquals(1_000 + 2_000_000, clock.sleeps.get(0)[0]);
        assertEquals(1_000 + 20_000_000 + 21_000, clock.sleeps.get(0)[1]);
        assertEquals(1_000 + 20_021_000, clock.now);
    }

    @Test
    void aCallSlowerThanItsHoldIsNotHeldFurther() {
        DiagonalGaussian g = DiagonalGaussian.isotropic(3, 0, 1);
        FakeClock clock = new FakeClock();
        ScoreModel m = new EmulatedAccelerator(g, 1, 0, 0).wrap(slowBase(g, clock, 5_000_000), clock);
        m.score(rows(2, 3), new double[] {1, 1}, 2, new double[6]);
        // Deadline 1 ms after the start has already passed when the 5 ms computation ends.
        assertEquals(1_000 + 5_000_000, clock.now);
        assertTrue(clock.sleeps.get(0)[1] <= clock.sleeps.get(0)[0]);
    }

    @Test
    void aDevicePoolRunsOneCallPerDeviceAtATime() throws Exception {
        DiagonalGaussian g = DiagonalGaussian.isotropic(4, 0, 1);
        AtomicInteger computing = new AtomicInteger();
        CountDownLatch firstHolding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger holds = new AtomicInteger();
        EmulatedAccelerator.Clock clock = new EmulatedAccelerator.Clock() {
            @Override
            public long nanoTime() {
                return 0;
            }

            @Override
            public void sleepUntil(long deadline) {
                if (holds.incrementAndGet() == 1) {
                    firstHolding.countDown();
                    try {
                        assertTrue(release.await(30, TimeUnit.SECONDS));
                    } catch (InterruptedException ie) {
                        throw new IllegalStateException(ie);
                    }
                }
            }
        };
        ScoreModel inner = g.build();
        ScoreModel counting = new ScoreModel() {
            @Override
            public int dim() {
                return 4;
            }

            @Override
            public void score(double[] x, double[] t, int from, int n, double[] out) {
                computing.incrementAndGet();
                inner.score(x, t, from, n, out);
            }
        };
        ScoreModel m = new EmulatedAccelerator(g, 5, 0, 1).wrap(counting, clock);
        Thread a = new Thread(() -> m.score(rows(1, 4), new double[] {1}, 1, new double[4]));
        a.start();
        assertTrue(firstHolding.await(30, TimeUnit.SECONDS));
        // The only device is held by the first call: a second call cannot start computing.
        Thread b = new Thread(() -> m.score(rows(1, 4), new double[] {1}, 1, new double[4]));
        b.start();
        b.join(300);
        assertTrue(b.isAlive(), "second call must wait for the device");
        assertEquals(1, computing.get());
        release.countDown();
        a.join(30_000);
        b.join(30_000);
        assertEquals(2, computing.get());
    }

    @Test
    void theSystemClockReturnsOnlyAfterTheDeadline() {
        long deadline = System.nanoTime() + 3_000_000;
        EmulatedAccelerator.Clock.SYSTEM.sleepUntil(deadline);
        assertTrue(System.nanoTime() >= deadline);
    }

    @Test
    void builtModelScoresExactlyAsTheBase() {
        GaussianMixture g = GaussianMixture.seeded(6, 3, 2, 0.5, 4);
        ScoreModel m = ModelSpecs.parse(g.id() + ",latency-ms=0,per-row-us=0").build();
        double[] x = rows(4, 6);
        double[] t = {0.2, 0.4, 0.6, 0.8};
        double[] want = new double[24];
        double[] got = new double[24];
        g.build().score(x, t, 4, want);
        m.score(x, t, 4, got);
        assertArrayEquals(want, got, 0.0);
    }
}
