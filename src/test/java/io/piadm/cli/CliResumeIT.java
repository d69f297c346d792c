package io.piadm.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.piadm.io.Npy;
import io.piadm.io.RunJson;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The product path of checkpoint/resume: {@code piadm sample} in its own JVM is killed with SIGKILL after
 * it checkpointed its second block, then {@code piadm sample --resume} finishes the job; the samples equal
 * an uninterrupted run bit for bit, and the killed run left no output directory behind.
 */
@Tag("integration")
class CliResumeIT {
    private static final Path ROOT = Path.of("").toAbsolutePath();

    @TempDir
    Path tmp;

    private static final String[] JOB = {"sample", "--model", "gmm:d=32,k=3", "--sampler", "piadm-sde",
        "--samples", "12", "--seed", "77", "--steps-per-block", "96", "--master", "local[2]", "--parallelism", "time"};

    @Test
    void killedDriverResumesToTheSameSamples() throws Exception {
        Path out = tmp.resolve("run");
        Path ckpt = tmp.resolve(".run.checkpoint");
        Process first = piadm(out, false);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
            while (blocksCheckpointed(ckpt) < 2 && first.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(first.isAlive(), "driver still running after its second checkpoint");
            first.destroyForcibly(); // SIGKILL
            assertTrue(first.waitFor(30, TimeUnit.SECONDS));
        } finally {
            first.destroyForcibly();
        }
        assertFalse(Files.exists(out), "the killed run left no output directory");
        Process second = piadm(out, true);
        String log = new String(second.getInputStream().readAllBytes());
        assertTrue(second.waitFor(240, TimeUnit.SECONDS), "resumed run finished");
        assertEquals(0, second.exitValue(), log);
        Number after = RunJson.read(out.resolve("run.json")).path("backend").path("resumedAfterBlocks").numberValue();
        assertTrue(after != null && after.intValue() >= 2, "resumed after block " + after);

        List<String> args = new ArrayList<>(List.of(JOB));
        args.addAll(List.of("--out", tmp.resolve("uninterrupted").toString()));
        MainTest.Run ref = MainTest.exec(args.toArray(new String[0]));
        assertEquals(0, ref.rc, ref.err);
        double[] a = Npy.read(tmp.resolve("uninterrupted/samples.npy")).data;
        double[] b = Npy.read(out.resolve("samples.npy")).data;
        assertArrayEquals(a, b, 0.0, "resumed samples equal the uninterrupted run's");
    }

    private static final String[] RESIDENT = {"sample", "--model", "gmm:d=32,k=3", "--sampler", "piadm-sde",
        "--samples", "16", "--seed", "78", "--steps-per-block", "96", "--master", "local[2]", "--parallelism", "samples",
        "--partitions", "4"};

    /**
     * The same in the executor-resident mode: the chunks checkpoint themselves; the process is killed once a
     * chunk has checkpointed its second block; {@code --resume} continues every chunk from its own newest
     * checkpoint (run.json says which, after which block) and gives the local backend's samples.
     */
    @Test
    void killedResidentRunResumesEachChunkFromItsOwnCheckpoint() throws Exception {
        Path out = tmp.resolve("resident");
        Path ckpt = tmp.resolve(".resident.checkpoint");
        Process first = piadm(RESIDENT, out, false);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
            while (maxChunkBlocks(ckpt) < 2 && first.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(first.isAlive(), "driver still running after a chunk's second checkpoint");
            first.destroyForcibly(); // SIGKILL
            assertTrue(first.waitFor(30, TimeUnit.SECONDS));
        } finally {
            first.destroyForcibly();
        }
        assertFalse(Files.exists(out), "the killed run left no output directory");
        Process second = piadm(RESIDENT, out, true);
        String log = new String(second.getInputStream().readAllBytes());
        assertTrue(second.waitFor(240, TimeUnit.SECONDS), "resumed run finished");
        assertEquals(0, second.exitValue(), log);
        com.fasterxml.jackson.databind.JsonNode chunks = RunJson.read(out.resolve("run.json")).path("backend")
                .path("sampleChunks");
        assertTrue(chunks.path("chunksResumedFromCheckpoint").asInt() >= 1, chunks.toString());
        int best = 0;
        for (com.fasterxml.jackson.databind.JsonNode c : chunks.path("resumedChunks")) {
            best = Math.max(best, c.path("resumedAfterBlocks").asInt());
        }
        assertTrue(best >= 2, "a chunk continued after its block " + best + ": " + chunks);
        assertFalse(Files.exists(ckpt), "checkpoints removed after the commit");

        List<String> args = new ArrayList<>(List.of(RESIDENT).subList(0, 11));
        args.addAll(List.of("--backend", "local", "--out", tmp.resolve("local").toString()));
        MainTest.Run ref = MainTest.exec(args.toArray(new String[0]));
        assertEquals(0, ref.rc, ref.err);
        assertArrayEquals(Npy.read(tmp.resolve("local/samples.npy")).data, Npy.read(out.resolve("samples.npy")).data, 0.0,
                "resumed resident samples equal the local backend's");
    }

    /** The most blocks any chunk has checkpointed. */
    private static int maxChunkBlocks(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.matches("chunk-\\d+-block-\\d+\\.ckpt"))
                    .mapToInt(n -> Integer.parseInt(n.replaceAll(".*-block-(\\d+)\\.ckpt", "$1")) + 1).max().orElse(0);
        }
    }

    private static int blocksCheckpointed(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.matches("block-\\d+\\.ckpt"))
                    .mapToInt(n -> Integer.parseInt(n.replaceAll("\\D", "")) + 1).max().orElse(0);
        }
    }

    private static Process piadm(Path out, boolean resume) throws Exception {
        return piadm(JOB, out, resume);
    }

    private static Process piadm(String[] job, Path out, boolean resume) throws Exception {
        String cp = ROOT.resolve("target/classes") + ":" + Files.readString(ROOT.resolve("target/classpath.txt")).trim();
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx1g");
        cmd.add("-Dlog4j2.configurationFile=" + ROOT.resolve("conf/log4j2.properties"));
        cmd.addAll(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens") || a.startsWith("--add-modules") || a.startsWith("-XX:+Ignore")
                        || a.startsWith("-Dio.netty") || a.startsWith("-Djdk.reflect"))
                .toList());
        cmd.addAll(List.of("-cp", cp, "io.piadm.cli.Main"));
        cmd.addAll(List.of(job));
        cmd.addAll(List.of("--out", out.toString()));
        if (resume) {
            cmd.add("--resume");
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        return pb.start();
    }
}
