package io.piadm.spark;

import io.piadm.model.ModelSpecs;
import io.piadm.plan.StageMeasure;
import io.piadm.sampler.PicardOptions;
import io.piadm.sampler.SamplerConfig;
import io.piadm.sampler.SamplerKind;
import io.piadm.schedule.ScheduleConfig;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The time-parallel probe in local[2]: where it ends, by the sampler's walk. */
class ClusterStageProbeTest {
    private static final int STEPS = 200;

    private static SamplerConfig config() {
        return new SamplerConfig(new ScheduleConfig(3).horizon(3.0).eta(0.05).stepsPerBlock(STEPS).build(), 7,
                PicardOptions.tolerance(1e-4, 4), io.piadm.sampler.CorrectorOptions.off(), SamplerConfig.DEFAULT_WINDOW);
    }

    @Test
    void aSequentialProbeEndsInsideABlockOnceItHasMeasuredItsTarget() {
        // 200 rounds of an emulated 20 ms device: one block lasts 4 s or more, past the probe's budget, at any
        // batch. The probe runs it anyway and stops at the round that completes its target.
        StageMeasure m = ClusterStageProbe.run(SparkTestSession.jsc(), SamplerKind.of("sde"), config(),
                ModelSpecs.parse("gaussian:d=3,std=0.5,latency-ms=20"), 2, 4, stage -> STEPS * 0.02, 0.02);
        assertNotNull(m, "a sequential block over the budget is still probed");
        assertEquals(4, m.batch);
        assertEquals(1, m.stages, "every measured round is in the first block");
        assertTrue(m.rounds() >= ClusterStageProbe.MIN_ROUNDS, "rounds " + m.rounds());
        // After a second of warm-up, the rest of the block would be 3 s and some 150 rounds: it was cut.
        assertTrue(m.rounds() <= STEPS / 2, "cut inside the block: " + m.rounds() + " of " + STEPS + " rounds measured");
        double measured = m.totalInsideSeconds() + m.totalDriverSeconds();
        assertTrue(measured >= ClusterStageProbe.TARGET_SECONDS - 0.05 && measured < ClusterStageProbe.BUDGET_SECONDS,
                "measured " + measured + " s");
        for (int r : m.roundRows) {
            assertEquals(4, r, "one row per sample a round");
        }
    }

    @Test
    void aPicardProbeRunsOnUntilItHasWholeBlocksToCompare() {
        // Picard blocks of a few rounds of an emulated 20 ms device (about 0.1 s each), each predicted (too high
        // on purpose) just under the 1.5 s budget: by that budget alone the probe would stop at the first block
        // after its warm-up, with one block start or none. It runs on until it has the block starts its fit
        // needs to compare whole blocks, and stays within the longer budget.
        SamplerConfig c = new SamplerConfig(new ScheduleConfig(1024).stepsPerBlock(8).build(),
                7, PicardOptions.tolerance(1e-4, 4), io.piadm.sampler.CorrectorOptions.off(),
                SamplerConfig.DEFAULT_WINDOW);
        StageMeasure m = ClusterStageProbe.run(SparkTestSession.jsc(), SamplerKind.of("piadm-sde"), c,
                ModelSpecs.parse("gaussian:d=3,std=0.5,latency-ms=20"), 2, 4,
                stage -> ClusterStageProbe.BUDGET_SECONDS - 0.1, 0.02);
        assertNotNull(m);
        int starts = 0;
        for (boolean b : m.blockStarts) {
            starts += b ? 1 : 0;
        }
        double measured = m.totalInsideSeconds() + m.totalDriverSeconds();
        assertTrue(starts >= io.piadm.plan.CostModel.SEGMENTS_OF_BLOCKS, "measured block starts " + starts);
        assertTrue(measured < ClusterStageProbe.BLOCKS_BUDGET_SECONDS, "measured " + measured + " s");
    }

    @Test
    void aPicardProbeOverItsBudgetIsNotRun() {
        // A Picard probe ends at a block's end: a first block predicted past twice the budget is not probed.
        StageMeasure m = ClusterStageProbe.run(SparkTestSession.jsc(), SamplerKind.of("piadm-sde"),
                config(), ModelSpecs.parse("gaussian:d=3,std=0.5,latency-ms=20"), 2, 4,
                stage -> 2 * ClusterStageProbe.BUDGET_SECONDS + 1, 0.02);
        assertEquals(null, m);
    }
}
