package io.piadm.cli;

import io.piadm.config.Setting;
import io.piadm.io.OutputClaim;
import io.piadm.io.RunJson;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scheduled reruns (same command again, two at once, after a kill) through the command line, on the local
 * backend (the output rules do not depend on the backend; no Spark session is needed to check them).
 */
class ScheduledRunsTest {
    @TempDir
    Path tmp;

    private String[] sample(Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("sample", "--model", "gaussian:d=2", "--sampler", "piadm-sde",
                "--samples", "6", "--seed", "5", "--out", out.toString(), "--steps-per-block", "8", "--threads", "1",
                "--backend", "local"));
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

    private static TreeMap<String, String> tree(Path root) throws IOException {
        return BadInputCatalogueTest.snapshot(root);
    }

    private List<String> names() throws IOException {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void theSameCommandAgainIsRefusedOrSkippedButNeverRewritten() throws IOException {
        Path out = tmp.resolve("run");
        MainTest.Run first = MainTest.exec(sample(out));
        assertEquals(0, first.rc, first.err);
        TreeMap<String, String> done = tree(tmp);

        MainTest.Run again = MainTest.exec(sample(out));
        assertEquals(Main.EXIT_BAD_INPUT, again.rc);
        assertTrue(again.err.contains("already holds a complete run of this configuration")
                && again.err.contains("--if-exists skip") && again.err.contains("--overwrite"), again.err);
        assertEquals(done, tree(tmp), "a refused rerun changes nothing");

        MainTest.Run skip = MainTest.exec(sample(out, "--if-exists", "skip"));
        assertEquals(0, skip.rc, skip.err);
        assertTrue(skip.out.startsWith("skipped: " + out + " already holds a complete run of this configuration"),
                skip.out);
        assertEquals(done, tree(tmp), "a skipped rerun changes nothing (not even a claim file is left)");

        // Another configuration (seed) into the same directory: skip refuses to accept it.
        MainTest.Run other = MainTest.exec(sample(out, "--seed", "6", "--if-exists", "skip"));
        assertEquals(Main.EXIT_BAD_INPUT, other.rc);
        assertTrue(other.err.contains("it holds another configuration"), other.err);
        assertEquals(done, tree(tmp));

        // An incomplete output (a listed file missing) is not accepted as done.
        Files.delete(out.resolve("samples.npy"));
        MainTest.Run broken = MainTest.exec(sample(out, "--if-exists", "skip"));
        assertEquals(Main.EXIT_BAD_INPUT, broken.rc);
        assertTrue(broken.err.contains("it lacks samples.npy"), broken.err);
    }

    @Test
    void aSecondRunWhileTheFirstHoldsTheOutputIsRefusedAndWritesNothing() throws IOException {
        Path out = tmp.resolve("run");
        try (OutputClaim held = OutputClaim.acquire(out.toString(), new Configuration(), Map.of("command", "first"),
                Setting.OUT)) {
            TreeMap<String, String> before = tree(tmp);
            MainTest.Run r = MainTest.exec(sample(out));
            assertEquals(Main.EXIT_BAD_INPUT, r.rc);
            assertEquals(1, r.err.strip().lines().count(), r.err);
            assertTrue(r.err.contains("--out " + out + " is being written by another run (pid "
                    + ProcessHandle.current().pid()), r.err);
            assertEquals(before, tree(tmp), "the refused run wrote nothing and left the first run's claim alone");
            held.verify();
        }
        MainTest.Run after = MainTest.exec(sample(out));
        assertEquals(0, after.rc, after.err);
        assertEquals(List.of("run"), names(), "no claim file is left after a run");
    }

    @Test
    void leftoversOfAKilledRunAreCleanedUpOnlyByTheirNames() throws IOException {
        Path out = tmp.resolve("run");
        Path killed = Files.createDirectories(tmp.resolve(".run.tmp-8734519283746"));
        Files.writeString(killed.resolve("samples.npy"), "half");
        Path hadoopStyle = Files.createDirectories(tmp.resolve(".run.tmp-1a2b3c4d"));
        Path notOurs = Files.createDirectories(tmp.resolve(".run.tmp-mine"));
        Path otherRun = Files.createDirectories(tmp.resolve(".other.tmp-123"));
        Path userFile = Files.writeString(tmp.resolve(".run.tmp-99.txt"), "user data");
        MainTest.Run r = MainTest.exec(sample(out));
        assertEquals(0, r.rc, r.err);
        assertFalse(Files.exists(killed, LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(hadoopStyle, LinkOption.NOFOLLOW_LINKS));
        assertTrue(Files.isDirectory(notOurs) && Files.isDirectory(otherRun) && Files.isRegularFile(userFile),
                "only the run's own temporary names are removed");
    }

    @Test
    void anOverwriteKilledAfterMovingTheOldOutputAsideIsUndone() throws IOException {
        Path out = tmp.resolve("run");
        assertEquals(0, MainTest.exec(sample(out)).rc);
        byte[] samples = Files.readAllBytes(out.resolve("samples.npy"));
        // A kill between "move the previous output aside" and "move the new one in".
        Files.move(out, tmp.resolve(".run.old-5f3e2a"));
        MainTest.Run r = MainTest.exec(sample(out, "--if-exists", "skip"));
        assertEquals(0, r.rc, r.err);
        assertTrue(r.out.startsWith("skipped:"), r.out);
        assertArrayEquals(samples, Files.readAllBytes(out.resolve("samples.npy")), "the previous output is back");
        assertEquals(List.of("run"), names());
    }

    @Test
    void overwriteNeverFollowsSymlinksOutOfTheOutput() throws IOException {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("precious.txt"), "keep");
        Path out = tmp.resolve("run");
        assertEquals(0, MainTest.exec(sample(out)).rc);
        // Links planted inside the existing output, to a directory and to a file outside it.
        Files.createSymbolicLink(out.resolve("samples.parquet"), outside);
        Files.createSymbolicLink(out.resolve("link.txt"), outside.resolve("precious.txt"));
        MainTest.Run r = MainTest.exec(sample(out, "--seed", "6", "--overwrite"));
        assertEquals(0, r.rc, r.err);
        assertEquals("keep", Files.readString(outside.resolve("precious.txt")));
        try (Stream<Path> s = Files.list(outside)) {
            assertEquals(1, s.count(), "nothing written or removed outside the output");
        }
        try (Stream<Path> s = Files.list(out)) {
            assertTrue(s.noneMatch(Files::isSymbolicLink), "the new output holds no link");
        }
        assertEquals(6, RunJson.read(out.resolve("run.json")).get("seed").asLong());
        // The output directory itself as a link: refused (a link is not a directory that piadm wrote).
        Path link = Files.createSymbolicLink(tmp.resolve("linked"), out);
        MainTest.Run viaLink = MainTest.exec(sample(link, "--overwrite"));
        assertEquals(Main.EXIT_BAD_INPUT, viaLink.rc);
        assertTrue(viaLink.err.contains("not a directory"), viaLink.err);
    }
}
