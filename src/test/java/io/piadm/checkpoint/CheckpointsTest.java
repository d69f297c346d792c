package io.piadm.checkpoint;

import io.piadm.sampler.PhaseTrace;
import io.piadm.sampler.StageTrace;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointsTest {
    @TempDir
    Path tmp;

    /** A class whose deserialisation would be noticed: the reader must never get that far. */
    static final class Trap implements Serializable {
        private static final long serialVersionUID = 1L;
        static volatile boolean tripped;
        final String payload = "rm -rf";

        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            tripped = true;
            in.defaultReadObject();
        }
    }

    static CheckpointState state(int stage, double... rows) {
        Map<String, Object> id = new LinkedHashMap<>();
        id.put("sampler", "piadm-sde");
        id.put("seed", 7L);
        List<StageTrace> traces = List.of(new StageTrace(0, new double[] {2.0, 1.5, 1.0},
                List.of(new PhaseTrace("predictor", 3, new double[] {0.5, 0.01, 1e-4}, 12, 1))));
        return new CheckpointState("abc123", id, 7, stage, 5, 10, rows.length / 2, 2, rows, traces);
    }

    static byte[] bytes(CheckpointState s) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        CheckpointFormat.write(s, b);
        return b.toByteArray();
    }

    @Test
    void roundTripIsExact() throws IOException {
        CheckpointState s = state(2, 1.0, -0.0, Double.MIN_VALUE, 1e300);
        CheckpointState r = CheckpointFormat.read(new ByteArrayInputStream(bytes(s)), "x");
        assertArrayEquals(s.rows(), r.rows());
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(r.rows()[1]));
        assertEquals(s.identity().get("seed"), r.identity().get("seed"));
        assertEquals("abc123", r.configHash());
        assertEquals(2, r.stage());
        assertEquals(10, r.firstSample());
        PhaseTrace p = r.traces().get(0).phases().get(0);
        assertEquals(3, p.sweeps());
        assertEquals(12, p.pointsEvaluated());
        assertEquals(1, p.sequentialFallbacks());
        assertArrayEquals(new double[] {0.5, 0.01, 1e-4}, p.residuals());
    }

    @Test
    void aSerialisedJavaObjectIsRejectedWithoutBeingDeserialised() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (ObjectOutputStream o = new ObjectOutputStream(b)) {
            o.writeObject(new Trap());
        }
        byte[] object = b.toByteArray();
        Trap.tripped = false;
        // The whole file a serialised object; and a valid header with the object where the trace goes.
        assertThrows(CorruptCheckpointException.class,
                () -> CheckpointFormat.read(new ByteArrayInputStream(object), "evil"));
        byte[] good = bytes(state(0, 1, 2));
        int meta = 8 + 2 + 4 + 8;
        long metaLen = java.nio.ByteBuffer.wrap(good, 8 + 2 + 4, 8).getLong();
        int trce = (int) (meta + metaLen + 4);
        ByteArrayOutputStream evil = new ByteArrayOutputStream();
        evil.write(good, 0, trce);
        evil.writeBytes("TRCE".getBytes());
        evil.writeBytes(java.nio.ByteBuffer.allocate(8).putLong(object.length).array());
        evil.writeBytes(object);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(object);
        evil.writeBytes(java.nio.ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
        CorruptCheckpointException e = assertThrows(CorruptCheckpointException.class,
                () -> CheckpointFormat.read(new ByteArrayInputStream(evil.toByteArray()), "evil2"));
        assertFalse(Trap.tripped, "the object was never deserialised");
        assertTrue(e.getMessage().startsWith("checkpoint evil2 is unusable"), e.getMessage());
    }

    @Test
    void damageIsNamedBySection() throws IOException {
        byte[] good = bytes(state(0, 1, 2, 3, 4));
        byte[] flipped = good.clone();
        flipped[flipped.length - 12] ^= 1; // inside ROWS
        assertTrue(assertThrows(CorruptCheckpointException.class,
                () -> CheckpointFormat.read(new ByteArrayInputStream(flipped), "f")).getMessage()
                .contains("section ROWS fails its CRC32 check"));
        byte[] cut = java.util.Arrays.copyOf(good, good.length - 20);
        assertTrue(assertThrows(CorruptCheckpointException.class,
                () -> CheckpointFormat.read(new ByteArrayInputStream(cut), "c")).getMessage().contains("truncated"));
        byte[] bigLen = good.clone();
        java.nio.ByteBuffer.wrap(bigLen, 8 + 2 + 4, 8).putLong(1L << 40);
        assertTrue(assertThrows(CorruptCheckpointException.class,
                () -> CheckpointFormat.read(new ByteArrayInputStream(bigLen), "b")).getMessage().contains("announces"));
    }

    @Test
    void aDamagedNewestCheckpointFallsBackToTheOlderOne() throws IOException {
        Path dir = tmp.resolve("ck");
        Checkpoints ck = new Checkpoints(dir.toUri().toString(), new Configuration());
        ck.write(state(0, 1, 1));
        ck.write(state(1, 2, 2));
        ck.write(state(2, 3, 3));
        try (var files = Files.list(dir)) {
            assertEquals(2, files.filter(f -> f.getFileName().toString().endsWith(".ckpt")).count(), "two kept");
        }
        assertEquals(2, ck.latest().stage());
        Path newest = dir.resolve(Checkpoints.fileName(2));
        byte[] b = Files.readAllBytes(newest);
        b[b.length - 10] ^= 0x55;
        Files.write(newest, b);
        assertEquals(1, ck.latest().stage(), "the older checkpoint is used");
        Files.write(dir.resolve(Checkpoints.fileName(1)), new byte[] {1, 2, 3});
        IllegalStateException e = assertThrows(IllegalStateException.class, ck::latest);
        assertTrue(e.getMessage().contains(Checkpoints.fileName(2)) && e.getMessage().contains(Checkpoints.fileName(1)),
                e.getMessage());
        // Cleaning up removes what the checkpoints wrote, then the directory they created.
        Files.writeString(dir.resolve(".block-00003.ckpt.tmp"), "left by a kill");
        ck.cleanUp();
        assertFalse(Files.exists(dir));
        assertNull(ck.latest());
    }

    @Test
    void aDirectoryOfTheUsersKeepsEverythingElse() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("mine"));
        Files.writeString(dir.resolve("precious.txt"), "keep");
        Files.createDirectories(dir.resolve("sub"));
        Files.writeString(dir.resolve("block-notmine.ckpt"), "not a name this class writes");
        Checkpoints ck = new Checkpoints(dir.toString(), new Configuration());
        ck.checkWritable();
        ck.write(state(0, 1, 1));
        ck.cleanUp();
        try (var files = Files.list(dir)) {
            assertEquals(List.of("block-notmine.ckpt", "precious.txt", "sub"),
                    files.map(f -> f.getFileName().toString()).sorted().toList());
        }
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        assertThrows(io.piadm.config.InvalidSettingException.class,
                () -> new Checkpoints(file.toString(), new Configuration()).checkWritable());
        assertEquals("x", Files.readString(file));
    }

    @Test
    void aSeriesKeptByNameNeverListsYetKeepsTheNewestTwoAndFallsBack() throws Exception {
        Path dir = tmp.resolve("ck");
        Checkpoints c = new Checkpoints(dir.toUri().toString(), new Configuration(), "chunk-00003-block-", true);
        assertNull(c.latest(5), "nothing yet");
        for (int stage = 0; stage < 4; stage++) {
            c.write(state(stage, stage, stage + 0.5));
        }
        List<String> names;
        try (java.util.stream.Stream<Path> f = Files.list(dir)) {
            names = f.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".ckpt")).sorted().toList();
        }
        assertEquals(List.of("chunk-00003-block-00002.ckpt", "chunk-00003-block-00003.ckpt"), names);
        assertEquals(3, c.latest(5).stage());
        // A damaged newest file: the older one is used.
        Files.write(dir.resolve("chunk-00003-block-00003.ckpt"), new byte[] {1, 2, 3});
        CheckpointState s = c.latest(5);
        assertEquals(2, s.stage());
        assertArrayEquals(new double[] {2, 2.5}, s.rows());
        // Another series in the same directory is not seen.
        assertNull(new Checkpoints(dir.toUri().toString(), new Configuration(), "chunk-00004-block-", true).latest(5));
    }
}
