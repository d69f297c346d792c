package io.piadm.spark;

import io.piadm.config.InvalidSettingException;
import io.piadm.config.Setting;
import io.piadm.sampler.SamplerKind;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlannerTest {
    @Test
    void fewSamplesGoTimeParallelManyGoSampleParallel() {
        Planner.Plan few = Planner.choose(Planner.Request.AUTO, SamplerKind.of("piadm-sde"), 2, 32, 16, 0);
        assertEquals(Planner.Mode.TIME, few.mode());
        assertFalse(few.forced());
        assertTrue(few.reason().contains("2 x 32 = 64"), few.reason());
        Planner.Plan many = Planner.choose(Planner.Request.AUTO, SamplerKind.of("piadm-sde"), 64, 32, 16, 0);
        assertEquals(Planner.Mode.SAMPLES, many.mode());
        assertTrue(many.reason().contains("64 samples fill the 16 cores"), many.reason());
        // The boundary: as many samples as slots already fills them.
        assertEquals(Planner.Mode.SAMPLES, Planner.choose(Planner.Request.AUTO, SamplerKind.of("piadm-ode"), 16, 32, 16, 0).mode());
        assertEquals(Planner.Mode.TIME, Planner.choose(Planner.Request.AUTO, SamplerKind.of("piadm-ode"), 15, 32, 16, 0).mode());
    }

    @Test
    void gpuSlotsReplaceCores() {
        assertEquals(Planner.Mode.SAMPLES, Planner.choose(Planner.Request.AUTO, SamplerKind.of("piadm-sde"), 4, 32, 64, 4).mode());
        assertEquals(Planner.Mode.TIME, Planner.choose(Planner.Request.AUTO, SamplerKind.of("piadm-sde"), 3, 32, 2, 4).mode());
        assertTrue(Planner.choose(Planner.Request.AUTO, SamplerKind.of("piadm-sde"), 3, 32, 2, 4).reason().contains("4 GPU task slots"));
    }

    @Test
    void sequentialSamplersAreSampleParallelUnlessForced() {
        assertEquals(Planner.Mode.SAMPLES, Planner.choose(Planner.Request.AUTO, SamplerKind.of("sde"), 1, 32, 16, 0).mode());
        Planner.Plan forced = Planner.choose(Planner.Request.TIME, SamplerKind.of("sde"), 1, 32, 16, 0);
        assertEquals(Planner.Mode.TIME, forced.mode());
        assertTrue(forced.forced());
        assertEquals(Planner.Mode.SAMPLES, Planner.choose(Planner.Request.SAMPLES, SamplerKind.of("piadm-sde"), 1, 32, 16, 0).mode());
    }

    @Test
    void unknownModeNamesTheSetting() {
        InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> Planner.Request.parse("fast"));
        assertEquals("parallelism must be one of time, samples, auto; got 'fast'", e.getMessage());
        assertEquals(List.of(Setting.PARALLELISM), e.settings());
    }
}
