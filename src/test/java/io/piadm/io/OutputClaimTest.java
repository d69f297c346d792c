package io.piadm.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.piadm.config.InvalidSettingException;
import io.piadm.config.Setting;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OutputClaimTest {
    @TempDir
    Path tmp;

    private static String flags(InvalidSettingException e) {
        return e.render(s -> "--" + s.key());
    }

    @Test
    void aLocalClaimIsExclusiveRecordsItsOwnerAndIsRemovedAtTheEnd() throws IOException {
        Path out = tmp.resolve("run");
        Path claimFile = tmp.resolve(".run.claim");
        try (OutputClaim c = OutputClaim.acquire(out.toString(), new Configuration(), Map.of("configHash", "abc"),
                Setting.OUT)) {
            assertEquals(claimFile.toString(), c.claimFile());
            JsonNode j = new ObjectMapper().readTree(claimFile.toFile());
            assertEquals(Long.toString(ProcessHandle.current().pid()), j.get("pid").asText());
            assertEquals("abc", j.get("configHash").asText());
            assertNotNull(j.get("host"));
            assertNotNull(j.get("time"));
            // A second run at the same time is refused, naming the option and the owner.
            InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> OutputClaim.acquire(
                    out.toString(), new Configuration(), Map.of(), Setting.OUT));
            assertTrue(flags(e).startsWith("--out " + out + " is being written by another run (pid "
                    + ProcessHandle.current().pid()), flags(e));
            assertTrue(flags(e).contains(claimFile.toString()), flags(e));
            c.verify();
            assertFalse(Files.exists(out), "a claim creates nothing at the output itself");
        }
        assertFalse(Files.exists(claimFile), "the claim file is removed at the end");
        try (var s = Files.list(tmp)) { // nothing else beside the output either
            assertEquals(List.of(), s.toList());
        }
        // Free again.
        OutputClaim.acquire(out.toString(), new Configuration(), Map.of(), Setting.OUT).close();
    }

    @Test
    void aClaimRemovedByHandFailsVerification() throws IOException {
        Path out = tmp.resolve("run");
        try (OutputClaim c = OutputClaim.acquire(out.toString(), new Configuration(), Map.of(), Setting.OUT)) {
            Files.delete(tmp.resolve(".run.claim"));
            IOException e = assertThrows(IOException.class, c::verify);
            assertTrue(e.getMessage().contains("removed or replaced"), e.getMessage());
        }
    }

    /** A claim held by another process is refused; once that process is killed (SIGKILL) it is taken over. */
    @Test
    void aClaimOfAKilledProcessIsTakenOverAndExplained() throws Exception {
        Path out = tmp.resolve("run");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                ClaimHolderMain.class.getName(), out.toString()).redirectErrorStream(true).start();
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String line;
            do {
                line = r.readLine();
            } while (line != null && !line.startsWith("claimed "));
            assertNotNull(line, "the holder process did not claim");
            InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> OutputClaim.acquire(
                    out.toString(), new Configuration(), Map.of(), Setting.OUT));
            assertTrue(flags(e).contains("pid " + child.pid()), flags(e));

            child.destroyForcibly(); // SIGKILL: the holder cannot remove its claim file
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            assertTrue(Files.exists(tmp.resolve(".run.claim")), "a killed holder leaves its claim file");
            try (OutputClaim c = OutputClaim.acquire(out.toString(), new Configuration(), Map.of(), Setting.OUT)) {
                assertEquals(1, c.notes().size(), c.notes().toString());
                String note = c.notes().get(0);
                assertTrue(note.contains("pid " + child.pid()) && note.contains("no longer running"), note);
                JsonNode j = new ObjectMapper().readTree(tmp.resolve(".run.claim").toFile());
                assertEquals(Long.toString(ProcessHandle.current().pid()), j.get("pid").asText());
            }
            assertFalse(Files.exists(tmp.resolve(".run.claim")));
        } finally {
            child.destroyForcibly();
        }
    }

    @Test
    void hadoopClaimsAreExclusiveAndStaleOnesAreTakenOver() throws IOException {
        FileSystem fs = FileSystem.getLocal(new Configuration());
        org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(tmp.resolve("run").toUri());
        org.apache.hadoop.fs.Path claim = new org.apache.hadoop.fs.Path(tmp.resolve(".run.claim").toUri());
        try (OutputClaim c = OutputClaim.acquireHadoop("hdfs-like", fs, target, Map.of(), Setting.OUT)) {
            assertTrue(fs.exists(claim));
            // This very process holds it and is alive, its heartbeat fresh: refused.
            InvalidSettingException e = assertThrows(InvalidSettingException.class,
                    () -> OutputClaim.acquireHadoop("hdfs-like", fs, target, Map.of(), Setting.OUT));
            assertTrue(flags(e).contains("being written by another run"), flags(e));
            c.verify();
        }
        assertFalse(fs.exists(claim));

        // A claim from another host whose heartbeat stopped long ago is stale.
        String stale = "{\"claimId\":\"old\",\"host\":\"elsewhere.example\",\"pid\":\"1\",\"time\":\"2020-01-01T00:00:00Z\"}";
        Files.writeString(tmp.resolve(".run.claim"), stale);
        long old = System.currentTimeMillis() - OutputClaim.leaseMillis - 60_000;
        fs.setTimes(claim, old, -1);
        try (OutputClaim c = OutputClaim.acquireHadoop("hdfs-like", fs, target, Map.of(), Setting.OUT)) {
            assertTrue(c.notes().get(0).contains("heartbeat stopped"), c.notes().toString());
            assertTrue(c.notes().get(0).contains("elsewhere.example"), c.notes().toString());
            c.verify();
        }
        // The same claim with a fresh heartbeat is presumed live: refused.
        Files.writeString(tmp.resolve(".run.claim"), stale);
        assertThrows(InvalidSettingException.class,
                () -> OutputClaim.acquireHadoop("hdfs-like", fs, target, Map.of(), Setting.OUT));
        try (var s = Files.list(tmp)) {
            assertEquals(List.of(".run.claim"), s.map(p -> p.getFileName().toString())
                    .filter(n -> !n.endsWith(".crc")).toList(), "nothing else beside the output");
        }
    }

    @Test
    void staleRules() throws Exception {
        ObjectMapper om = new ObjectMapper();
        long now = System.currentTimeMillis();
        // A process on this host that has ended.
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        JsonNode dead = om.readTree("{\"host\":\"" + java.net.InetAddress.getLocalHost().getHostName()
                + "\",\"pid\":\"" + p.pid() + "\"}");
        String why = OutputClaim.staleReason(dead, now, now, null);
        assertNotNull(why);
        assertTrue(why.contains("no longer running"), why);
        // This process: alive.
        JsonNode self = om.readTree("{\"host\":\"" + java.net.InetAddress.getLocalHost().getHostName()
                + "\",\"pid\":\"" + ProcessHandle.current().pid() + "\"}");
        assertNull(OutputClaim.staleReason(self, now, now, null));
        // An earlier attempt of the same YARN application; not a later one, not another application.
        JsonNode attempt1 = om.readTree("{\"host\":\"nodeA\",\"pid\":\"7\",\"yarnApplication\":"
                + "\"application_1700000000000_0042\",\"yarnAttempt\":\"1\"}");
        String[] a2 = OutputClaim.yarnAttempt("container_e05_1700000000000_0042_02_000001");
        assertArrayEquals(new String[] {"application_1700000000000_0042", "2"}, a2);
        assertTrue(OutputClaim.staleReason(attempt1, now, now, a2).contains("attempt 1 of this YARN application"));
        assertNull(OutputClaim.staleReason(attempt1, now, now, OutputClaim.yarnAttempt(
                "container_1700000000000_0042_01_000001")));
        assertNull(OutputClaim.staleReason(attempt1, now, now, OutputClaim.yarnAttempt(
                "container_1700000000000_0043_02_000001")));
        assertNull(OutputClaim.yarnAttempt("not-a-container"));
        // Heartbeat older than the lease.
        assertTrue(OutputClaim.staleReason(attempt1, now - OutputClaim.leaseMillis - 1, now, null)
                .contains("heartbeat stopped"));
    }
}
