package io.piadm.plan;

import io.piadm.model.DiagonalGaussian;
import io.piadm.model.ExecutionContext;
import io.piadm.model.ModelSpec;
import io.piadm.model.ModelSpecs;
import io.piadm.model.ScoreModel;
import io.piadm.sampler.CorrectorOptions;
import io.piadm.sampler.PicardOptions;
import io.piadm.sampler.SamplerConfig;
import io.piadm.sampler.SamplerKind;
import io.piadm.schedule.Block;
import io.piadm.schedule.Schedule;
import io.piadm.schedule.ScheduleConfig;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pilot's round shapes against counts known from the algorithms (docs/ALGORITHMS.md sections 4, 6). */
class PilotTest {
    private static final ModelSpec GAUSS = DiagonalGaussian.isotropic(8, 0.5, 0.7);

    private static SamplerConfig config(PicardOptions picard) {
        Schedule s = new ScheduleConfig(8).horizon(4.0).eta(0.01).stepsPerBlock(10).build();
        return new SamplerConfig(s, 3, picard, CorrectorOptions.off(), SamplerConfig.DEFAULT_WINDOW);
    }

    @Test
    void theSequentialSamplerHasOneRowPerSampleInEachOfItsSteps() {
        SamplerConfig cfg = config(PicardOptions.tolerance(1e-3, null));
        RoundProfile p = Pilot.run(SamplerKind.SDE, cfg, GAUSS, 0, 2);
        int steps = cfg.schedule().totalSteps();
        assertEquals(steps, p.roundsPerBatch());
        assertEquals(steps, p.evaluationsPerSample(), 0);
        for (RoundProfile.PhaseRounds ph : p.phases()) {
            for (double w : ph.widths) {
                assertEquals(1.0, w, 0);
            }
        }
        assertTrue(p.samplerCpuPerRow() > 0);
    }

    @Test
    void fixedPicardSweepsCoverTheBlockMinusItsExactPrefix() {
        int k = 3;
        // Plain Picard (no warm start, no frozen front, ALGORITHMS.md 6c), whose counts are the closed form below.
        SamplerConfig cfg = config(PicardOptions.fixed(k).withWarmStart(false).withFrozenFront(false));
        RoundProfile p = Pilot.run(SamplerKind.PIADM_SDE, cfg, GAUSS, 5, 2);
        // Sweep j of a block of M steps evaluates points j-1 .. M-1: M - j + 1 of them (the first j-1 are exact).
        long rounds = 0;
        double evals = 0;
        int i = 0;
        for (Block b : cfg.schedule().blocks()) {
            RoundProfile.PhaseRounds ph = p.phases().get(i++);
            int sweeps = Math.min(k, b.steps());
            assertEquals(sweeps, ph.sweeps(), "block " + b.index());
            for (int j = 1; j <= sweeps; j++) {
                assertEquals(b.steps() - j + 1, ph.widths[j - 1], 0, "block " + b.index() + " sweep " + j);
            }
            rounds += sweeps;
            evals += sweeps * (double) b.steps() - sweeps * (sweeps - 1) / 2.0;
        }
        assertEquals(cfg.schedule().blockCount(), p.phases().size());
        assertEquals(rounds, p.roundsPerBatch());
        assertEquals(evals, p.evaluationsPerSample(), 1e-9);
    }

    @Test
    void emulationIsStrippedAndModelsWithoutALawGetAGaussianSurrogate() {
        Pilot.PilotModel em = Pilot.modelFor(ModelSpecs.parse("gaussian:d=8,std=0.7,mean=0.5,latency-ms=20"));
        assertInstanceOf(DiagonalGaussian.class, em.spec);
        assertTrue(em.description.contains("emulation stripped"), em.description);
        ModelSpec network = new ModelSpec() {
            @Override
            public int dim() {
                return 6;
            }

            @Override
            public ScoreModel build(ExecutionContext context) {
                throw new AssertionError("the pilot must not build the network");
            }

            @Override
            public String id() {
                return "net:d=6";
            }

            @Override
            public Map<String, Object> describe() {
                return Map.of("type", "net");
            }
        };
        Pilot.PilotModel sur = Pilot.modelFor(network);
        DiagonalGaussian g = assertInstanceOf(DiagonalGaussian.class, sur.spec);
        assertEquals(6, g.dim());
        // N(0, I): second moment d, the schedule's assumption for a model without a known law
        assertEquals(6.0, g.analyticTarget().secondMoment(), 1e-12);
        assertTrue(sur.description.contains("surrogate"), sur.description);
        // The pilot itself runs on the surrogate.
        RoundProfile p = Pilot.run(SamplerKind.SDE, new SamplerConfig(new ScheduleConfig(6).horizon(2.0).eta(0.1)
                .stepsPerBlock(4).build(), 1, PicardOptions.fixed(1), CorrectorOptions.off(), 32), network, 0, 1);
        assertTrue(p.roundsPerBatch() > 0);
    }
}
