package io.piadm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.piadm.io.Npy;
import io.piadm.io.RunJson;
import io.piadm.job.LocalBackend;
import io.piadm.job.SampleJob;
import io.piadm.model.DiagonalGaussian;
import io.piadm.sampler.CorrectorOptions;
import io.piadm.sampler.PicardOptions;
import io.piadm.sampler.SamplerConfig;
import io.piadm.sampler.SamplingListener;
import io.piadm.sampler.SamplingResult;
import io.piadm.schedule.ScheduleConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import javax.imageio.ImageIO;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MainTest {
    @TempDir
    Path tmp;

    static final class Run {
        final int rc;
        final String out;
        final String err;

        Run(int rc, String out, String err) {
            this.rc = rc;
            this.out = out;
            this.err = err;
        }
    }

    static Run exec(CommandLine cl, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int rc = cl.execute(args);
        return new Run(rc, out.toString(), err.toString());
    }

    static Run exec(String... args) {
        return exec(Main.commandLine(), args);
    }

    /** A valid sample command line into {@code out}, with {@code extra} options replacing or adding to it. */
    private String[] sample(Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("sample", "--model", "gaussian:d=4", "--sampler", "piadm-sde",
                "--samples", "6", "--seed", "5", "--out", out.toString(), "--steps-per-block", "8",
                "--threads", "1"));
        for (int i = 0; i < extra.length; i++) {
            boolean flag = i + 1 >= extra.length || extra[i + 1].startsWith("--");
            int at = a.indexOf(extra[i]);
            if (flag) {
                a.add(extra[i]);
            } else if (at >= 0) {
                a.set(at + 1, extra[++i]);
            } else {
                a.add(extra[i]);
                a.add(extra[++i]);
            }
        }
        return a.toArray(new String[0]);
    }

    private List<String> entries() throws IOException {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private void assertBadInput(String option, String... args) throws IOException {
        List<String> before = entries();
        Run r = exec(args);
        String line = r.err.strip();
        assertNotEquals(0, r.rc, "exit code for " + Arrays.toString(args));
        assertFalse(line.isEmpty(), "no message for " + Arrays.toString(args));
        assertEquals(1, line.lines().count(), "one line expected, got:\n" + r.err);
        assertTrue(line.contains(option), "message should name " + option + ": " + line);
        assertFalse(line.contains("Exception"), "no exception names: " + line);
        assertEquals(before, entries(), "nothing may be written for " + Arrays.toString(args));
    }

    @Test
    void badInputGivesOneLineNamingTheOptionAndWritesNothing() throws IOException {
        Path out = tmp.resolve("run");
        assertBadInput("--sampler", sample(out, "--sampler", "euler"));
        assertBadInput("--model", sample(out, "--model", "banana:d=2"));
        assertBadInput("--model", sample(out, "--model", "gaussian:d=0"));
        assertBadInput("--model", sample(out, "--model", "gaussian:d=-3"));
        assertBadInput("--tolerance", sample(out, "--tolerance", "-1"));
        assertBadInput("--eta", sample(out, "--eta", "3", "--horizon", "2"));
        assertBadInput("--eta", sample(out, "--eta", "2", "--horizon", "2"));
        assertBadInput("--eta", sample(out, "--eta", "50"));
        assertBadInput("--eta", sample(out, "--eta", "-0.1"));
        assertBadInput("--samples", sample(out, "--samples", "0"));
        assertBadInput("--samples", sample(out, "--samples", "many"));
        assertBadInput("--iterations", sample(out, "--iterations", "3", "--tolerance", "1e-3"));
        assertBadInput("--iterations", sample(out, "--sampler", "paradigms", "--iterations", "3"));
        assertBadInput("--max-iterations", sample(out, "--iterations", "3", "--max-iterations", "5"));
        assertBadInput("--corrector", sample(out, "--corrector", "maybe"));
        assertBadInput("--corrector", sample(out, "--corrector", "on"));
        assertBadInput("--friction", sample(out, "--sampler", "piadm-ode", "--friction", "0"));
        assertBadInput("--backend", sample(out, "--backend", "cloud"));
        assertBadInput("--threads", sample(out, "--threads", "0"));
        assertBadInput("--batch-size", sample(out, "--batch-size", "0"));
        assertBadInput("--window", sample(out, "--sampler", "paradigms", "--window", "0"));
        assertBadInput("--steps-per-block", sample(out, "--steps-per-block", "0"));
        assertBadInput("--accuracy", sample(out, "--accuracy", "0"));
        assertBadInput("--seed", "sample", "--model", "gaussian:d=4", "--sampler", "sde", "--samples", "3",
                "--out", out.toString());
        assertBadInput("--frobnicate", sample(out, "--frobnicate"));
        // The schemes of docs/ALGORITHMS.md sections 6b-6d.
        assertBadInput("--picard-scheme", sample(out, "--picard-scheme", "diagonal"));
        assertBadInput("--picard-scheme", sample(out, "--sampler", "sde", "--picard-scheme", "wavefront"));
        assertBadInput("--anderson", sample(out, "--anderson", "99"));
        assertBadInput("--anderson", sample(out, "--anderson", "-1"));
        assertBadInput("--anderson", sample(out, "--sampler", "ode", "--anderson", "2"));
        assertBadInput("--frozen-front", sample(out, "--frozen-front", "maybe"));
        assertBadInput("--warm-start", sample(out, "--sampler", "paradigms", "--warm-start", "on"));
        assertBadInput("--block-stiffness", sample(out, "--block-stiffness", "-1"));

        // Unwritable location: the parent is a plain file.
        Path file = Files.writeString(tmp.resolve("file"), "x");
        assertBadInput("--out", sample(file.resolve("run")));
        if (Files.isDirectory(Path.of("/proc/self"))) {
            assertBadInput("--out", sample(Path.of("/proc/piadm-run")));
        }

        // An existing output directory is kept as it is without --overwrite.
        Path existing = Files.createDirectory(tmp.resolve("existing"));
        Files.writeString(existing.resolve("keep.txt"), "keep");
        assertBadInput("--overwrite", sample(existing));
        assertEquals(List.of("keep.txt"), Files.list(existing).map(p -> p.getFileName().toString()).toList());
    }

    @Test
    void theWavefrontWritesItsRoundTraceIntoRunJson() throws Exception {
        Path out = tmp.resolve("wave");
        Run r = exec(sample(out, "--picard-scheme", "wavefront", "--anderson", "3", "--frozen-front", "on",
                "--warm-start", "on", "--backend", "local"));
        assertEquals(0, r.rc, r.err);
        JsonNode j = RunJson.read(out.resolve("run.json"));
        assertEquals("wavefront", j.get("picard").get("scheme").asText());
        assertEquals(3, j.get("picard").get("anderson").asInt());
        assertEquals(1, j.get("blocks").size(), "the wavefront is one stage");
        JsonNode trace = j.get("blocks").get(0).get("roundTrace");
        assertEquals(j.get("rounds").asLong(), trace.size(), "one trace entry per round");
        assertEquals(0, trace.get(0).get("blocks").get(0).asInt(), "round 1: block 0 alone");
        assertEquals(1, trace.get(0).get("blocks").size());
        assertEquals(trace.get(1).get("blocks").size(), trace.get(1).get("residuals").size());
        assertTrue(j.get("schedule").get("stiffness").get("active").asBoolean(), "the Gaussian knows its L");
    }

    @Test
    void verbosePrintsTheStackTrace() {
        Run r = exec(sample(tmp.resolve("run"), "--samples", "0", "--verbose"));
        assertEquals(Main.EXIT_BAD_INPUT, r.rc);
        assertTrue(r.err.lines().count() > 3 && r.err.contains("at io.piadm"), r.err);
    }

    @Test
    void sampleWritesSamplesAndRunJsonMatchingTheSampler() throws Exception {
        // The local backend: the Spark default is exercised end to end by the demo test.
        Path out = tmp.resolve("nested/run");
        Run r = exec(sample(out, "--backend", "local"));
        assertEquals(0, r.rc, r.err);
        assertTrue(r.out.contains("wrote " + out.toAbsolutePath()), r.out);
        assertTrue(r.out.contains("rounds"), r.out);
        assertTrue(Files.isRegularFile(out.resolve("samples.npy")));
        assertTrue(Files.isRegularFile(out.resolve("run.json")));
        assertFalse(Files.exists(out.resolve("samples.png")), "plots only for d = 2");
        try (Stream<Path> s = Files.list(out.getParent())) {
            assertEquals(List.of("run"), s.map(p -> p.getFileName().toString()).toList(), "no temporary left");
        }

        Npy.Array2D a = Npy.read(out.resolve("samples.npy"));
        assertEquals(6, a.rows);
        assertEquals(4, a.cols);

        // The same job built by hand: N(0, I) in d = 4, default accuracy/eta/horizon, M = 8, adaptive Picard.
        ScheduleConfig sc = new ScheduleConfig(4).stepsPerBlock(8);
        SamplerConfig cfg = new SamplerConfig(sc.build(), 5, PicardOptions.defaults(), CorrectorOptions.off(),
                SamplerConfig.DEFAULT_WINDOW);
        SampleJob job = new SampleJob(DiagonalGaussian.isotropic(4, 0.0, 1.0), io.piadm.sampler.SamplerKind.PIADM_SDE, cfg, 6, 0, 6, 1,
                sc.describe());
        SamplingResult expected = new LocalBackend().run(job, SamplingListener.NONE);
        assertArrayEquals(expected.samples(), a.data);

        JsonNode j = RunJson.read(out.resolve("run.json"));
        assertEquals("piadm-sde", j.get("sampler").asText());
        assertEquals(4, j.get("dim").asInt());
        assertEquals(6, j.get("samples").asInt());
        assertEquals(5, j.get("seed").asLong());
        assertEquals(expected.rounds(), j.get("rounds").asLong());
        assertEquals(expected.evaluationsTotal(), j.get("evaluationsTotal").asLong());
        assertEquals("local", j.get("backend").get("name").asText());
        assertNotNull(j.get("metrics"), "target is known: metrics expected");
        assertEquals(sc.build().blockCount(), j.get("blocks").size());

        // Again into the same directory: refused, then replaced with --overwrite (different seed; the local
        // backend: no second Spark session is needed to check the output directory's rules).
        assertNotEquals(0, exec(sample(out, "--backend", "local")).rc);
        Run again = exec(sample(out, "--seed", "6", "--overwrite", "--backend", "local"));
        assertEquals(0, again.rc, again.err);
        assertEquals(6, RunJson.read(out.resolve("run.json")).get("seed").asLong());
        assertFalse(Arrays.equals(a.data, Npy.read(out.resolve("samples.npy")).data));
    }

    @Test
    void demoWritesSamplesRunJsonAndPlot() throws Exception {
        CommandLine cl = Main.commandLine();
        ((Main) cl.getCommand()).demoParent = tmp.resolve("out");
        Run r = exec(cl);
        assertEquals(0, r.rc, r.err);
        Path dir;
        try (Stream<Path> s = Files.list(tmp.resolve("out"))) {
            List<Path> dirs = s.toList();
            assertEquals(1, dirs.size());
            dir = dirs.get(0);
        }
        assertTrue(dir.getFileName().toString().startsWith("demo-"));
        assertTrue(r.out.contains(dir.toAbsolutePath().toString()), r.out);
        Npy.Array2D a = Npy.read(dir.resolve("samples.npy"));
        assertEquals(Main.DEMO_SAMPLES, a.rows);
        assertEquals(2, a.cols);
        JsonNode j = RunJson.read(dir.resolve("run.json"));
        assertEquals("gmm", j.get("model").get("type").asText());
        assertEquals("spark", j.get("backend").get("name").asText(), "spark is the default backend");
        assertTrue(Files.isDirectory(dir.resolve("samples.parquet")), "the Spark backend adds Parquet");
        assertEquals(640, ImageIO.read(dir.resolve("samples.png").toFile()).getWidth());
    }

    @Test
    void benchLocalPrintsMeasuredMedians() {
        Run r = exec("bench", "local", "--model", "gaussian:d=8", "--rows", "64", "--rounds", "3", "--warmup", "1",
                "--threads", "1,2");
        assertEquals(0, r.rc, r.err);
        List<String> rows = r.out.lines().filter(l -> l.matches("\\s+[12]\\s+[0-9.]+\\s+[0-9.]+\\s+[0-9.]+\\s+[0-9]+"))
                .toList();
        assertEquals(2, rows.size(), r.out);
        Run bare = exec("bench");
        assertNotEquals(0, bare.rc);
        assertTrue(bare.err.contains("local"), bare.err);
        assertNotEquals(0, exec("bench", "local", "--rows", "0").rc);
    }
}
