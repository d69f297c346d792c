package io.piadm.spark;

import io.piadm.eval.RoundInfo;
import io.piadm.model.DiagonalGaussian;
import io.piadm.model.ModelSpec;
import io.piadm.model.ScoreErrorModel;
import io.piadm.sampler.SamplerConfig;
import io.piadm.sampler.SamplingListener;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A real standalone cluster (master + 2 workers, separate JVMs, started by our script). */
@Tag("integration")
class StandaloneClusterIT {
    private static StandaloneCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        SparkTestSession.stop();
        cluster = new StandaloneCluster(2);
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            List<ProcessHandle> started = cluster.processes();
            cluster.close();
            for (ProcessHandle h : started) {
                assertFalse(h.isAlive(), "process " + h.pid() + " left running");
            }
        }
    }

    /** Executor side: the GPU addresses Spark assigned to this task. */
    static final class GpuOfTask implements Function<Integer, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String call(Integer k) {
            return String.join(",", ExecutorResources.gpuAddresses());
        }
    }

    @Test
    void clusterGivesTheLocalSamplesAndTasksSeeTheirGpu() {
        ModelSpec spec = new DiagonalGaussian(new double[] {0.5, -1.5}, new double[] {0.4, 0.9});
        SamplerConfig cfg = TestJobs.config(spec.dim(), 77);
        int count = 4;
        double[] local = TestJobs.local(spec, "piadm-sde", cfg, 10, count);
        SparkSession spark = SparkSessions.getOrCreate(cluster.options()
                .conf("spark.executor.resource.gpu.amount", "1").conf("spark.task.resource.gpu.amount", "1"));
        try {
            for (String mode : new String[] {"time", "samples"}) {
                SparkSettings s = new SparkSettings(null, 3, mode, io.piadm.job.ResumeMode.OFF, null);
                SparkRun.Outcome o = SparkRun.run(spark, TestJobs.job(spec, "piadm-sde", cfg, 10, count, count), s,
                        SamplingListener.NONE);
                assertTrue(o.master.startsWith("spark://127.0.0.1:"));
                TestJobs.assertBitwiseEqual(local, TestJobs.rows(o.result), "standalone " + mode);
            }
            JavaSparkContext sc = SparkSessions.javaContext(spark);
            List<Integer> idx = List.of(0, 1, 2, 3, 4, 5);
            for (String gpu : sc.parallelize(idx, 6).map(new GpuOfTask()).collect()) {
                assertTrue(Set.of("5", "7").contains(gpu), "one fake GPU address per task, got '" + gpu + "'");
            }
            // The address reaches the model builder: the echo model scores with it, also when a wrapper
            // (a score-error spec, as in onnx:...,score-error=...) builds it.
            for (ModelSpec echo : List.of(new GpuEchoSpec(), new ScoreErrorModel(new GpuEchoSpec(), 0.0, 0))) {
                double[] out = new double[6];
                try (SparkTimeEvaluator ev = new SparkTimeEvaluator(sc, echo, 6, 1)) {
                    ev.evaluate(new RoundInfo("echo", 0, "gpu", 1), new double[6], new double[] {1, 1, 1, 1, 1, 1}, 6,
                            out);
                }
                for (double v : out) {
                    assertTrue(v == 5 || v == 7, echo.id() + ": model built with the task's GPU, got " + v);
                }
            }
        } finally {
            spark.stop();
        }
    }

    @Test
    void anExecutorKilledMidJobStillGivesTheSameSamples() throws Exception {
        ModelSpec spec = ClusterDriverMain.SPEC;
        SamplerConfig cfg = ClusterDriverMain.config();
        int count = ClusterDriverMain.COUNT;
        double[] local = TestJobs.local(spec, "piadm-sde", cfg, 0, count);
        SparkSession spark = SparkSessions.getOrCreate(cluster.options());
        AtomicLong killed = new AtomicLong(-1);
        try {
            SparkSettings s = new SparkSettings(null, 2, "time", io.piadm.job.ResumeMode.OFF, null);
            SamplingListener killer = new SamplingListener() {
                int rounds;

                @Override
                public void onSweep(RoundInfo round, double residual, int active, int rows) {
                    if (++rounds == 6) {
                        try {
                            List<ProcessHandle> ex = cluster.executors();
                            assertFalse(ex.isEmpty(), "executors running");
                            ProcessHandle victim = ex.get(0);
                            victim.destroyForcibly(); // SIGKILL, by PID
                            victim.onExit().get(30, TimeUnit.SECONDS);
                            killed.set(victim.pid());
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }
                }
            };
            SparkRun.Outcome o = SparkRun.run(spark, TestJobs.job(spec, "piadm-sde", cfg, 0, count, count), s, killer);
            assertTrue(killed.get() > 0, "an executor was killed mid-job");
            assertTrue(o.result.rounds() > 6, "the job went on after the kill");
            assertTrue(o.evaluator.contains("transport=service"), "rounds went through the score service: " + o.evaluator);
            TestJobs.assertBitwiseEqual(local, o.result.samples(), "after kill -9 of executor " + killed.get());
        } finally {
            spark.stop();
        }
    }

    /**
     * Executor-resident mode: 2 chunks on 2 single-core executors, a slowed model; once each chunk has
     * checkpointed its third block, one executor JVM is killed with SIGKILL. Spark reruns the lost task; the
     * chunk continues from its own checkpoint (not from block 1), and the samples equal the local backend's.
     */
    /** The newest block checkpoint of a chunk in {@code dir} ({@code chunk-CCCCC-block-BBBBB.ckpt}), or -1. */
    private static int newestBlock(Path dir, int chunk) {
        String prefix = String.format("chunk-%05d-block-", chunk);
        int newest = -1;
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                String n = p.getFileName().toString();
                if (n.startsWith(prefix) && n.endsWith(".ckpt")) {
                    newest = Math.max(newest, Integer.parseInt(n.substring(prefix.length(), n.length() - 5)));
                }
            }
        } catch (java.io.IOException | java.io.UncheckedIOException | NumberFormatException e) {
            return newest; // not there yet, or a file renamed away while listing
        }
        return newest;
    }

    @Test
    void anExecutorKilledMidRunInTheResidentModeResumesItsChunkFromItsOwnCheckpoint(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        ModelSpec spec = new FaultySpec(ClusterDriverMain.SPEC, 60, 0, 0, 0);
        SamplerConfig cfg = ClusterDriverMain.config();
        int count = 4;
        int blocks = cfg.schedule().blockCount();
        double[] local = TestJobs.local(ClusterDriverMain.SPEC, "sde", cfg, 0, count);
        Path ck = dir.resolve("ckpt");
        SparkSession spark = SparkSessions.getOrCreate(cluster.options());
        AtomicLong killed = new AtomicLong(-1);
        Thread killer = new Thread(() -> {
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
                // Both chunks past their third block (only the newest two checkpoints of a chunk are kept, so
                // look for any block >= 2, not for block 2 itself: one chunk may run ahead of the other).
                while (System.nanoTime() < deadline && !(newestBlock(ck, 0) >= 2 && newestBlock(ck, 1) >= 2)) {
                    Thread.sleep(10);
                }
                List<ProcessHandle> ex = cluster.executors();
                boolean finished = newestBlock(ck, 0) >= blocks - 1 || newestBlock(ck, 1) >= blocks - 1;
                if (!ex.isEmpty() && !finished) {
                    ProcessHandle victim = ex.get(0);
                    victim.destroyForcibly(); // SIGKILL, by PID
                    victim.onExit().get(30, TimeUnit.SECONDS);
                    killed.set(victim.pid());
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "executor-killer");
        try {
            killer.start();
            SparkSettings s = new SparkSettings(null, 2, "samples", io.piadm.job.ResumeMode.OFF, ck.toUri().toString());
            SparkRun.Outcome o = SparkRun.run(spark, TestJobs.job(spec, "sde", cfg, 0, count, count), s,
                    SamplingListener.NONE);
            killer.join(TimeUnit.SECONDS.toMillis(60));
            assertTrue(killed.get() > 0, "an executor was killed mid-run");
            TestJobs.assertBitwiseEqual(local, TestJobs.rows(o.result), "after kill -9 of executor " + killed.get());
            @SuppressWarnings("unchecked")
            java.util.Map<String, Object> c = (java.util.Map<String, Object>) o.describe().get("sampleChunks");
            assertEquals(1, c.get("chunksRetried"), c.toString());
            assertEquals(1, c.get("chunksResumedFromCheckpoint"), c.toString());
            java.util.Map<?, ?> r = (java.util.Map<?, ?>) ((List<?>) c.get("resumedChunks")).get(0);
            int after = (Integer) r.get("resumedAfterBlocks");
            assertTrue(after >= 3 && after < blocks, "the retried chunk continued after block " + after + " of " + blocks
                    + ", not from block 1: " + r);
            assertTrue((Integer) r.get("taskAttempt") >= 1, r.toString());
            System.out.println("resident executor kill: killed " + killed.get() + ", " + r);
            o.cleanUpCheckpoints();
        } finally {
            killer.interrupt();
            spark.stop();
        }
    }

    @Test
    void aDriverKilledMidJobResumesToTheSameSamples() throws Exception {
        Path dir = Files.createTempDirectory("piadm-driver-kill");
        Path ck = dir.resolve("ckpt");
        Path out = dir.resolve("samples.bin");
        double[] local = TestJobs.local(ClusterDriverMain.SPEC, "piadm-sde", ClusterDriverMain.config(), 0,
                ClusterDriverMain.COUNT);
        Process first = driver(ck, out, "fresh");
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
            while (!Files.exists(ck.resolve(io.piadm.checkpoint.Checkpoints.fileName(1))) && first.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(first.isAlive(), "driver still running when block 2 is checkpointed");
            first.destroyForcibly();
            first.waitFor(30, TimeUnit.SECONDS);
        } finally {
            first.destroyForcibly();
        }
        assertFalse(Files.exists(out), "the killed driver wrote no samples");
        Process second = driver(ck, out, "resume");
        String log = new String(second.getInputStream().readAllBytes());
        assertTrue(second.waitFor(150, TimeUnit.SECONDS), "resumed driver finished");
        assertEquals(0, second.exitValue(), log);
        int after = Integer.parseInt(log.replaceAll("(?s).*resumedAfterBlocks=(\\d+).*", "$1"));
        assertTrue(after >= 2, "resumed after block " + after);
        double[] got = new double[local.length];
        try (DataInputStream in = new DataInputStream(Files.newInputStream(out))) {
            for (int i = 0; i < got.length; i++) {
                got[i] = Double.longBitsToDouble(in.readLong());
            }
        }
        TestJobs.assertBitwiseEqual(local, got, "resumed after driver kill");
    }

    private static Process driver(Path ck, Path out, String mode) throws Exception {
        String cp = StandaloneCluster.ROOT.resolve("target/test-classes") + ":" + StandaloneCluster.ROOT.resolve("target/classes")
                + ":" + Files.readString(StandaloneCluster.ROOT.resolve("target/classpath.txt")).trim();
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx1g");
        cmd.add("-Dlog4j2.configurationFile=" + StandaloneCluster.ROOT.resolve("conf/log4j2.properties"));
        // Spark's module flags, as Surefire gave them to this JVM.
        cmd.addAll(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens") || a.startsWith("--add-modules") || a.startsWith("-XX:+Ignore")
                        || a.startsWith("-Dio.netty") || a.startsWith("-Djdk.reflect"))
                .toList());
        cmd.addAll(List.of("-cp", cp, ClusterDriverMain.class.getName(), cluster.master, cluster.appJar.toString(),
                ck.toUri().toString(), out.toString(), mode));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        return pb.start();
    }
}
