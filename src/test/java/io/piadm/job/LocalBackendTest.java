package io.piadm.job;

import io.piadm.config.AsFlags;

import io.piadm.model.DiagonalGaussian;
import io.piadm.sampler.PicardOptions;
import io.piadm.sampler.SamplerConfig;
import io.piadm.sampler.SamplingListener;
import io.piadm.sampler.SamplingResult;
import io.piadm.sampler.CorrectorOptions;
import io.piadm.schedule.ScheduleConfig;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalBackendTest {
    static SampleJob job(String sampler, int samples, long first, int batch, int threads) {
        DiagonalGaussian g = DiagonalGaussian.isotropic(4, 0.5, 0.7);
        ScheduleConfig sc = new ScheduleConfig(4).stepsPerBlock(8);
        SamplerConfig cfg = new SamplerConfig(sc.build(), 11, PicardOptions.tolerance(1e-4, null),
                CorrectorOptions.on(), 5);
        return new SampleJob(g, io.piadm.sampler.SamplerKind.of(sampler), cfg, samples, first, batch, threads,
                sc.describe());
    }

    @Test
    void resultsDoNotDependOnBatchThreadsOrWhichSamplesShareTheJob() throws Exception {
        for (String s : new String[] {"piadm-sde", "piadm-ode", "paradigms"}) {
            SamplingResult a = new LocalBackend().run(job(s, 10, 0, 10, 1), SamplingListener.NONE);
            SamplingResult b = new LocalBackend().run(job(s, 10, 0, 3, 2), SamplingListener.NONE);
            assertArrayEquals(a.samples(), b.samples(), s);
            SamplingResult c = new LocalBackend().run(job(s, 6, 4, 4, 2), SamplingListener.NONE);
            assertEquals(4, c.firstSample());
            assertArrayEquals(Arrays.copyOfRange(a.samples(), 4 * 4, 10 * 4), c.samples(), s);
            // Counting does not depend on batching either: rounds are the most sweeps any sample needed.
            assertEquals(a.rounds(), b.rounds(), s);
            assertEquals(a.evaluationsTotal(), b.evaluationsTotal(), s);
        }
    }

    @Test
    void jobSurvivesJavaSerialisation() throws Exception {
        SampleJob j = job("piadm-ode", 5, 2, 5, 1);
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bo)) {
            out.writeObject(j);
        }
        SampleJob k;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bo.toByteArray()))) {
            k = (SampleJob) in.readObject();
        }
        assertEquals(j.kind(), k.kind());
        assertEquals(j.scheduleSettings(), k.scheduleSettings());
        assertArrayEquals(new LocalBackend().run(j, SamplingListener.NONE).samples(),
                new LocalBackend().run(k, SamplingListener.NONE).samples());
    }

    @Test
    void jobRejectsBadSettings() {
        assertTrue(AsFlags.message(assertThrows(IllegalArgumentException.class, () -> job("nope", 5, 0, 5, 1))).startsWith("--sampler"));
        assertTrue(AsFlags.message(assertThrows(IllegalArgumentException.class, () -> job("sde", 0, 0, 5, 1))).startsWith("--samples"));
        assertTrue(AsFlags.message(assertThrows(IllegalArgumentException.class, () -> job("sde", 5, 0, 0, 1))).startsWith("--batch-size"));
        assertTrue(AsFlags.message(assertThrows(IllegalArgumentException.class, () -> job("sde", 5, 0, 5, 0))).startsWith("--threads"));
    }
}
