package io.piadm.cli;

import com.fasterxml.jackson.databind.JsonNode;

import io.piadm.io.FullFileSystem;
import io.piadm.io.Npy;
import io.piadm.io.RunJson;
import io.piadm.model.onnx.GaussianOnnxGraph;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Faults in the middle of a run, through the command line: a model that returns NaN or Inf, a Picard
 * block that diverges, a disk that fills while the outputs are written. Each must end with one clear line
 * and leave nothing that looks like a complete output.
 */
class FaultsTest {
    @TempDir
    Path tmp;

    private static String[] args(String... a) {
        return a;
    }

    private List<String> names() throws IOException {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** Exit 1, one line, no class name, naming block, sweep and sample; no output and nothing left beside it. */
    private void assertNonFiniteStop(MainTest.Run r, Path out) throws IOException {
        String line = r.err.lines().filter(l -> l.startsWith("piadm sample:")).reduce((a, b) -> b).orElse("");
        assertEquals(Main.EXIT_FAILURE, r.rc, r.err);
        assertTrue(line.contains("non-finite state in block ") && line.contains(" sweep ") && line.contains(", sample ")
                && line.contains("nothing was written to " + out), line);
        assertFalse(line.contains("Exception"), line);
        assertFalse(Files.exists(out), "no output directory");
        for (String n : names()) {
            assertFalse(n.startsWith(".run.tmp-") || n.endsWith(".claim"), "left behind: " + n);
        }
    }

    @Test
    void aModelReturningNanOrInfStopsTheRunAndWritesNothing() throws IOException {
        for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY}) {
            Path model = Files.write(tmp.resolve("bad.onnx"),
                    new GaussianOnnxGraph(new double[] {bad, 0.0}, new double[] {1.0, 1.0}).toBytes());
            Path out = tmp.resolve("run");
            MainTest.Run r = MainTest.exec(args("sample", "--model", "onnx:" + model, "--sampler", "piadm-sde",
                    "--samples", "4", "--seed", "1", "--out", out.toString(), "--steps-per-block", "8", "--backend",
                    "local", "--threads", "1"));
            assertNonFiniteStop(r, out);
            assertTrue(r.err.contains("block 1, predictor sweep 1, sample 0"), r.err);
            Files.delete(model);
        }
    }

    /** The case: an unstable corrector (T_c = 1000) overflows; it must not end as "all-NaN, exit 0". */
    @Test
    void anOverflowingCorrectorStopsTheRun() throws IOException {
        Path out = tmp.resolve("run");
        MainTest.Run r = MainTest.exec(args("sample", "--model", "gaussian:d=2", "--sampler", "piadm-ode",
                "--corrector-time", "1000", "--samples", "2", "--seed", "1", "--out", out.toString(),
                "--backend", "local", "--threads", "1"));
        assertNonFiniteStop(r, out);
    }

    /** Time-parallel evaluation scans on the driver, sample-parallel in Spark tasks: both must stop alike. */
    @Test
    void aNanModelStopsTheRunOnSparkInBothPlacements() throws IOException {
        Path model = Files.write(tmp.resolve("nan.onnx"),
                new GaussianOnnxGraph(new double[] {Double.NaN, 0.0}, new double[] {1.0, 1.0}).toBytes());
        for (String placement : new String[] {"samples", "time"}) {
            Path out = tmp.resolve("run");
            MainTest.Run r = MainTest.exec(args("sample", "--model", "onnx:" + model, "--sampler", "piadm-sde",
                    "--samples", "4", "--seed", "1", "--out", out.toString(), "--steps-per-block", "8",
                    "--master", "local[2]", "--parallelism", placement, "--threads", "1",
                    "--checkpoint-dir", tmp.resolve("ck-" + placement).toString()));
            assertNonFiniteStop(r, out);
        }
    }

    /**
     * One far block of length 20 (L h ~ 20): Picard's residual grows sweep after sweep, so every sample falls
     * back to exact sequential steps. The run says so on stdout and in run.json, and its samples are finite.
     */
    @Test
    void aDivergingPicardBlockFallsBackAndSaysSo() throws IOException {
        Path out = tmp.resolve("run");
        MainTest.Run r = MainTest.exec(args("sample", "--model", "gaussian:d=2,std=0.1", "--sampler", "piadm-sde",
                "--samples", "4", "--seed", "1", "--out", out.toString(), "--horizon", "21", "--block-length", "20",
                "--steps-per-block", "64", "--backend", "local", "--threads", "1",
                // the stiffness rule would cut this block (L h far above 4) before Picard can diverge
                "--block-stiffness", "0"));
        assertEquals(0, r.rc, r.err);
        // (the log line of each fallback goes to the log, not to the command's error stream)
        assertTrue(r.out.contains("note: Picard diverged 4 time(s)"), r.out);
        JsonNode phase = RunJson.read(out.resolve("run.json")).get("blocks").get(0).get("phases").get(0);
        assertEquals(4, phase.get("sequentialFallbacks").asInt(), phase.toString());
        for (double v : Npy.read(out.resolve("samples.npy")).data) {
            assertTrue(Double.isFinite(v));
        }
    }

    /**
     * A disk that fills while the outputs are written (a Hadoop file system whose writes fail with "No space
     * left on device" after a byte budget): one clear line, exit 1, and neither the output nor its temporary
     * directory is left.
     */
    @Test
    void aDiskThatFillsDuringOutputPublishesNothing() throws IOException {
        Path dir = tmp.resolve("disk");
        String out = FullFileSystem.SCHEME + "://" + dir.resolve("run");
        List<String> a = new ArrayList<>(List.of("sample", "--model", "gaussian:d=2", "--sampler", "sde", "--samples",
                "50", "--seed", "1", "--out", out, "--steps-per-block", "8", "--backend", "local", "--threads", "1"));
        // Room for the claim file and samples.npy, not for everything (run.json, the plot).
        FullFileSystem.bytesLeft.set(4000);
        try {
            MainTest.Run r = MainTest.exec(a.toArray(new String[0]));
            String line = r.err.lines().filter(l -> l.startsWith("piadm sample:")).reduce((x, y) -> y).orElse("");
            assertEquals(Main.EXIT_FAILURE, r.rc, r.err);
            assertTrue(line.contains("writing the outputs to " + out + " failed (No space left on device)")
                    && line.contains("nothing was published and the partial files were removed"), line);
            assertFalse(line.contains("Exception"), line);
        } finally {
            FullFileSystem.bytesLeft.set(Long.MAX_VALUE);
        }
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(), s.map(p -> p.getFileName().toString()).toList(),
                    "no output, no temporary directory, no claim left");
        }
        // With room again the same command succeeds.
        MainTest.Run ok = MainTest.exec(a.toArray(new String[0]));
        assertEquals(0, ok.rc, ok.err);
        assertTrue(Files.isRegularFile(dir.resolve("run/run.json")));
    }
}
