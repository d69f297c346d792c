package io.piadm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.piadm.io.RunJson;

import org.apache.hadoop.fs.FileStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.FileNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code piadm sample} on a real YARN + HDFS cluster ({@code scripts/yarn-minicluster.sh}: ResourceManager,
 * NodeManager, NameNode and DataNode from Hadoop's minicluster), submitted by {@code scripts/submit-yarn.sh}
 * in cluster deploy mode through Spark's own SparkSubmit from the Maven jars (no Spark installed). Every job
 * is the same sampling job, so each must give the local run's samples.npy byte for byte: plainly; with an
 * executor container killed mid-run; with the GPU configuration (YARN told about yarn.io/gpu, a fake
 * discovery script); and with the ApplicationMaster (the driver) killed after a checkpoint, YARN's second
 * attempt resuming from HDFS with {@code --resume auto}. One cluster serves the whole class.
 */
@Tag("integration")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class YarnClusterIT {
    private static final String[] JOB = {"sample", "--model", "gmm:d=16,k=4", "--sampler", "piadm-sde",
        "--samples", "64", "--seed", "3"};
    private static final String EXECUTOR = "org.apache.spark.executor.YarnCoarseGrainedExecutorBackend";
    private static final String AM = "org.apache.spark.deploy.yarn.ApplicationMaster";
    private static final int FAKE_GPUS = 2;

    @TempDir
    static Path tmp;

    private static YarnMiniCluster cluster;
    private static Path appJar;
    private static byte[] localSamples;

    @BeforeAll
    static void start() throws Exception {
        appJar = YarnMiniCluster.appJar();
        // The local reference: the same command as scripts/piadm runs, in this JVM, on the local backend.
        List<String> args = new ArrayList<>(List.of(JOB));
        args.addAll(List.of("--backend", "local", "--out", tmp.resolve("local").toString()));
        MainTest.Run ref = MainTest.exec(args.toArray(new String[0]));
        assertEquals(0, ref.rc, ref.err);
        localSamples = Files.readAllBytes(tmp.resolve("local/samples.npy"));
        long t0 = System.nanoTime();
        YarnMiniCluster.stopLeftover(YarnMiniCluster.ROOT.resolve("target/yarn-it"));
        cluster = new YarnMiniCluster(YarnMiniCluster.ROOT.resolve("target/yarn-it"), FAKE_GPUS);
        System.err.printf("YarnClusterIT: minicluster up in %.1f s%n", (System.nanoTime() - t0) / 1e9);
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close(); // waits for every process it saw (minicluster, containers) to be gone
        }
    }

    @Test
    @Order(1)
    void clusterModeJobWritesHdfsOutputsAndCheckpointsAndGivesTheLocalSamples() throws Exception {
        // The first submission also stages Spark's Maven jars on HDFS (submit-yarn.sh's default without a
        // Spark installation); the later ones reuse them.
        Job job = new Job("run1", Map.of(), List.of());
        job.start();
        job.watch.awaitEnd();
        job.assertSucceeded();
        assertTrue(job.watch.seen.get() >= 1, "block checkpoints appeared on HDFS under " + job.checkpointDir());
        Path got = job.fetch();
        assertEquals(-1, mismatch(got.resolve("samples.npy")), "samples.npy equals the local run's byte for byte");
        JsonNode run = RunJson.read(got.resolve("run.json"));
        assertEquals("yarn", run.path("backend").path("master").asText(), run.toString());
        assertTrue(run.path("backend").path("checkpointDir").asText().startsWith("hdfs:"), run.toString());
        assertTrue(Files.isDirectory(got.resolve("samples.parquet")), "Spark wrote samples.parquet to HDFS");
    }

    @Test
    @Order(2)
    void anExecutorContainerKilledMidRunIsSurvived() throws Exception {
        Job job = new Job("executor-kill", Map.of(), List.of());
        job.start();
        assertTrue(job.watch.awaitCheckpoints(1), "a first block checkpoint on HDFS while the job runs\n" + job.tail());
        List<ProcessHandle> executors = cluster.containers(EXECUTOR);
        assertFalse(executors.isEmpty(), "executor containers running");
        ProcessHandle victim = executors.get(0);
        String victimContainer = YarnMiniCluster.containerId(victim);
        int before = job.watch.seen.get();
        victim.destroyForcibly(); // SIGKILL, by PID
        victim.onExit().get(30, TimeUnit.SECONDS);
        job.watch.awaitEnd();
        job.assertSucceeded();
        Path got = job.fetch();
        int blocks = RunJson.read(got.resolve("run.json")).path("blocks").size();
        assertTrue(before < blocks, "killed after " + before + " of " + blocks + " blocks: mid-run");
        String am = job.amLog();
        // Spark's scheduler logs the loss (an ERROR, so it passes the WARN log configuration) with YARN's reason.
        assertTrue(Pattern.compile("Lost executor \\S+ on .*" + victimContainer).matcher(am).find(),
                "the driver noticed the loss of " + victimContainer + ":\n" + am);
        assertEquals(-1, mismatch(got.resolve("samples.npy")), "same samples after kill -9 of " + victimContainer);
    }

    @Test
    @Order(3)
    void theGpuConfigurationIsAcceptedAndYarnAllocatesGpus() throws Exception {
        // A fake discovery script, shipped by submit-yarn.sh --gpu with --files: it records the container it
        // ran in and reports two addresses, as the standalone test's fake does.
        Path dir = Files.createDirectories(tmp.resolve("gpu"));
        Path calls = dir.resolve("calls.log");
        Path fake = dir.resolve("getGpusResources.sh");
        Files.writeString(fake, "#!/bin/sh\necho \"${CONTAINER_ID:-none}\" >> '" + calls + "'\n"
                + "echo '{\"name\":\"gpu\",\"addresses\":[\"5\",\"7\"]}'\n");
        assertTrue(fake.toFile().setExecutable(true));
        Job job = new Job("gpu", Map.of("GPU_DISCOVERY_SCRIPT", fake.toString()), List.of("--gpu"));
        job.start();
        job.watch.awaitEnd();
        job.assertSucceeded();
        // YARN scheduled the executors' yarn.io/gpu (the minicluster advertises FAKE_GPUS of them) ...
        JsonNode secs = job.app().path("resourceSecondsMap").path("entry");
        long gpuSeconds = 0;
        for (JsonNode e : secs) {
            if (e.path("key").asText().equals("yarn.io/gpu")) {
                gpuSeconds = e.path("value").asLong();
            }
        }
        assertTrue(gpuSeconds > 0, "YARN allocated yarn.io/gpu to the application's containers: " + secs);
        String am = job.amLog();
        assertFalse(am.contains("YARN doesn't know about resource"), am);
        // ... the discovery script ran in each executor container, not in the driver's ...
        Set<String> ran = new HashSet<>(Files.readAllLines(calls));
        String amContainer = job.amContainer();
        assertTrue(ran.size() >= 2 && !ran.contains(amContainer) && ran.stream().allMatch(c -> c.contains(job.appSuffix())),
                "discovery ran in the executor containers of " + job.appId + ": " + ran);
        // ... and Spark's scheduler counted GPU task slots (the planner's reason says so).
        Path got = job.fetch();
        JsonNode run = RunJson.read(got.resolve("run.json"));
        JsonNode plan = run.path("backend").path("parallelism");
        assertTrue(plan.path("planner").path("gpuSlots").asInt() > 0, "planner counted GPU slots: " + plan);
        assertEquals(plan.path("planner").path("gpuSlots").asInt(), plan.path("planner").path("taskSlotsUsed").asInt(),
                "the predictions use the GPU slots: " + plan);
        assertEquals(-1, mismatch(got.resolve("samples.npy")), "GPU scheduling does not change the samples");
    }

    @Test
    @Order(4)
    void theApplicationMasterKilledAfterACheckpointIsResumedByYarnsSecondAttempt() throws Exception {
        assumeTrue(resumeTakesAMode(), "piadm sample has no '--resume auto' yet (the lead adds it on main): "
                + "the YARN re-attempt test needs it and is skipped");
        Job job = new Job("am-kill", Map.of(), List.of("--conf", "spark.yarn.maxAppAttempts=2"), "--resume", "auto");
        job.start();
        assertTrue(job.watch.awaitCheckpoints(1), "a first block checkpoint on HDFS\n" + job.tail());
        List<ProcessHandle> ams = cluster.containers(AM);
        assertEquals(1, ams.size(), "one ApplicationMaster (driver) running");
        int before = job.watch.seen.get();
        ams.get(0).destroyForcibly(); // SIGKILL of the driver, by PID
        ams.get(0).onExit().get(30, TimeUnit.SECONDS);
        assertFalse(cluster.fs().exists(new org.apache.hadoop.fs.Path(job.hdfsPath())), "no output yet");
        job.watch.awaitEnd();
        job.assertSucceeded();
        JsonNode attempts = cluster.rest("/ws/v1/cluster/apps/" + job.appId + "/appattempts")
                .path("appAttempts").path("appAttempt");
        assertEquals(2, attempts.size(), "YARN ran a second attempt: " + attempts);
        Path got = job.fetch();
        JsonNode run = RunJson.read(got.resolve("run.json"));
        int blocks = run.path("blocks").size();
        assertTrue(run.path("backend").path("resumed").asBoolean(false), "run.json says it resumed: " + run.path("backend"));
        JsonNode resumed = run.path("backend").path("resumedAfterBlocks");
        JsonNode chunks = run.path("backend").path("sampleChunks");
        if (chunks.isObject()) {
            // Sample-parallel: every chunk continued from its own checkpoint on HDFS; the furthest one after
            // at least the blocks seen before the kill.
            int furthest = 0;
            for (JsonNode c : chunks.path("resumedChunks")) {
                furthest = Math.max(furthest, c.path("resumedAfterBlocks").asInt());
            }
            assertTrue(chunks.path("chunksResumedFromCheckpoint").asInt() >= 1 && furthest >= before,
                    "run.json says the second attempt's chunks resumed from their checkpoints (furthest after block "
                            + furthest + ", killed after " + before + "): " + chunks);
        } else {
            assertTrue(resumed.isInt() && resumed.asInt() >= before && resumed.asInt() < blocks,
                    "run.json says the second attempt resumed after block " + resumed + " (killed after " + before
                            + " checkpoints of " + blocks + " blocks): " + run.path("backend"));
        }
        assertEquals(-1, mismatch(got.resolve("samples.npy")), "resumed samples equal the uninterrupted run's");
    }

    /** Whether {@code piadm sample --resume} takes a mode ({@code --resume auto}). */
    private static boolean resumeTakesAMode() {
        CommandLine.Model.OptionSpec o = Main.commandLine().getSubcommands().get("sample").getCommandSpec()
                .findOption("--resume");
        return o != null && o.arity().max() >= 1;
    }

    private static long mismatch(Path samples) throws Exception {
        Path ref = tmp.resolve("local/samples.npy");
        assertEquals(localSamples.length, Files.size(samples), "samples.npy size");
        return Files.mismatch(ref, samples);
    }

    /** One submit-yarn.sh run of JOB into hdfs:///user/USER/NAME, watched from HDFS and YARN. */
    private static final class Job {
        final String name;
        final String tag;
        final Map<String, String> env;
        final List<String> submitOptions;
        final List<String> extra;
        final Path log;
        Process process;
        CheckpointWatch watch;
        String appId;
        long started;

        Job(String name, Map<String, String> env, List<String> submitOptions, String... extra) {
            this.name = name;
            this.tag = "piadm-it-" + name + "-" + System.nanoTime();
            this.env = env;
            this.submitOptions = submitOptions;
            this.extra = List.of(extra);
            this.log = tmp.resolve(name + ".submit.log");
        }

        String hdfsPath() {
            return "/user/" + cluster.user + "/" + name;
        }

        String checkpointDir() {
            return "/user/" + cluster.user + "/." + name + ".checkpoint";
        }

        void start() throws Exception {
            List<String> cmd = new ArrayList<>(List.of("bash", YarnMiniCluster.ROOT.resolve("scripts/submit-yarn.sh").toString()));
            cmd.addAll(submitOptions);
            // Small containers (AM 1 GiB + 2 executors of 1 GiB fit the NodeManager's 8 GiB); one attempt
            // unless the test asks for more; a tag to find the application in the ResourceManager.
            for (String c : new String[] {"spark.driver.memory=1g", "spark.executor.memory=1g",
                "spark.yarn.tags=" + tag, "spark.ui.enabled=false"}) {
                cmd.addAll(List.of("--conf", c));
            }
            if (!String.join(" ", submitOptions).contains("maxAppAttempts")) {
                cmd.addAll(List.of("--conf", "spark.yarn.maxAppAttempts=1"));
            }
            cmd.add("--");
            cmd.addAll(List.of(JOB));
            cmd.addAll(List.of("--out", "hdfs://" + hdfsPath()));
            cmd.addAll(extra);
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(YarnMiniCluster.ROOT.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().remove("SPARK_HOME"); // no Spark installation: SparkSubmit from the Maven jars
            pb.environment().put("HADOOP_CONF_DIR", cluster.conf.toString());
            pb.environment().put("PIADM_JAR", appJar.toString());
            pb.environment().putAll(env);
            started = System.nanoTime();
            process = pb.start();
            watch = new CheckpointWatch(this);
            watch.start();
        }

        void assertSucceeded() throws Exception {
            assertTrue(process.waitFor(0, TimeUnit.SECONDS), "submit-yarn.sh finished");
            System.err.printf("YarnClusterIT: %s: submit-yarn.sh took %.1f s%n", name, (System.nanoTime() - started) / 1e9);
            JsonNode app = app();
            assertEquals(0, process.exitValue(), tail() + "\n" + amLog());
            assertEquals("FINISHED", app.path("state").asText(), app.toString());
            assertEquals("SUCCEEDED", app.path("finalStatus").asText(), app.toString());
        }

        JsonNode app() throws Exception {
            String tail = tail();
            JsonNode a = cluster.app(tag).orElseThrow(() -> new AssertionError("YARN has no application tagged "
                    + tag + "\n" + tail));
            appId = a.path("id").asText();
            return a;
        }

        /** application_TS_N -> TS_N, the part every container id of the application carries. */
        String appSuffix() {
            return appId.substring("application_".length());
        }

        String amContainer() throws Exception {
            return cluster.containerIds(appId).stream().filter(c -> c.endsWith("_01_000001")).findFirst().orElse("?");
        }

        /** The driver's stderr, of every attempt. */
        String amLog() throws Exception {
            if (appId == null) {
                cluster.app(tag).ifPresent(a -> appId = a.path("id").asText());
            }
            if (appId == null) {
                return "(no application)";
            }
            StringBuilder sb = new StringBuilder();
            for (String c : cluster.containerIds(appId)) {
                if (c.endsWith("_000001")) {
                    sb.append("--- ").append(c).append(" stderr\n").append(cluster.containerLog(appId, c, "stderr"));
                }
            }
            return sb.toString();
        }

        String tail() throws Exception {
            String s = Files.exists(log) ? Files.readString(log) : "";
            return "--- submit-yarn.sh output\n" + (s.length() > 6000 ? s.substring(s.length() - 6000) : s);
        }

        /** The output directory, fetched with Hadoop's FsShell through the script. */
        Path fetch() throws Exception {
            Path dst = tmp.resolve("fetched-" + name);
            cluster.fsShell("-get", "hdfs://" + hdfsPath(), dst.toString());
            return dst;
        }
    }

    /** Polls the job's HDFS checkpoint directory: how many blocks have been checkpointed so far. */
    private static final class CheckpointWatch extends Thread {
        /** The driver's block checkpoints (time-parallel) or any chunk's (sample-parallel, executor-written). */
        private static final Pattern BLOCK = Pattern.compile("(?:chunk-\\d+-)?block-(\\d+)\\.ckpt");
        final Job job;
        final AtomicInteger seen = new AtomicInteger();
        final AtomicBoolean done = new AtomicBoolean();

        CheckpointWatch(Job job) {
            super("checkpoint-watch-" + job.name);
            setDaemon(true);
            this.job = job;
        }

        @Override
        public void run() {
            org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(job.checkpointDir());
            while (job.process.isAlive()) {
                try {
                    for (FileStatus s : cluster.fs().listStatus(dir)) {
                        Matcher m = BLOCK.matcher(s.getPath().getName());
                        if (m.matches()) {
                            seen.accumulateAndGet(Integer.parseInt(m.group(1)) + 1, Math::max);
                        }
                    }
                } catch (FileNotFoundException e) {
                    // not created yet, or already removed after success
                } catch (Exception e) {
                    // the cluster is busy; try again
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
            done.set(true);
        }

        boolean awaitCheckpoints(int n) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(420);
            while (seen.get() < n && job.process.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            return seen.get() >= n && job.process.isAlive();
        }

        void awaitEnd() throws Exception {
            assertTrue(job.process.waitFor(600, TimeUnit.SECONDS), "submit-yarn.sh finished within 10 minutes\n" + job.tail());
            join(10_000);
        }
    }
}
