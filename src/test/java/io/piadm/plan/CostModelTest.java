package io.piadm.plan;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cost model against answers worked out independently (closed forms, hand sums). */
class CostModelTest {
    /**
     * Exact throughput of the machine-repairman model (m customers, think time z, one exponential server of
     * mean service d): p_k proportional to m!/(m-k)! (d/z)^k, X = (1 - p_0)/d (Lazowska et al. 1984, ch. 6).
     */
    static double repairmanCycle(int m, double z, double d) {
        double[] w = new double[m + 1];
        double f = 1;
        double sum = 0;
        for (int k = 0; k <= m; k++) {
            if (k > 0) {
                f *= (m - k + 1) * (d / z);
            }
            w[k] = f;
            sum += f;
        }
        double x = (1 - w[0] / sum) / d;
        return m / x;
    }

    @Test
    void singleServerMvaIsTheExactRepairmanModel() {
        for (int m : new int[] {1, 2, 3, 7, 16}) {
            for (double z : new double[] {0.02, 0.5, 3}) {
                double d = 0.01 * (1 + m % 3);
                assertEquals(repairmanCycle(m, z, d), CostModel.cycleTime(m, z, d, 1.0), 1e-12 * (z + m * d),
                        "m=" + m + " z=" + z);
            }
        }
    }

    @Test
    void cycleTimeLimits() {
        // One customer never queues: think plus demand, whatever the servers.
        assertEquals(0.02 + 0.003, CostModel.cycleTime(1, 0.02, 0.003, 4.0), 1e-15);
        assertEquals(0.02 + 0.003, CostModel.cycleTime(1, 0.02, 0.003, 1.0), 1e-15);
        // No CPU demand: pure delay.
        assertEquals(0.02, CostModel.cycleTime(16, 0.02, 0, 2.0), 0);
        // Many customers, no think time: the C servers are the bottleneck, throughput C/d.
        double cyc = CostModel.cycleTime(400, 0, 0.01, 4.0);
        assertEquals(400 * 0.01 / 4.0, cyc, 0.01 * 400 * 0.01 / 4.0);
        // As many servers as customers and little demand: hardly any queueing.
        double free = CostModel.cycleTime(4, 1.0, 0.001, 4.0);
        assertTrue(free >= 1.001 && free < 1.001 * 1.0005, "" + free);
    }

    static Calibration flat(double callWall, double callCpu, double clusterCores, double driverCores) {
        return new Calibration(4, 16, 0.010, 0.030, 0.001, 1e-5, 0.5, new int[] {1, 1000},
                new double[] {callWall, callWall}, new double[] {callCpu, callCpu}, clusterCores, driverCores, 1.0,
                "test");
    }

    @Test
    void timeParallelSumsItsRoundsByHand() {
        // One phase, two sweeps: an average sample contributes 4 then 3 grid points.
        RoundProfile p = new RoundProfile("piadm-sde", List.of(new RoundProfile.PhaseRounds(0, "predictor",
                new double[] {4, 3})), 2e-6, 0, 1, 0, "test");
        CostModel cm = new CostModel(flat(0.02, 0.0, 2.0, 2.0));
        CostModel.Prediction pr = cm.timeParallel(p, 2, 2, 16);
        // Rounds of 8 and 6 rows: channel 2 x 1 ms + 14 rows x 10 us; model 2 x 20 ms (8 and 6 tiles at
        // once); driver scan 14 rows x 2 us over min(2 samples, 2 cores); service start 0.5 s.
        double want = 0.5 + (0.002 + 14e-5) + 0.04 + 14 * 2e-6 / 2;
        assertEquals(want, pr.seconds, 1e-12);
        assertEquals(2, pr.rounds);
        assertEquals(7.0, pr.evaluationsPerSample, 0);
        // Three samples in batches of 2: a full batch (8, 6 rows) and one of 1 sample (4, 3 rows).
        CostModel.Prediction three = cm.timeParallel(p, 3, 2, 16);
        double batch1 = (0.002 + 7e-5) + 0.04 + 7 * 2e-6 / 1;
        assertEquals(want + batch1, three.seconds, 1e-12);
    }

    @Test
    void timeParallelModelCallsAreBoundedByTheCpuTheyNeed() {
        RoundProfile p = new RoundProfile("sde", List.of(new RoundProfile.PhaseRounds(0, "sequential",
                new double[] {1})), 0, 0, 1, 0, "test");
        // 16 rows on 16 tiles, each call 1 ms of CPU in 2 ms of wall, but only 2 cores: 16 x 1 ms / 2 = 8 ms.
        CostModel cm = new CostModel(flat(0.002, 0.001, 2.0, 2.0));
        CostModel.Prediction pr = cm.timeParallel(p, 16, 16, 16);
        assertEquals(0.5 + 0.001 + 16e-5 + 0.008, pr.seconds, 1e-12);
    }

    @Test
    void sampleParallelIsJobsPlusRoundsTimesTheCycle() {
        RoundProfile p = new RoundProfile("sde", List.of(new RoundProfile.PhaseRounds(0, "sequential",
                new double[] {1, 1, 1})), 1e-4, 0, 1, 0, "test");
        // 20 ms calls with no CPU; the scan 0.1 ms per row; 16 chunks of 1 sample, 16 slots, 2 cores.
        CostModel cm = new CostModel(flat(0.02, 0.0, 2.0, 2.0));
        CostModel.Prediction pr = cm.sampleParallel(p, 16, 16, 1, 1);
        double cycle = CostModel.cycleTime(16, 0.02, 1e-4, 2.0);
        assertEquals(0.030 + 3 * cycle, pr.seconds, 1e-12);
        // 16 tasks of 0.1 ms CPU per 20 ms hold on 2 cores: hardly any contention.
        assertTrue(cycle < 0.0202 && cycle > 0.0201, "" + cycle);
        // 32 chunks on 16 slots: two waves of 16 tasks; 3 Spark jobs would pay the start three times (the
        // executor-resident run submits 1).
        CostModel.Prediction waves = cm.sampleParallel(p, 32, 32, 1, 3);
        assertEquals(3 * 0.030 + 2 * 3 * cycle, waves.seconds, 1e-12);
    }

    @Test
    void probedCostsChargeRowsAndEachSamplesBlockStarts() {
        // Two blocks (stages 0 and 1), each one phase of two sweeps of 4 then 3 points per sample.
        RoundProfile p = new RoundProfile("piadm-sde", List.of(
                new RoundProfile.PhaseRounds(0, "predictor", new double[] {4, 3}),
                new RoundProfile.PhaseRounds(1, "predictor", new double[] {4, 3})), 9e-3, 0, 1, 0, "test");
        assertEquals(2, p.stages());
        // Driver: 1 us of CPU per row and 50 us per sample and block replace the pilot's 9 ms per row; like
        // the pilot's figure they spread over min(batch, driver cores) = 2.
        p.withDriverCost(new Probe.Cost(1e-6, 5e-5), 2);
        CostModel cm = new CostModel(flat(0.02, 0.0, 2.0, 2.0));
        CostModel.Prediction t = cm.timeParallel(p, 2, 2, 16);
        // 4 rounds (8, 6, 8, 6 rows = 28): channel 4 x 1 ms + 28 x 10 us, model 4 x 20 ms, scan (28 x 1 us
        // + 2 samples x 2 blocks x 50 us) / 2, service start 0.5 s.
        assertEquals(0.5 + 0.004 + 28e-5 + 0.08 + (28e-6 + 4 * 5e-5) / 2, t.seconds, 1e-12);
        // A task: one chunk of 2 samples at batch 2, alone on one core: no queueing, so the task's time is
        // its holds (4 x 20 ms) plus its CPU (28 rows x 3 us + 2 x 2 x 0.1 ms), plus the one job's start
        // (no write overhead calibrated here).
        p.withTaskCost(new Probe.Cost(3e-6, 1e-4), 2);
        CostModel one = new CostModel(new Calibration(1, 1, 0.010, 0.010, 0.001, 1e-5, 0.5, new int[] {1, 1000},
                new double[] {0.02, 0.02}, new double[] {0, 0}, 1.0, 1.0, 1.0, "test"));
        CostModel.Prediction s = one.sampleParallel(p, 2, 1, 2, 1);
        assertEquals(0.010 + 0.08 + 28 * 3e-6 + 4 * 1e-4, s.seconds, 1e-12);
    }

    @Test
    void theSampleParallelProbeScalesTheTaskCpuSoTheModelGivesWhatItMeasured() {
        // Three blocks of one phase each: 4 then 3 points per sample in blocks 0 and 1, 2 then 1 in block 2;
        // tasks of batch 2, 16 at once on 2 cores; calls of 20 ms holding no CPU; the scan 1 ms per row:
        // CPU-bound (16 x 14 ms per block against 40 ms of holds).
        RoundProfile p = new RoundProfile("piadm-sde", List.of(
                new RoundProfile.PhaseRounds(0, "predictor", new double[] {4, 3}),
                new RoundProfile.PhaseRounds(1, "predictor", new double[] {4, 3}),
                new RoundProfile.PhaseRounds(2, "predictor", new double[] {2, 1})), 1e-3, 0, 1, 0, "test");
        CostModel cm = new CostModel(flat(0.02, 0.0, 2.0, 2.0));
        // Blocks 0 and 1: 4 rounds, 28 rows of 1 ms; by hand with the cycle time of the closed network.
        double two = 4 * CostModel.cycleTime(16, 0.02, 28e-3 / 4, 2.0);
        assertEquals(two, cm.sampleStagesSeconds(p, 2, 0, 2, 16), 1e-12);
        // The probe measures after block 0 (its warm-up): blocks 1 and 2, 4 rounds of 8, 6, 4 and 2 rows.
        double late = 4 * CostModel.cycleTime(16, 0.02, 20e-3 / 4, 2.0);
        assertEquals(late, cm.sampleStagesSeconds(p, 2, 1, 3, 16), 1e-12);
        double before = cm.sampleParallel(p, 32, 16, 2, 1).seconds;
        // Measured 1.5x the prediction of those two blocks: the factor is the CPU scale at which the model
        // gives 1.5x; being CPU-bound, about 1.5.
        cm.fitSampleParallel(p, 2, 1, 3, 16, 1.5 * late);
        double f = p.taskCpuFactor();
        assertEquals(1.5 * late, 4 * CostModel.cycleTime(16, 0.02, f * 20e-3 / 4, 2.0), 1e-9);
        assertTrue(f > 1.4 && f < 1.6, "" + f);
        Object fit = p.describe().get("sampleParallelProbe");
        assertEquals(1, fit instanceof java.util.Map<?, ?> m ? m.get("firstBlock") : null);
        // The run's prediction: the three blocks' CPU (34 rows) scaled by f; the holds unchanged.
        double after = cm.sampleParallel(p, 32, 16, 2, 1).seconds;
        double cycle = CostModel.cycleTime(16, 0.02, f * 34e-3 / 6, 2.0);
        assertEquals(0.030 + 6 * cycle, after, 1e-12);
        assertTrue(after > before);
        // A latency-bound task (CPU far below the holds) cannot be made as slow as a nonsense measurement:
        // the factor stops at its bound, and a measurement below any CPU at all at the other.
        RoundProfile q = new RoundProfile("piadm-sde", List.of(new RoundProfile.PhaseRounds(0, "predictor",
                new double[] {4, 3})), 1e-6, 0, 1, 0, "test");
        cm.fitSampleParallel(q, 2, 0, 1, 16, 100.0);
        assertEquals(CostModel.MAX_TASK_CPU_FACTOR, q.taskCpuFactor(), 0);
        cm.fitSampleParallel(q, 2, 0, 1, 16, 0.001);
        assertEquals(CostModel.MIN_TASK_CPU_FACTOR, q.taskCpuFactor(), 0);
    }

    @Test
    void theClusterProbeCorrectsTheChannelAndTheDriverByItsMeasuredRatios() {
        // One block of two sweeps (4 then 3 points per sample); the probe ran it at batch 2: rounds of 8 and 6
        // rows. Predicted for them: channel 2 x 1 ms + 14 x 10 us = 2.14 ms, model 2 x 20 ms, driver
        // 14 rows x 2 us / min(2, 2 cores) = 14 us.
        RoundProfile p = new RoundProfile("piadm-sde", List.of(new RoundProfile.PhaseRounds(0, "predictor",
                new double[] {4, 3})), 2e-6, 0, 1, 0, "test");
        CostModel cm = new CostModel(flat(0.02, 0.0, 2.0, 2.0));
        double before = cm.timeParallel(p, 2, 2, 16).seconds;
        assertEquals(0.00214 + 0.04 + 14e-6, cm.stageSeconds(p, 0, 2, 16), 1e-12);
        // Measured: 46.42 ms inside the evaluator (so the channel took 6.42 ms: 3x), 42 us outside (3x). Two
        // rounds are one segment: the ratios of the sums.
        cm.fitTimeParallel(p, new StageMeasure(2, 1, new int[] {8, 6}, new boolean[] {true, false},
                new double[] {0.02 + 3 * 0.00108, 0.02 + 3 * 0.00106}, new double[] {30e-6, 12e-6}), 16, 2);
        assertEquals(3.0, p.channelFactor(), 1e-9);
        assertEquals(3.0, p.driverFactor(), 1e-9);
        // The whole-run prediction scales those two terms, not the model calls or the service start.
        double after = cm.timeParallel(p, 2, 2, 16).seconds;
        assertEquals(before + 2 * 0.00214 + 2 * 14e-6, after, 1e-12);
        // The stage prediction the probe's budget uses stays uncorrected.
        assertEquals(0.00214 + 0.04 + 14e-6, cm.stageSeconds(p, 0, 2, 16), 1e-12);
        // A measurement below the model's own time (nonsense for the channel) is bounded, not negative.
        cm.fitTimeParallel(p, new StageMeasure(2, 1, new int[] {8, 6}, new boolean[] {true, false},
                new double[] {0.005, 0.005}, new double[] {0.5, 0.5}), 16, 2);
        assertEquals(CostModel.MIN_FACTOR, p.channelFactor(), 0);
        assertEquals(CostModel.MAX_FACTOR, p.driverFactor(), 0);
    }

    @Test
    void oneLongPauseInTheProbeDoesNotRuleTheCorrection() {
        // 15 rounds of 10 rows at batch 2, a block starting every 5: five segments of three rounds. The driver
        // costs 1 us per row and 20 us per sample and block, over min(2, 2) cores.
        RoundProfile p = new RoundProfile("piadm-sde", List.of(new RoundProfile.PhaseRounds(0, "predictor",
                new double[] {5, 5, 5, 5, 5})), 1e-6, 0, 1, 0, "test");
        p.withDriverCost(new Probe.Cost(1e-6, 2e-5), 2);
        CostModel cm = new CostModel(flat(0.02, 0.0, 2.0, 2.0));
        int n = 15;
        int[] rows = new int[n];
        boolean[] starts = new boolean[n];
        double[] inside = new double[n];
        double[] driver = new double[n];
        for (int i = 0; i < n; i++) {
            rows[i] = 10;
            starts[i] = i % 5 == 0;
            // Each round's channel (1 ms + 10 x 10 us) took twice its prediction; the driver's scan 2x too.
            inside[i] = 0.02 + 2 * 0.0011;
            driver[i] = 2 * (10 * 1e-6 + (starts[i] ? 2 * 2e-5 : 0)) / 2;
        }
        // A one-second pause in round 7 (segment 2), and a slow round 13 (segment 4) inside the evaluator.
        driver[7] += 1.0;
        inside[13] += 0.5;
        cm.fitTimeParallel(p, new StageMeasure(2, 3, rows, starts, inside, driver), 16, 2);
        assertEquals(2.0, p.driverFactor(), 1e-9);
        assertEquals(2.0, p.channelFactor(), 1e-9);
        // The ratio of the sums would have been ruled by the pause: about 1.0 s over 0.2 ms.
        double sumDriver = 0;
        for (double x : driver) {
            sumDriver += x;
        }
        assertTrue(sumDriver / (15 * 10 * 1e-6 / 2 + 3 * 2 * 2e-5 / 2) > 1000);
    }

    @Test
    void lumpyBlockStartsAreFittedOverWholeBlocks() {
        // 4 blocks of 6 rounds of 10 rows at batch 2; the driver costs 1 us per row and 20 us per sample and
        // block over 2 cores: 25 us predicted for a block's first round, 5 us for the others, 50 us a block.
        RoundProfile p = new RoundProfile("piadm-ode", List.of(new RoundProfile.PhaseRounds(0, "predictor",
                new double[] {5, 5, 5, 5, 5, 5})), 1e-6, 0, 1, 0, "test");
        p.withDriverCost(new Probe.Cost(1e-6, 2e-5), 2);
        CostModel cm = new CostModel(flat(0.02, 0.0, 2.0, 2.0));
        int n = 24;
        int[] rows = new int[n];
        boolean[] starts = new boolean[n];
        double[] inside = new double[n];
        double[] driver = new double[n];
        for (int i = 0; i < n; i++) {
            rows[i] = 10;
            starts[i] = i % 6 == 0;
            inside[i] = 0.02 + 0.0011;
            // Every block took exactly twice its prediction, all of the excess in its first round (3x there,
            // 1x elsewhere): runs of three rounds read 1x or 2.4x by where the starts fall.
            driver[i] = starts[i] ? 7.5e-5 : 5e-6;
        }
        StageMeasure m = new StageMeasure(2, 4, rows, starts, inside, driver);
        int[] seg = CostModel.segments(m);
        assertArrayEquals(new int[] {0, 6, 12, 18, 24}, seg, "one segment per whole block");
        cm.fitTimeParallel(p, m, 16, 2);
        assertEquals(2.0, p.driverFactor(), 1e-9);
        assertEquals(1.0, p.channelFactor(), 1e-9);
    }

    @Test
    void aProbeFarSmallerThanTheRunsBatchCorrectsOnlyTheChannel() {
        RoundProfile p = new RoundProfile("sde", List.of(new RoundProfile.PhaseRounds(0, "step",
                new double[] {1, 1, 1, 1, 1, 1})), 2e-6, 0, 1, 0, "test");
        CostModel cm = new CostModel(flat(0.02, 0.0, 2.0, 2.0));
        int n = 6;
        int[] rows = new int[n];
        double[] inside = new double[n];
        double[] driver = new double[n];
        for (int i = 0; i < n; i++) {
            rows[i] = 64;
            inside[i] = 0.02 + 2 * (0.001 + 64 * 1e-5); // the channel took twice its prediction
            driver[i] = 5 * 64 * 2e-6 / 2; // the driver five times
        }
        StageMeasure m = new StageMeasure(64, 1, rows, new boolean[n], inside, driver);
        cm.fitTimeParallel(p, m, 16, 256); // 4x the probe's batch: both corrections
        assertEquals(2.0, p.channelFactor(), 1e-9);
        assertEquals(5.0, p.driverFactor(), 1e-9);
        cm.fitTimeParallel(p, m, 16, 257); // beyond: the driver keeps the CPU probe's figure
        assertEquals(2.0, p.channelFactor(), 1e-9);
        assertEquals(1.0, p.driverFactor(), 0);
    }

    @Test
    void medianOfTheFiniteValues() {
        assertEquals(2.0, CostModel.median(new double[] {3, 1, 2}), 0);
        assertEquals(2.5, CostModel.median(new double[] {4, 1, 2, 3}), 0);
        assertEquals(5.0, CostModel.median(new double[] {Double.NaN, 5}), 0);
        assertTrue(Double.isNaN(CostModel.median(new double[] {Double.NaN})));
    }

    @Test
    void interpolationIsPiecewiseLinearAndNeverDecreasesBeyondTheLastPoint() {
        int[] xs = {1, 10, 100};
        double[] ys = {1.0, 2.0, 11.0};
        assertEquals(1.0, Calibration.interpolate(xs, ys, 0.5), 0);
        assertEquals(1.5, Calibration.interpolate(xs, ys, 5.5), 1e-12);
        assertEquals(6.5, Calibration.interpolate(xs, ys, 55), 1e-12);
        assertEquals(21.0, Calibration.interpolate(xs, ys, 200), 1e-12);
        assertEquals(3.0, Calibration.interpolate(new int[] {1, 10}, new double[] {5.0, 3.0}, 100), 0);
    }
}
