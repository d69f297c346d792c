package io.piadm.spark;

import io.piadm.checkpoint.ChunkCheckpoints;
import io.piadm.config.AsFlags;
import io.piadm.config.InvalidSettingException;
import io.piadm.job.ResumeMode;
import io.piadm.job.SampleJob;
import io.piadm.model.DiagonalGaussian;
import io.piadm.model.ModelSpec;
import io.piadm.sampler.SamplerConfig;
import io.piadm.sampler.SamplingListener;
import io.piadm.sampler.SamplingResult;
import io.piadm.schedule.Block;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The executor-resident sample-parallel mode: the local backend's bits for any chunking, batch or retry;
 * a chunk continues from its own checkpoint (a retried task within the job, a rerun with resume after the
 * job failed); the chunking is stored and enforced on resume; cleanup removes only the run's files; a run
 * that cannot fit is refused in one line naming the size settings.
 */
class ResidentSampleJobTest {
    private static final ModelSpec GAUSS = new DiagonalGaussian(new double[] {0.3, -1.0}, new double[] {0.7, 0.25});

    @AfterAll
    static void back() {
        // the retry test switches the shared session to local[2,2]; later classes get a plain local[2] again
        SparkTestSession.stop();
    }

    private static SparkSettings samples(Integer partitions, Path ckpt, ResumeMode resume) {
        return new SparkSettings(null, partitions, "samples", resume, ckpt == null ? null : ckpt.toUri().toString());
    }

    private static SampleJob job(ModelSpec spec, String sampler, SamplerConfig cfg, long first, int count, int batch) {
        return TestJobs.job(spec, sampler, cfg, first, count, batch);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> chunks(SparkRun.Outcome o) {
        return (Map<String, Object>) o.describe().get("sampleChunks");
    }

    @Test
    void sameBitsAsTheLocalBackendForAnyChunkingAndBatch() {
        SparkSession spark = SparkTestSession.get();
        int count = 7;
        for (String sampler : new String[] {"sde", "piadm-sde", "piadm-ode"}) {
            SamplerConfig cfg = sampler.equals("piadm-ode")
                    ? TestJobs.config(GAUSS.dim(), 21).withCorrector(io.piadm.sampler.CorrectorOptions.on())
                    : TestJobs.config(GAUSS.dim(), 21);
            SampleJob ref = job(GAUSS, sampler, cfg, 11, count, count);
            SamplingResult local = new io.piadm.job.LocalBackend().run(ref, SamplingListener.NONE);
            for (int[] pb : new int[][] {{1, 7}, {3, 2}, {7, 1}}) {
                SparkRun.Outcome o = SparkRun.run(spark, job(GAUSS, sampler, cfg, 11, count, pb[1]),
                        samples(pb[0], null, ResumeMode.OFF), SamplingListener.NONE);
                assertFalse(o.result.inMemory(), "the samples stayed on the executors");
                assertEquals(pb[0], chunks(o).get("chunks"));
                TestJobs.assertBitwiseEqual(local.samples(), TestJobs.rows(o.result),
                        sampler + " chunks=" + pb[0] + " batch=" + pb[1]);
                assertEquals(local.rounds(), o.result.rounds(), sampler + ": same per-block sweeps (merged traces)");
                assertEquals(local.evaluationsTotal(), o.result.evaluationsTotal(), sampler + ": same evaluations");
                assertEquals(local.stages().size(), o.result.stages().size());
                // The subsample (all rows here: 7 < its bound) is the same rows, from the executors.
                TestJobs.assertBitwiseEqual(local.samples(), o.result.source().subsample(21).rows(), "subsample");
            }
        }
    }

    @Test
    void theExecutorsSendTheSubsampleOfTheLocalRows() {
        // The subsample keeps 10^5 of 100050 rows, chosen by id on the executors.
        SamplerConfig cfg = new SamplerConfig(new io.piadm.schedule.ScheduleConfig(2).horizon(2.0).eta(0.5)
                .stepsPerBlock(2).build(), 61, io.piadm.sampler.PicardOptions.defaults(),
                io.piadm.sampler.CorrectorOptions.off(), SamplerConfig.DEFAULT_WINDOW);
        int count = 100_050;
        SamplingResult local = new io.piadm.job.LocalBackend().run(job(GAUSS, "sde", cfg, 0, count, 4096),
                SamplingListener.NONE);
        io.piadm.sampler.Subsample expected = local.source().subsample(61);
        assertEquals(100_000, expected.count());
        SparkRun.Outcome o = SparkRun.run(SparkTestSession.get(), job(GAUSS, "sde", cfg, 0, count, 3000),
                samples(5, null, ResumeMode.OFF), SamplingListener.NONE);
        io.piadm.sampler.Subsample got = o.result.source().subsample(61);
        org.junit.jupiter.api.Assertions.assertArrayEquals(expected.ids(), got.ids());
        TestJobs.assertBitwiseEqual(expected.rows(), got.rows(), "subsample rows from the executors");
        assertEquals(100_000, chunks(o).get("subsampleRows"));
    }

    /** Forward time in the middle of block {@code b}: a model failing below it fails inside that block. */
    private static double insideBlock(SamplerConfig cfg, int b) {
        Block blk = cfg.schedule().blocks().get(b);
        double[] ft = blk.forwardTimes();
        return 0.5 * (ft[0] + ft[ft.length - 1]);
    }

    @Test
    void aRetriedTaskContinuesItsChunkFromItsOwnCheckpoint(@TempDir Path tmp) throws Exception {
        SparkSession spark = SparkTestSession.withRetries();
        SamplerConfig cfg = TestJobs.config(GAUSS.dim(), 31);
        int count = 6;
        double[] local = TestJobs.local(GAUSS, "piadm-sde", cfg, 0, count);
        // 3 chunks of 2 samples; chunk 1 (ids 2, 3) fails once inside block 3, after blocks 1 and 2 were
        // checkpointed; Spark retries the task (local[2,2]).
        ModelSpec faulty = new FaultySpec(GAUSS, 0, 2, 4, insideBlock(cfg, 2));
        FaultySpec.FAILURES.set(1);
        try {
            SparkRun.Outcome o = SparkRun.run(spark, job(faulty, "piadm-sde", cfg, 0, count, count),
                    samples(3, tmp.resolve("ck"), ResumeMode.OFF), SamplingListener.NONE);
            assertEquals(0, FaultySpec.FAILURES.get(), "the failure was injected");
            TestJobs.assertBitwiseEqual(local, TestJobs.rows(o.result), "after a task retry");
            Map<String, Object> c = chunks(o);
            assertEquals(1, c.get("chunksRetried"));
            assertEquals(1, c.get("chunksResumedFromCheckpoint"));
            List<?> resumed = (List<?>) c.get("resumedChunks");
            Map<?, ?> r = (Map<?, ?>) resumed.get(0);
            assertEquals(1, r.get("chunk"));
            assertEquals(2, r.get("resumedAfterBlocks"), "continued after block 2, not from block 1");
            assertEquals(1, r.get("taskAttempt"));
            assertEquals(2, c.get("chunksFromBlock1"));
            assertTrue((Boolean) o.describe().get("resumed"));
        } finally {
            FaultySpec.FAILURES.set(0);
        }
    }

    @Test
    void aRerunWithResumeContinuesEveryChunkFromItsOwnCheckpoint(@TempDir Path tmp) throws Exception {
        SparkSession spark = SparkTestSession.get();
        SamplerConfig cfg = TestJobs.config(GAUSS.dim(), 41);
        int count = 6;
        int blocks = cfg.schedule().blockCount();
        double[] local = TestJobs.local(GAUSS, "sde", cfg, 100, count);
        Path ck = Files.createDirectories(tmp.resolve("ck"));
        Files.writeString(ck.resolve("precious.txt"), "the user's");
        // Chunk 2 (ids 104, 105) fails inside block 4 as often as it is tried: the job fails (a dead driver,
        // as far as the checkpoints can tell), after the other chunks finished and chunk 2 checkpointed 3 blocks.
        ModelSpec faulty = new FaultySpec(GAUSS, 0, 104, 106, insideBlock(cfg, 3));
        FaultySpec.FAILURES.set(1000);
        try {
            assertThrows(Exception.class, () -> SparkRun.run(spark, job(faulty, "sde", cfg, 100, count, 1),
                    samples(3, ck, ResumeMode.OFF), SamplingListener.NONE));
        } finally {
            FaultySpec.FAILURES.set(0);
        }
        assertTrue(Files.exists(ck.resolve(ChunkCheckpoints.LAYOUT)), "the chunking is stored");
        assertTrue(Files.exists(ck.resolve("chunk-00002-block-00002.ckpt")), "chunk 2 checkpointed block 3");
        assertFalse(Files.exists(ck.resolve("chunk-00002-block-00003.ckpt")));

        // A fresh run over it is refused; so is a resume with other chunks.
        InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> SparkRun.run(spark,
                job(faulty, "sde", cfg, 100, count, 1), samples(3, ck, ResumeMode.OFF), SamplingListener.NONE));
        assertTrue(e.getMessage().contains("holds the checkpoint of an interrupted run"), e.getMessage());
        e = assertThrows(InvalidSettingException.class, () -> SparkRun.run(spark,
                job(faulty, "sde", cfg, 100, count, 1), samples(2, ck, ResumeMode.ON), SamplingListener.NONE));
        assertTrue(AsFlags.message(e).startsWith("--partitions 2 differs from the 3 sample chunks"), AsFlags.message(e));
        // Another configuration is refused, naming what differs.
        e = assertThrows(InvalidSettingException.class, () -> SparkRun.run(spark,
                job(faulty, "sde", cfg.withSeed(42), 100, count, 1), samples(null, ck, ResumeMode.ON),
                SamplingListener.NONE));
        assertTrue(e.getMessage().contains("another configuration: seed (this run 42, checkpoint 41)"), e.getMessage());

        // Resumed (with the default partitions: the stored chunking wins; the model no longer fails), and
        // with the placement left to the planner the checkpoint's is followed.
        SparkSettings auto = new SparkSettings(null, null, null, ResumeMode.ON, ck.toUri().toString());
        SparkRun.Outcome o = SparkRun.run(spark, job(faulty, "sde", cfg, 100, count, 1), auto, SamplingListener.NONE);
        assertEquals(Planner.Mode.SAMPLES, o.plan.mode());
        TestJobs.assertBitwiseEqual(local, TestJobs.rows(o.result), "resumed run");
        Map<String, Object> c = chunks(o);
        assertEquals(3, c.get("chunksResumedFromCheckpoint"));
        int[] after = new int[3];
        for (Object x : (List<?>) c.get("resumedChunks")) {
            Map<?, ?> m = (Map<?, ?>) x;
            after[(Integer) m.get("chunk")] = (Integer) m.get("resumedAfterBlocks");
        }
        assertEquals(blocks, after[0], "chunk 0 had finished: read back, not recomputed");
        assertEquals(blocks, after[1]);
        assertEquals(3, after[2], "chunk 2 continued after its block 3");

        // Committing removes the run's files only.
        o.cleanUpCheckpoints();
        try (Stream<Path> files = Files.list(ck)) {
            assertEquals(List.of("precious.txt"), files.map(f -> f.getFileName().toString()).toList());
        }
    }

    @Test
    void aTimeParallelCheckpointIsContinuedTimeParallel(@TempDir Path tmp) {
        SparkSession spark = SparkTestSession.get();
        SamplerConfig cfg = TestJobs.config(GAUSS.dim(), 51);
        Path ck = tmp.resolve("ck");
        class Crash extends RuntimeException {
            private static final long serialVersionUID = 1L;
        }
        SamplingListener crash = new SamplingListener() {
            @Override
            public void onStageEnd(int stage, int stageCount, io.piadm.sampler.StageTrace trace, double[] state) {
                if (stage == 1) {
                    throw new Crash();
                }
            }
        };
        assertThrows(Crash.class, () -> SparkRun.run(spark, job(GAUSS, "piadm-sde", cfg, 0, 4, 4),
                new SparkSettings(null, 2, "time", ResumeMode.OFF, ck.toUri().toString()), crash));
        InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> SparkRun.run(spark,
                job(GAUSS, "piadm-sde", cfg, 0, 4, 4), samples(2, ck, ResumeMode.ON), SamplingListener.NONE));
        assertTrue(AsFlags.message(e).contains("written in the time-parallel placement")
                && AsFlags.message(e).contains("--parallelism time"), AsFlags.message(e));
        SparkRun.Outcome o = SparkRun.run(spark, job(GAUSS, "piadm-sde", cfg, 0, 4, 4),
                new SparkSettings(null, 2, "auto", ResumeMode.ON, ck.toUri().toString()), SamplingListener.NONE);
        assertEquals(Planner.Mode.TIME, o.plan.mode());
        assertTrue(o.plan.reason().startsWith("resuming a time-parallel checkpoint"), o.plan.reason());
        assertEquals(2, o.resumedAfterBlocks);
        TestJobs.assertBitwiseEqual(TestJobs.local(GAUSS, "piadm-sde", cfg, 0, 4), o.result.samples(), "resumed");
    }

    @Test
    void chunkingIsBalancedAndDefaultsFromStateSizeAndSlots() {
        ChunkCheckpoints.Layout l = new ChunkCheckpoints.Layout(7, 10, 4);
        long[] starts = {7, 10, 13, 15, 17};
        for (int k = 0; k <= 4; k++) {
            assertEquals(starts[k], l.start(k), "chunk " + k);
        }
        assertEquals(3, l.maxCount());
        // 10^8 samples in d = 64: 2^20 / 64 = 16384 per chunk; exact long arithmetic at 2^32 samples.
        assertEquals(6104, ResidentPlan.defaultChunks(100_000_000L, 64, 16));
        assertEquals(64, ResidentPlan.defaultChunks(5000, 64, 16), "4 chunks per slot");
        assertEquals(3, ResidentPlan.defaultChunks(3, 64, 16), "no more chunks than samples");
        ChunkCheckpoints.Layout big = new ChunkCheckpoints.Layout(0, 1L << 32, 3);
        assertEquals(1L << 32, big.start(3));
        assertEquals(1431655766L, big.count(0));
    }

    @Test
    void aRunThatCannotFitIsRefusedInOneLineNamingTheSizeSettings() {
        SamplerConfig cfg = TestJobs.config(64, 1);
        SampleJob j = TestJobs.defaultBatchJob(DiagonalGaussian.isotropic(64, 0, 1), "piadm-sde", cfg, 0, 10_000_000L);
        ResidentPlan.Cluster small = new ResidentPlan.Cluster(false, 512 * io.piadm.job.MemoryFit.MIB, 4,
                4096 * io.piadm.job.MemoryFit.MIB, "test executors of 512 MiB, 4 tasks each");
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> ResidentPlan.make(j, j.createSampler(), 2, null, small, 8));
        String m = AsFlags.message(e);
        assertFalse(m.contains("\n"), "one line: " + m);
        assertTrue(m.startsWith("the run cannot fit in memory: it needs about"), m);
        assertTrue(m.contains("per task") && m.contains("--partitions") && m.contains("--batch-size")
                && m.contains("--steps-per-block"), m);
        // The default chunking fits: 8 MiB of state per chunk, and the default batch is lowered to fit.
        ResidentPlan ok = ResidentPlan.make(j, j.createSampler(), 0, null, small, 8);
        assertTrue(ok.task.fits());
        assertTrue(ok.task.total() <= ok.task.available());
        assertTrue(ok.layout.maxCount() <= 16384, "at most 2^20 doubles of state per chunk");
        // On a smaller executor a default batch is lowered until a task fits; the same batch asked for
        // explicitly is refused, not lowered.
        ResidentPlan.Cluster tiny = new ResidentPlan.Cluster(false, 256 * io.piadm.job.MemoryFit.MIB, 4,
                4096 * io.piadm.job.MemoryFit.MIB, "test executors of 256 MiB, 4 tasks each");
        SampleJob dflt = TestJobs.defaultBatchJob(DiagonalGaussian.isotropic(64, 0, 1), "piadm-sde", cfg, 0, 100_000);
        ResidentPlan lowered = ResidentPlan.make(dflt, dflt.createSampler(), 0, null, tiny, 8);
        int chunk = lowered.layout.maxCount();
        assertTrue(lowered.batchSize < chunk, "batch " + lowered.batchSize + " lowered below the chunk " + chunk);
        assertTrue(lowered.task.fits());
        SampleJob explicit = TestJobs.job(DiagonalGaussian.isotropic(64, 0, 1), "piadm-sde", cfg, 0, 100_000, chunk);
        String m2 = AsFlags.message(assertThrows(InvalidSettingException.class,
                () -> ResidentPlan.make(explicit, explicit.createSampler(), 0, null, tiny, 8)));
        assertTrue(m2.contains("batch working memory (" + chunk + " samples"), m2);
    }
}
