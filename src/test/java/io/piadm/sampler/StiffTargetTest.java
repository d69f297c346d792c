package io.piadm.sampler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.piadm.eval.LocalEvaluator;
import io.piadm.model.FullGaussian;
import io.piadm.schedule.Schedule;
import io.piadm.schedule.ScheduleConfig;
import io.piadm.schedule.StiffnessSplit;

import org.junit.jupiter.api.Test;

/**
 * docs/ALGORITHMS.md section 6d on a genuinely stiff case: one far block of reverse length 8 on a target with
 * condition number 1e5 (L h about 7). Blockwise Picard does not contract there (every sample falls back to
 * sequential steps); cutting the block by L h <= 4 makes Picard converge, in fewer rounds, for both schemes.
 */
class StiffTargetTest {
    static final int D = 8;

    static SamplingResult run(Schedule s, PicardOptions po, FullGaussian g, int n) {
        SamplerConfig cfg = SamplerConfig.of(s, 6).withPicard(po);
        try (LocalEvaluator ev = new LocalEvaluator(g.build(), 2)) {
            return new SamplingDriver(SamplerKind.PIADM_SDE.create(cfg, D), ev, n).run(0, n, SamplingListener.NONE);
        }
    }

    static long fallbacks(SamplingResult r) {
        long f = 0;
        for (StageTrace st : r.stages()) {
            for (PhaseTrace p : st.phases()) {
                f += p.sequentialFallbacks();
            }
        }
        return f;
    }

    @Test
    void cuttingStiffBlocksMakesPicardConvergeInFewerRounds() {
        FullGaussian g = new FullGaussian(D, 1e-5, 1.0, 2, 0.0);
        ScheduleConfig base = new ScheduleConfig(D).horizon(9.0).blockLength(8.0).stepsPerBlock(48);
        Schedule plain = base.build();
        Schedule cut = new ScheduleConfig(D).horizon(9.0).blockLength(8.0).stepsPerBlock(48)
                .stiffness(StiffnessSplit.of(t -> g.scoreLipschitz(t).orElse(Double.NaN), null)).build();
        double lh = StiffnessSplit.of(t -> g.scoreLipschitz(t).orElse(Double.NaN), null).stiffness(plain.block(0));
        assertTrue(lh > 6, "the far block is stiff: L h = " + lh);
        assertTrue(cut.blockCount() > plain.blockCount());
        int n = 4;
        for (PicardOptions.Scheme scheme : PicardOptions.Scheme.values()) {
            PicardOptions po = PicardOptions.defaults().withScheme(scheme);
            SamplingResult a = run(plain, po, g, n);
            SamplingResult b = run(cut, po, g, n);
            if (scheme == PicardOptions.Scheme.BLOCKWISE) {
                assertEquals(n, fallbacks(a), "unsplit: every sample falls back to sequential steps");
            }
            assertEquals(0, fallbacks(b), scheme + ": split blocks contract");
            assertTrue(b.rounds() < a.rounds(), scheme + ": rounds " + b.rounds() + " split vs " + a.rounds());
        }
        // The cut grid is a grid like any other: tolerance 0 reproduces the sequential sampler on it.
        SamplerConfig cfg = SamplerConfig.of(cut, 6).withPicard(PicardOptions.tolerance(0.0, null)
                .withScheme(PicardOptions.Scheme.WAVEFRONT).withAnderson(3));
        try (LocalEvaluator ev = new LocalEvaluator(g.build(), 2)) {
            double[] seq = new SamplingDriver(SamplerKind.SDE.create(cfg, D), ev, n).run(0, n, SamplingListener.NONE).samples();
            double[] par = new SamplingDriver(SamplerKind.PIADM_SDE.create(cfg, D), ev, n).run(0, n, SamplingListener.NONE).samples();
            assertArrayEquals(seq, par, 0.0);
        }
    }
}
