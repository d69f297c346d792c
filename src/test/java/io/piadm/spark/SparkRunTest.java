package io.piadm.spark;

import io.piadm.checkpoint.Checkpoints;
import io.piadm.config.InvalidSettingException;
import io.piadm.job.ResumeMode;
import io.piadm.model.DiagonalGaussian;
import io.piadm.model.ModelSpec;
import io.piadm.sampler.SamplerConfig;
import io.piadm.sampler.SamplingListener;
import io.piadm.sampler.StageTrace;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SparkRunTest {
    private static final ModelSpec GAUSS = new DiagonalGaussian(new double[] {0.3, -1.0}, new double[] {0.7, 0.25});

    /** Simulates a driver crash: throws after the checkpoint of block {@code after} (0-based) is written. */
    static final class Crash extends RuntimeException {
        Crash() {
            super("simulated driver crash");
        }
    }

    private static SparkSettings settings(String mode, int partitions, Path ckpt, ResumeMode resume) {
        return new SparkSettings(null, partitions, mode, resume, ckpt == null ? null : ckpt.toUri().toString());
    }

    private static SparkSettings settings(String mode, int partitions, Path ckpt, boolean resume) {
        return settings(mode, partitions, ckpt, resume ? ResumeMode.ON : ResumeMode.OFF);
    }

    private static SparkRun.Outcome run(SparkSession spark, ModelSpec spec, SamplerConfig cfg, long first, int count,
            SparkSettings s, SamplingListener l) {
        return run(spark, spec, cfg, first, count, count, s, l);
    }

    private static SparkRun.Outcome run(SparkSession spark, ModelSpec spec, SamplerConfig cfg, long first, int count,
            int batch, SparkSettings s, SamplingListener l) {
        return SparkRun.run(spark, TestJobs.job(spec, "piadm-sde", cfg, first, count, batch), s, l);
    }

    @Test
    void sampleParallelEqualsTimeParallelEqualsLocal() {
        SparkSession spark = SparkTestSession.get();
        SamplerConfig cfg = TestJobs.config(GAUSS.dim(), 7);
        int count = 6;
        double[] local = TestJobs.local(GAUSS, "piadm-sde", cfg, 0, count);
        SparkRun.Outcome time = run(spark, GAUSS, cfg, 0, count,
                settings("time", 3, null, false), SamplingListener.NONE);
        assertEquals(Planner.Mode.TIME, time.plan.mode());
        TestJobs.assertBitwiseEqual(local, time.result.samples(), "time-parallel");
        for (int p : new int[] {1, 4}) {
            SparkRun.Outcome samples = run(spark, GAUSS, cfg, 0, count, 2, settings("samples", p, null, false),
                    SamplingListener.NONE);
            assertEquals(Planner.Mode.SAMPLES, samples.plan.mode());
            TestJobs.assertBitwiseEqual(local, TestJobs.rows(samples.result), "sample-parallel p=" + p);
            assertEquals(time.result.rounds(), samples.result.rounds(), "same per-block sweeps in the trace");
            assertEquals(time.result.evaluationsTotal(), samples.result.evaluationsTotal(), "same evaluations");
        }
    }

    @Test
    void checkpointThenResumeEqualsUninterruptedInEitherMode(@TempDir Path tmp) throws Exception {
        SparkSession spark = SparkTestSession.get();
        SamplerConfig cfg = TestJobs.config(GAUSS.dim(), 11);
        int count = 4;
        SparkRun.Outcome full = run(spark, GAUSS, cfg, 5, count,
                settings("time", 2, null, false), SamplingListener.NONE);
        int blocks = full.result.stages().size();
        assertTrue(blocks >= 4, "enough blocks to interrupt in the middle");
        // A time-parallel checkpoint holds the driver's state: it continues time-parallel, also when the
        // placement is left to the planner (sample-parallel checkpoints: ResidentSampleJobTest).
        for (String[] modes : new String[][] {{"time", "time"}, {"time", "auto"}}) {
            Path ck = tmp.resolve("ck-" + modes[0] + "-" + modes[1]);
            SamplingListener crashAfter2 = new SamplingListener() {
                @Override
                public void onStageEnd(int stage, int stageCount, StageTrace trace, double[] state) {
                    if (stage == 1) {
                        throw new Crash();
                    }
                }
            };
            assertThrows(Crash.class, () -> run(spark, GAUSS, cfg, 5, count,
                    settings(modes[0], 2, ck, false), crashAfter2));
            try (Stream<Path> files = Files.list(ck)) {
                assertEquals(2, files.filter(f -> f.getFileName().toString().endsWith(".ckpt")).count(),
                        "the latest two checkpoints are kept");
            }
            assertTrue(Files.exists(ck.resolve(Checkpoints.fileName(1))), "block 2 checkpoint written");
            SparkRun.Outcome resumed = run(spark, GAUSS, cfg, 5, count,
                    settings(modes[1], 3, ck, true), SamplingListener.NONE);
            assertEquals(2, resumed.resumedAfterBlocks);
            TestJobs.assertBitwiseEqual(full.result.samples(), resumed.result.samples(),
                    "resume " + modes[0] + " -> " + modes[1]);
            assertEquals(blocks, resumed.result.stages().size(), "trace covers every block");
            assertEquals(full.result.rounds(), resumed.result.rounds());
        }
    }

    @Test
    void resumeWithADifferentConfigurationRefuses(@TempDir Path tmp) {
        SparkSession spark = SparkTestSession.get();
        SamplerConfig cfg = TestJobs.config(GAUSS.dim(), 3);
        Path ck = tmp.resolve("ck");
        run(spark, GAUSS, cfg, 0, 2, settings("time", 2, ck, false), SamplingListener.NONE);
        InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> run(spark, GAUSS,
                cfg.withSeed(4), 0, 2, settings("time", 2, ck, true), SamplingListener.NONE));
        assertTrue(e.getMessage().startsWith("resume: the checkpoint in "), e.getMessage());
        assertTrue(e.getMessage().contains("another configuration: seed (this run 4, checkpoint 3)"), e.getMessage());
        // A different model is a different configuration too.
        ModelSpec other = new DiagonalGaussian(new double[] {0.3, -1.0}, new double[] {0.7, 0.26});
        e = assertThrows(InvalidSettingException.class, () -> run(spark, other, cfg, 0, 2,
                settings("time", 2, ck, ResumeMode.AUTO), SamplingListener.NONE));
        assertTrue(e.getMessage().contains("model"), e.getMessage());
    }

    @Test
    void aFreshRunNeverStartsOverAnInterruptedRunsCheckpoint(@TempDir Path tmp) throws Exception {
        SparkSession spark = SparkTestSession.get();
        SamplerConfig cfg = TestJobs.config(GAUSS.dim(), 5);
        Path ck = Files.createDirectories(tmp.resolve("mine"));
        Files.writeString(ck.resolve("precious.txt"), "the user's");
        SamplingListener crash = new SamplingListener() {
            @Override
            public void onStageEnd(int stage, int stageCount, StageTrace trace, double[] state) {
                throw new Crash();
            }
        };
        assertThrows(Crash.class, () -> run(spark, GAUSS, cfg, 0, 2, settings("time", 2, ck, false), crash));
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> run(spark, GAUSS, cfg, 0, 2, settings("time", 2, ck, false), SamplingListener.NONE));
        assertTrue(e.getMessage().contains("holds the checkpoint of an interrupted run"), e.getMessage());
        assertTrue(Files.exists(ck.resolve(Checkpoints.fileName(0))), "the interrupted run's checkpoint is kept");
        // Resumed to the end, then cleaned up: only the checkpoint files go, the user's file and directory stay.
        SparkRun.Outcome r = run(spark, GAUSS, cfg, 0, 2, settings("time", 2, ck, ResumeMode.AUTO), SamplingListener.NONE);
        r.checkpoints.cleanUp();
        try (Stream<Path> files = Files.list(ck)) {
            assertEquals(java.util.List.of("precious.txt"), files.map(f -> f.getFileName().toString()).toList());
        }
    }

    @Test
    void resumeAutoWithoutCheckpointStartsFromTheFirstBlockAndResumeOnRefuses(@TempDir Path tmp) {
        SparkSession spark = SparkTestSession.get();
        SamplerConfig cfg = TestJobs.config(GAUSS.dim(), 9);
        InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> run(spark, GAUSS, cfg, 0, 2,
                settings("samples", 2, tmp.resolve("none"), ResumeMode.ON), SamplingListener.NONE));
        assertTrue(e.getMessage().contains("there is no checkpoint"), e.getMessage());
        SparkRun.Outcome r = run(spark, GAUSS, cfg, 0, 2,
                settings("samples", 2, tmp.resolve("none"), ResumeMode.AUTO), SamplingListener.NONE);
        assertNull(r.resumedAfterBlocks);
        TestJobs.assertBitwiseEqual(TestJobs.local(GAUSS, "piadm-sde", cfg, 0, 2), TestJobs.rows(r.result), "fresh");
    }

    @Test
    void parquetHoldsOneRowPerSampleInIdOrder(@TempDir Path tmp) throws Exception {
        SparkSession spark = SparkTestSession.get();
        int count = 7;
        int d = 3;
        double[] rows = new double[count * d];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = Math.scalb(1.0 + i, -i) * (i % 2 == 0 ? 1 : -1) + 1e-300 * i;
        }
        // A directory name with a space, a per-cent sign and a non-ASCII letter must not be re-encoded.
        Path dir = Files.createDirectories(tmp.resolve("my out %20 dír"));
        org.apache.hadoop.fs.Path hp = new org.apache.hadoop.fs.Path(dir.resolve("samples.parquet").toUri());
        String path = hp.toString();
        ParquetSamples.write(spark, rows, 40, count, d, hp, 3);
        assertTrue(Files.isDirectory(dir.resolve("samples.parquet")), "written where asked, not in an encoded twin");
        assertFalse(Files.exists(dir.resolve(".samples.parquet.tmp")), "temp directory renamed away");
        assertEquals("struct<id:bigint,vector:array<double>>", spark.read().parquet(path).schema().simpleString());
        TestJobs.assertBitwiseEqual(rows, ParquetSamples.read(spark, path, 40, count, d), "parquet round trip");
        // The driver's streaming reader: the parts in partition order give the ids in order, bit for bit;
        // a table that is not the expected one fails loudly.
        org.apache.hadoop.conf.Configuration conf = spark.sparkContext().hadoopConfiguration();
        double[] streamed = new double[count * d];
        long[] next = {40};
        ParquetRowReader.forEachRow(conf, hp, 40, count, d, (id, v, off) -> {
            assertEquals(next[0]++, id);
            System.arraycopy(v, off, streamed, (int) (id - 40) * d, d);
        });
        TestJobs.assertBitwiseEqual(rows, streamed, "streamed in id order");
        java.io.IOException wrong = assertThrows(java.io.IOException.class,
                () -> ParquetRowReader.forEachRow(conf, hp, 41, count, d, (id, v, off) -> { }));
        assertTrue(wrong.getMessage().contains("has id 40 where id 41 was expected"), wrong.getMessage());
        assertTrue(assertThrows(java.io.IOException.class, () -> ParquetRowReader.forEachRow(conf, hp, 40, count - 1, d,
                (id, v, off) -> { })).getMessage().contains("holds more than 6 rows"));
        assertTrue(assertThrows(java.io.IOException.class, () -> ParquetRowReader.forEachRow(conf, hp, 40, count, d + 1,
                (id, v, off) -> { })).getMessage().contains("has 3 values, expected 4"));
        assertThrows(IllegalStateException.class, () -> ParquetSamples.write(spark, rows, 40, count, d, hp, 3));
    }

    /**
     * The wavefront (docs/ALGORITHMS.md section 6b) is one stage: its rounds go through the time-parallel
     * evaluator unchanged, sample-parallel tasks run it whole, and a run interrupted after its one checkpoint
     * resumes to the same samples and the same per-round trace.
     */
    @Test
    void theWavefrontRunsInEitherModeAndResumesFromItsOneStage(@TempDir Path tmp) throws Exception {
        SparkSession spark = SparkTestSession.get();
        SamplerConfig base = TestJobs.config(GAUSS.dim(), 13);
        SamplerConfig cfg = base.withPicard(base.picard().withScheme(io.piadm.sampler.PicardOptions.Scheme.WAVEFRONT)
                .withAnderson(3).withFrozenFront(true).withWarmStart(true));
        int count = 5;
        double[] local = TestJobs.local(GAUSS, "piadm-sde", cfg, 2, count);
        SparkRun.Outcome time = run(spark, GAUSS, cfg, 2, count, settings("time", 3, null, false), SamplingListener.NONE);
        TestJobs.assertBitwiseEqual(local, time.result.samples(), "wavefront time-parallel");
        assertEquals(1, time.result.stages().size(), "one stage");
        assertTrue(time.result.stages().get(0).roundLog() != null, "with its round log");
        SparkRun.Outcome samples = run(spark, GAUSS, cfg, 2, count, 2, settings("samples", 2, null, false),
                SamplingListener.NONE);
        TestJobs.assertBitwiseEqual(local, TestJobs.rows(samples.result), "wavefront sample-parallel");
        assertEquals(time.result.rounds(), samples.result.rounds());
        Path ck = tmp.resolve("ck");
        SamplingListener crash = new SamplingListener() {
            @Override
            public void onStageEnd(int stage, int stageCount, StageTrace trace, double[] state) {
                throw new Crash();
            }
        };
        assertThrows(Crash.class, () -> run(spark, GAUSS, cfg, 2, count, settings("time", 2, ck, false), crash));
        // A checkpoint resumes in the placement that wrote it (time-parallel here).
        SparkRun.Outcome resumed = run(spark, GAUSS, cfg, 2, count, settings("time", 2, ck, true), SamplingListener.NONE);
        TestJobs.assertBitwiseEqual(local, TestJobs.rows(resumed.result), "wavefront resumed");
        io.piadm.sampler.RoundLog a = time.result.stages().get(0).roundLog();
        io.piadm.sampler.RoundLog b = resumed.result.stages().get(0).roundLog();
        assertEquals(a.rounds(), b.rounds(), "the round trace survives the checkpoint");
        for (int r = 0; r < a.rounds(); r++) {
            assertArrayEquals(a.active(r), b.active(r));
            assertArrayEquals(a.residuals(r), b.residuals(r), 0.0);
        }
    }
}
