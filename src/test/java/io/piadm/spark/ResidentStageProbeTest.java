package io.piadm.spark;

import io.piadm.model.ModelSpec;
import io.piadm.model.ModelSpecs;
import io.piadm.sampler.PicardOptions;
import io.piadm.sampler.SamplerConfig;
import io.piadm.sampler.SamplerKind;
import io.piadm.schedule.Block;
import io.piadm.schedule.ScheduleConfig;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sample-parallel probe: which blocks it runs and which it measures. */
class ResidentStageProbeTest {

    @Test
    void blockZeroIsAWarmUpAndTheMeasuredBlocksFillTheBudget() {
        double budget = ResidentStageProbe.BUDGET_SECONDS;
        // Blocks of budget / 6 each: block 0 runs unmeasured, then 6 blocks fill the budget.
        assertArrayEquals(new int[] {1, 6}, ResidentStageProbe.blocks(21, (from, to) -> (to - from) * budget / 6));
        // Cheap blocks: every block after the warm-up is measured, none beyond the sampler's.
        assertArrayEquals(new int[] {1, 2}, ResidentStageProbe.blocks(3, (from, to) -> (to - from) * 1e-3));
        // One block only: it cannot be both warm-up and measurement; it is measured.
        assertArrayEquals(new int[] {0, 1}, ResidentStageProbe.blocks(1, (from, to) -> (to - from) * 1e-3));
        // A block over half the budget is not spent on a warm-up: it is measured, one at least, while it
        // stays within the probe's limit; beyond that the probe does not run.
        assertArrayEquals(new int[] {1, 2}, ResidentStageProbe.blocks(21, (from, to) -> (to - from) * 0.45 * budget));
        assertArrayEquals(new int[] {0, 1}, ResidentStageProbe.blocks(21, (from, to) -> (to - from) * 0.9 * budget));
        double max = ResidentStageProbe.MAX_SECONDS;
        assertArrayEquals(new int[] {0, 1}, ResidentStageProbe.blocks(21, (from, to) -> (to - from) * 0.95 * max));
        assertNull(ResidentStageProbe.blocks(21, (from, to) -> (to - from) * 1.05 * max));
    }

    @Test
    void theProbeTimesItsMeasuredBlocksOnlyNotTheWarmUp() {
        SamplerConfig c = new SamplerConfig(new ScheduleConfig(3).horizon(3.0).eta(0.05).stepsPerBlock(8).build(), 7,
                PicardOptions.tolerance(1e-4, 4), io.piadm.sampler.CorrectorOptions.off(),
                SamplerConfig.DEFAULT_WINDOW);
        int stages = SamplerKind.of("piadm-sde").stageCount(c);
        assertTrue(stages >= 2, "blocks " + stages);
        // Every call of block 0 sleeps 150 ms (its points' forward times are all above block 1's), block 1 on
        // none: measured from block 1 on, the tasks' times are far below one such call.
        Block b1 = c.schedule().block(1);
        double above = Arrays.stream(b1.forwardTimes()).max().getAsDouble() + 1e-9;
        ModelSpec slowFirst = FaultySpec.slowAbove(ModelSpecs.parse("gaussian:d=3,std=0.5"), above, 150);
        ResidentStageProbe.Measure m = ResidentStageProbe.run(SparkTestSession.jsc(), SamplerKind.of("piadm-sde"), c,
                slowFirst, 1, 2, 4, stages, (from, to) -> (to - from) * 1e-3);
        assertNotNull(m);
        assertEquals(1, m.firstBlock);
        assertEquals(stages - 1, m.blocks, "every block after the warm-up fits the budget");
        assertTrue(m.medianTaskSeconds > 0 && m.medianTaskSeconds < 0.15,
                "measured " + m.medianTaskSeconds + " s: block 0's calls were timed");
    }
}
