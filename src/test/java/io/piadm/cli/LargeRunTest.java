package io.piadm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.piadm.io.Npy;
import io.piadm.io.RunJson;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code piadm sample} at scale, kept small: the sample count is a long (bounded by the noise's 32-bit
 * sample key), runs that cannot fit are refused before they start in one line naming the size settings,
 * and the sample-parallel Spark mode writes the local backend's samples through executor-written Parquet
 * parts (samples.npy streamed from them, or skipped beyond --npy-max-size, as run.json says).
 */
class LargeRunTest {
    @TempDir
    Path tmp;

    private static String[] args(Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("sample", "--model", "gaussian:d=3,std=0.5", "--sampler", "sde",
                "--samples", "40", "--seed", "9", "--steps-per-block", "2", "--horizon", "2", "--eta", "0.5",
                "--out", out.toString()));
        for (int i = 0; i < extra.length; i += 2) {
            int at = a.indexOf(extra[i]);
            if (at >= 0) {
                a.set(at + 1, extra[i + 1]); // replaces the default
            } else {
                a.add(extra[i]);
                a.add(extra[i + 1]);
            }
        }
        return a.toArray(new String[0]);
    }

    private void assertNothingWritten() throws Exception {
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of(), s.toList(), "nothing written");
        }
    }

    @Test
    void sampleCountsBeyondTheNoiseKeyOrOneArrayAreRefusedNamingTheSetting() throws Exception {
        MainTest.Run r = MainTest.exec(args(tmp.resolve("a"), "--samples", "4294967297", "--backend", "local"));
        assertEquals(2, r.rc, r.err);
        assertTrue(r.err.contains("--samples must be at most 4294967296 (the counter-based noise keys sample ids by"
                + " 32 bits), got 4294967297"), r.err);
        r = MainTest.exec(args(tmp.resolve("a"), "--samples", "4294967296", "--backend", "local"));
        assertEquals(2, r.rc, r.err);
        assertTrue(r.err.contains("--samples x d must be below 2^31 when the local backend holds every sample in one"
                + " array, got 4294967296 x 3"), r.err);
        assertNothingWritten();
    }

    @Test
    void aLocalRunThatCannotFitIsRefusedBeforeItStartsInOneLine() throws Exception {
        // 2 x 10^6 x 1000 doubles: 16 GB of state twice, far above this test JVM's heap.
        MainTest.Run r = MainTest.exec("sample", "--model", "gaussian:d=1000", "--sampler", "sde", "--samples", "2000000",
                "--seed", "1", "--out", tmp.resolve("b").toString(), "--backend", "local");
        assertEquals(2, r.rc, r.err);
        String line = r.err.strip();
        assertFalse(line.contains("\n"), "one line: " + line);
        assertTrue(line.contains("the run cannot fit in memory: it needs about") && line.contains("in this JVM")
                && line.contains("--samples") && line.contains("--batch-size") && line.contains("--backend spark"), line);
        assertNothingWritten();
    }

    @Test
    void badNpyLimitIsRefused() throws Exception {
        MainTest.Run r = MainTest.exec(args(tmp.resolve("c"), "--npy-max-size", "12q"));
        assertEquals(2, r.rc, r.err);
        assertTrue(r.err.contains("--npy-max-size must be a size >= 0 in bytes, or with k, m, g, t"), r.err);
        assertNothingWritten();
    }

    @Test
    void sampleParallelSparkWritesTheLocalSamplesAndSkipsNpyBeyondItsLimit() throws Exception {
        MainTest.Run local = MainTest.exec(args(tmp.resolve("local"), "--backend", "local"));
        assertEquals(0, local.rc, local.err);
        double[] expected = Npy.read(tmp.resolve("local/samples.npy")).data;

        MainTest.Run spark = MainTest.exec(args(tmp.resolve("spark"), "--master", "local[2]", "--partitions", "3",
                "--parallelism", "samples"));
        assertEquals(0, spark.rc, spark.err);
        assertArrayEquals(expected, Npy.read(tmp.resolve("spark/samples.npy")).data, 0.0,
                "samples.npy streamed from the executors' parts = the local backend's");
        JsonNode j = RunJson.read(tmp.resolve("spark/run.json"));
        assertTrue(j.get("samplesNpy").get("written").asBoolean());
        assertEquals(3, j.get("backend").get("sampleChunks").get("chunks").asInt());
        assertEquals(RunJson.read(tmp.resolve("local/run.json")).get("metrics"), j.get("metrics"),
                "the same subsample, the same metrics");
        assertEquals(40, j.get("metrics").get("subsample").get("rows").asInt());
        assertFalse(Files.exists(tmp.resolve(".spark.checkpoint")), "checkpoints removed after the commit");

        MainTest.Run skipped = MainTest.exec(args(tmp.resolve("skip"), "--master", "local[2]", "--parallelism",
                "samples", "--npy-max-size", "1k"));
        assertEquals(0, skipped.rc, skipped.err);
        assertFalse(Files.exists(tmp.resolve("skip/samples.npy")), "40 x 3 doubles exceed 1 KiB");
        assertTrue(Files.isDirectory(tmp.resolve("skip/samples.parquet")));
        JsonNode s = RunJson.read(tmp.resolve("skip/run.json"));
        assertFalse(s.get("samplesNpy").get("written").asBoolean());
        assertEquals(1024, s.get("samplesNpy").get("maxBytes").asLong());
        assertTrue(s.get("samplesNpy").get("how").asText().startsWith("skipped: 1088 bytes exceed"), s.toString());
        List<String> outputs = new ArrayList<>();
        s.get("outputs").forEach(o -> outputs.add(o.asText()));
        assertEquals(List.of("run.json", "samples.parquet"), outputs);
        assertTrue(skipped.out.contains("wrote " + tmp.resolve("skip").toAbsolutePath() + " (run.json, samples.parquet)"),
                skipped.out);
    }
}
