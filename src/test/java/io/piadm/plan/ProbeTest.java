package io.piadm.plan;

import io.piadm.sampler.CorrectorOptions;
import io.piadm.sampler.PicardOptions;
import io.piadm.sampler.SamplerConfig;
import io.piadm.sampler.SamplerKind;
import io.piadm.schedule.ScheduleConfig;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The zero-model probe of the sampler's own cost: the rows its runs evaluate. */
class ProbeTest {

    @Test
    void theZeroModelProbeEvaluatesEverySweepsWindowWhateverTheFrozenFront() {
        int m = 16;
        int batch = 3;
        // The run's own options: the frozen front on (the default) and the warm start.
        SamplerConfig c = new SamplerConfig(new ScheduleConfig(4).horizon(3.0).eta(0.05).stepsPerBlock(m).build(), 7,
                PicardOptions.tolerance(1e-4, 4).withFrozenFront(true), CorrectorOptions.off(),
                SamplerConfig.DEFAULT_WINDOW);
        assertTrue(c.picard().frozenFront());
        SamplerKind kind = SamplerKind.of("piadm-sde");
        double one = Probe.run(kind, c, Probe.zero(4), Probe.PROBE_IDS, batch, 1, 1)[2];
        double many = Probe.run(kind, c, Probe.zero(4), Probe.PROBE_IDS, batch, 1, Probe.SWEEPS_MANY)[2];
        // The warm start's first sweep evaluates the start of each sample only.
        assertEquals(batch, one, 0);
        // With the front, the zero score converges every point in the first full sweep and the later sweeps
        // would evaluate nothing (at most M rows a sample after the first); the exact-prefix window evaluates
        // M - k + 1 points in sweep k (section 4), so the rows the cost per row is measured over are
        // (SWEEPS_MANY - 1) windows of at least M - SWEEPS_MANY + 1 points.
        double perSample = (many - one) / batch;
        assertTrue(perSample >= (Probe.SWEEPS_MANY - 1) * (m - Probe.SWEEPS_MANY + 1),
                "rows per sample beyond the first sweep: " + perSample);
        assertTrue(perSample <= (Probe.SWEEPS_MANY - 1) * m, "rows per sample beyond the first sweep: " + perSample);
    }
}
