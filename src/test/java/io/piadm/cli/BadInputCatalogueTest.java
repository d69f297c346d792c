package io.piadm.cli;

import io.piadm.model.onnx.GaussianOnnxGraph;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bad-input catalogue: every case must print exactly one line naming the option (and, where given,
 * what is allowed), exit with code 2, print no stack trace or exception name, write nothing (the whole
 * fixture tree and the working directory are compared before and after) and start no Spark session (each
 * case fails while the command line is resolved, before any backend runs).
 */
class BadInputCatalogueTest {
    @TempDir
    static Path tmp;

    static Path out;
    static Path okOnnx;
    static Path okOnnx3;
    static String savedHome;

    @BeforeAll
    static void fixtures() throws IOException {
        out = tmp.resolve("run");
        byte[] ok = new GaussianOnnxGraph(new double[] {0.5, -1.0}, new double[] {1.0, 0.5}).toBytes();
        okOnnx = Files.write(tmp.resolve("ok.onnx"), ok);
        okOnnx3 = Files.write(tmp.resolve("d3.onnx"),
                new GaussianOnnxGraph(new double[] {0, 0, 0}, new double[] {1, 1, 1}).toBytes());
        Files.write(tmp.resolve("truncated.onnx"), Arrays.copyOf(ok, ok.length / 2));
        byte[] junk = new byte[4096];
        new java.util.Random(7).nextBytes(junk);
        Files.write(tmp.resolve("garbage.onnx"), junk);
        Files.write(tmp.resolve("empty.onnx"), new byte[0]);
        Files.write(tmp.resolve("names.onnx"), new GaussianOnnxGraph(new double[] {0, 0}, new double[] {1, 1})
                .names("input", "time", "out").toBytes());
        Files.write(tmp.resolve("time3.onnx"), new GaussianOnnxGraph(new double[] {0, 0}, new double[] {1, 1})
                .timeWidth(3).toBytes());
        Files.createDirectories(tmp.resolve("dir.onnx"));
        Files.writeString(tmp.resolve("plain-file"), "x");
        Path existing = Files.createDirectories(tmp.resolve("existing"));
        Files.writeString(existing.resolve("precious.txt"), "keep me");
        Files.createDirectories(existing.resolve("sub"));
        Path fake = Files.createDirectories(tmp.resolve("fake-output"));
        Files.writeString(fake.resolve("run.json"), "{\"hello\": 1}");
        Path home = Files.createDirectories(tmp.resolve("home"));
        Files.writeString(home.resolve("notes.txt"), "mine");
        // The home-directory rule is checked against the user.home property: point it at a fixture.
        savedHome = System.getProperty("user.home");
        System.setProperty("user.home", home.toString());
    }

    @AfterAll
    static void restoreHome() {
        System.setProperty("user.home", savedHome);
    }

    /** A valid sample command line into {@code out}, with {@code extra} replacing or adding options. */
    static String[] sample(String... extra) {
        List<String> a = new ArrayList<>(List.of("sample", "--model", "gaussian:d=2", "--sampler", "piadm-sde",
                "--samples", "6", "--seed", "5", "--out", out.toString(), "--steps-per-block", "8"));
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

    static String[] cmd(String... args) {
        return args;
    }

    static Arguments c(String option, String allowed, String... args) {
        return Arguments.of(option, allowed, args);
    }

    static String p(String name) {
        return tmp.resolve(name).toString();
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                // --- types and ranges of every sample option
                c("--samples", ">= 1", sample("--samples", "0")),
                c("--samples", "long", sample("--samples", "many")),
                // a 64-bit count, bounded by the counter noise's 32-bit sample key
                c("--samples", "keys sample ids by 32 bits", sample("--samples", "99999999999")),
                // one array holds them all only in the local backend and the time-parallel mode
                c("--samples", "2^31", sample("--samples", "2000000000", "--model", "gaussian:d=4", "--backend", "local")),
                c("--npy-max-size", "a size >= 0", sample("--npy-max-size", "12q")),
                c("--seed", "long", sample("--seed", "1.5")),
                c("--seed", null, cmd("sample", "--model", "gaussian:d=2", "--sampler", "sde", "--samples", "3",
                        "--out", "never-created")),
                c("--steps-per-block", "[1, 1000000]", sample("--steps-per-block", "0")),
                c("--steps-per-block", "[1, 1000000]", sample("--steps-per-block", "2000000")),
                c("--steps-per-block", "at most", sample("--steps-per-block", "200000")),
                c("--block-length", "> 0", sample("--block-length", "0")),
                c("--block-length", "> 0", sample("--block-length", "NaN")),
                c("--block-length", "at most 10000", sample("--block-length", "1e-9")),
                c("--horizon", "greater than", sample("--horizon", "-1")),
                c("--horizon", "at most 10000", sample("--horizon", "1e308")),
                c("--horizon", "at most 10000", sample("--horizon", "1e5")),
                c("--horizon", "finite", sample("--horizon", "Infinity")),
                c("--eta", "> 0", sample("--eta", "0")),
                c("--eta", "below the horizon", sample("--eta", "50")),
                c("--eta", "greater than", sample("--eta", "3", "--horizon", "2")),
                c("--accuracy", "> 0", sample("--accuracy", "0")),
                c("--accuracy", "> 0", sample("--accuracy", "-1")),
                c("--iterations", ">= 1", sample("--iterations", "0")),
                c("--tolerance", ">= 0", sample("--tolerance", "-1")),
                c("--tolerance", null, sample("--tolerance", "NaN")),
                c("--max-iterations", ">= 1", sample("--max-iterations", "0")),
                c("--window", ">= 1", sample("--sampler", "paradigms", "--window", "0")),
                c("--corrector", "'on' or 'off'", sample("--sampler", "piadm-ode", "--corrector", "maybe")),
                c("--corrector-time", "> 0", sample("--sampler", "piadm-ode", "--corrector-time", "0")),
                c("--corrector-time", "> 0", sample("--sampler", "piadm-ode", "--corrector-time", "-1")),
                c("--corrector-steps", "[1, 1000000]", sample("--sampler", "piadm-ode", "--corrector-steps", "0")),
                c("--friction", "> 0", sample("--sampler", "piadm-ode", "--friction", "0")),
                c("--sampler", null, sample("--sampler", "euler")),
                c("--backend", "spark, local", sample("--backend", "cloud")),
                c("--partitions", ">= 1", sample("--partitions", "0")),
                c("--parallelism", null, sample("--parallelism", "sideways")),
                c("--resume", null, sample("--resume", "maybe")),
                c("--threads", "[1, 4096]", sample("--threads", "0")),
                c("--threads", "[1, 4096]", sample("--threads", "1000000")),
                c("--corrector-steps", "[1, 1000000]", sample("--sampler", "piadm-ode", "--corrector-steps",
                        "1000000000")),
                c("--seed", "long", sample("--seed", "99999999999999999999")),
                c("--accuracy", "infinite", sample("--accuracy", "1e-300")),
                c("--accuracy", "at most", sample("--accuracy", "1e-100", "--steps-per-block", "5000")),
                c("--master", null, sample("--master", "local[0]")),
                c("--batch-size", ">= 1", sample("--batch-size", "0")),
                c("--reference-data", null, sample("--model", "onnx:" + okOnnx, "--reference-data", "nosuch")),
                c("--if-exists", "'skip'", sample("--if-exists", "maybe")),
                c("--frobnicate", null, sample("--frobnicate")),
                // --- conflicting options
                c("--iterations", "exclude", sample("--iterations", "3", "--tolerance", "1e-3")),
                c("--max-iterations", "--tolerance", sample("--iterations", "3", "--max-iterations", "5")),
                c("--iterations", "piadm", sample("--sampler", "paradigms", "--iterations", "3")),
                c("--window", "paradigms", sample("--window", "4")),
                c("--corrector-steps", "only", sample("--sampler", "sde", "--corrector-steps", "4")),
                c("--corrector", "only", sample("--sampler", "sde", "--corrector", "on")),
                c("--friction", "corrector is on", sample("--sampler", "piadm-ode", "--corrector", "off",
                        "--friction", "1")),
                c("--master", "--backend spark", sample("--backend", "local", "--master", "local[2]")),
                c("--resume", "--backend spark", sample("--backend", "local", "--resume", "auto")),
                c("--if-exists", "--overwrite", sample("--if-exists", "skip", "--overwrite")),
                c("--checkpoint-dir", "inside", sample("--checkpoint-dir", out.resolve("ck").toString())),
                // --- malformed model specs
                c("--model", "gaussian, gmm, onnx", sample("--model", "banana:d=2")),
                c("--model", "[1, ", sample("--model", "gaussian:d=0")),
                c("--model", "missing", sample("--model", "gaussian")),
                c("--model", "(0, 1000000.0]", sample("--model", "gaussian:d=2,std=-1")),
                c("--model", "[-1000000.0, 1000000.0]", sample("--model", "gaussian:d=2,mean=1e308")),
                c("--model", "[-1000000.0, 1000000.0]", sample("--model", "gaussian:d=2,mean=NaN")),
                c("--model", "unknown key", sample("--model", "gaussian:d=2,foo=1")),
                c("--model", "given twice", sample("--model", "gaussian:d=2,d=3")),
                c("--model", "missing", sample("--model", "gmm:d=2")),
                c("--model", "[1, ", sample("--model", "gmm:d=2,k=0")),
                c("--model", "[0, 1000000.0]", sample("--model", "gmm:d=2,k=2,radius=1e300")),
                c("--model", "LO <= HI", sample("--model", "gaussian:d=2,spectrum=1:0.1")),
                c("--model", "[0, 1000000.0]", sample("--model", "gaussian:d=2,score-error=-1")),
                c("--model", "score-error", sample("--model", "gaussian:d=2,error-seed=3")),
                // --- ONNX files: missing, unreadable, truncated, wrong shape, hostile
                c("--model", "needs a model path", sample("--model", "onnx:")),
                c("--model", "no such model file", sample("--model", "onnx:" + p("missing.onnx"))),
                c("--model", "no such model file", sample("--model", "onnx:models-nowhere/two-moons.onnx")),
                c("--model", "is a directory", sample("--model", "onnx:" + p("dir.onnx"))),
                c("--model", "not a valid ONNX model", sample("--model", "onnx:" + p("truncated.onnx"))),
                c("--model", "not a valid ONNX model", sample("--model", "onnx:" + p("garbage.onnx"))),
                c("--model", "empty", sample("--model", "onnx:" + p("empty.onnx"))),
                c("--model", "x", sample("--model", "onnx:" + p("names.onnx"))),
                c("--model", "t", sample("--model", "onnx:" + p("time3.onnx"))),
                c("--model", "d", sample("--model", "onnx:" + okOnnx3 + ",d=2")),
                c("--model", "param must be one of", sample("--model", "onnx:" + okOnnx + ",param=zz")),
                c("--model", "ddpm", sample("--model", "onnx:" + okOnnx + ",steps=10")),
                c("--model", "not a regular file", sample("--model", "onnx:/dev/zero")),
                c("--model", "double quote is not closed", sample("--model", "onnx:\"" + okOnnx)),
                c("--model", "must be quoted", sample("--model", "onnx:" + p("a,b.onnx") + ",param=eps")),
                // --- hostile and unusable paths
                c("--out", "pass --overwrite", sample("--out", p("existing"))),
                c("--out", "not a piadm output", sample("--out", p("existing"), "--overwrite")),
                c("--out", "not a piadm output", sample("--out", p("fake-output"), "--overwrite")),
                c("--overwrite", "home directory", sample("--out", p("home"), "--overwrite")),
                c("--overwrite", "home directory", sample("--out", tmp.toString(), "--overwrite")),
                c("--out", "below an existing one", sample("--out", "/", "--overwrite")),
                c("--out", "empty path", sample("--out", "")),
                c("--out", "not a directory", sample("--out", p("plain-file") + "/run")),
                c("--out", "not a directory", sample("--out", p("plain-file"), "--overwrite")),
                c("--out", "cannot create files", sample("--out", "/proc/piadm-run")),
                c("--out", "cannot reach", sample("--out", "nosuchfs://host/run1")),
                c("--out", "not a valid URI", sample("--out", "hdfs://bad host/run1")),
                c("--out", "not a root", sample("--out", "nosuchfs://host/")),
                c("--checkpoint-dir", "not a directory", sample("--checkpoint-dir", p("plain-file"))),
                c("--checkpoint-dir", "cannot write", sample("--checkpoint-dir", "/proc/piadm-ck")),
                // --- train and bench
                c("--lr", "(0, 1.0]", cmd("train", "--out", p("train-out"), "--lr", "1e308")),
                c("--lr", "(0, 1.0]", cmd("train", "--out", p("train-out"), "--lr", "0")),
                c("--epochs", "[1, 1000000]", cmd("train", "--out", p("train-out"), "--epochs", "0")),
                c("--hidden", "[1, 4096]", cmd("train", "--out", p("train-out"), "--hidden", "0")),
                c("--dataset", "radius", cmd("train", "--out", p("train-out"), "--dataset", "gmm:radius=1e300")),
                c("--name", "letters", cmd("train", "--out", p("train-out"), "--name", "../evil")),
                c("--out", "not a directory", cmd("train", "--out", p("plain-file"))),
                c("--json", "cannot create files", cmd("bench", "scaling", "--dims", "4", "--json", "/proc/x.json")),
                c("--json", "does not exist", cmd("bench", "scaling", "--dims", "4", "--json", p("no/x.json"))),
                c("--json", "already exists", cmd("bench", "scaling", "--dims", "4", "--json", p("plain-file"))),
                c("--dims", ">= 1", cmd("bench", "scaling", "--dims", "0")));
    }

    @Test
    void theCatalogueIsBigEnough() {
        assertTrue(cases().count() >= 40, "at least 40 cases, got " + cases().count());
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void eachBadInputIsOneLineExitTwoAndWritesNothing(String option, String allowed, String[] args) throws IOException {
        TreeMap<String, String> before = snapshot(tmp);
        List<String> cwdBefore = listing(Path.of(""));
        boolean sessionBefore = SparkSession.getActiveSession().isDefined() || SparkSession.getDefaultSession().isDefined();
        MainTest.Run r = MainTest.exec(args);
        String line = r.err.strip();
        String what = String.join(" ", args);
        assertEquals(Main.EXIT_BAD_INPUT, r.rc, "exit code for " + what + "\n" + r.err);
        assertEquals(1, line.lines().count(), "one line expected for " + what + ", got:\n" + r.err);
        assertTrue(line.contains(option), "message should name " + option + ": " + line);
        if (allowed != null) {
            assertTrue(line.contains(allowed), "message should say '" + allowed + "': " + line);
        }
        assertFalse(line.contains("Exception") || line.contains("\tat ") || line.contains("error:"),
                "no exception, stack trace or run failure: " + line);
        assertEquals(before, snapshot(tmp), "nothing may be written or removed for " + what);
        assertEquals(cwdBefore, listing(Path.of("")), "nothing may appear in the working directory for " + what);
        if (!sessionBefore) {
            assertFalse(SparkSession.getActiveSession().isDefined() || SparkSession.getDefaultSession().isDefined(),
                    "no Spark session may start for " + what);
        }
    }

    /** Every path under root with its kind, size and modification time. */
    static TreeMap<String, String> snapshot(Path root) throws IOException {
        TreeMap<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                // Directories by name only: the output check's probe file (created and deleted at once)
                // changes a directory's modification time without leaving anything.
                m.put(root.relativize(p).toString(), a.isDirectory() ? "d"
                        : "f" + a.size() + "@" + a.lastModifiedTime().toMillis());
            }
        }
        return m;
    }

    static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
