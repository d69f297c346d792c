package io.piadm.io;

import io.piadm.config.InvalidSettingException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Hadoop-path output contract, exercised through Hadoop's local file system (file: URIs). */
class HadoopOutputTest {
    @TempDir
    Path tmp;

    @Test
    void recognisesHadoopUris() {
        assertTrue(HadoopOutput.isRemote("hdfs://nn:8020/user/me/run1"));
        assertTrue(HadoopOutput.isRemote("s3a://bucket/run1"));
        assertFalse(HadoopOutput.isRemote("file:///tmp/run1"));
        assertFalse(HadoopOutput.isRemote("out/run1"));
        assertEquals("hdfs://nn:8020/user/me/.run1.checkpoint", HadoopOutput.checkpointSibling("hdfs://nn:8020/user/me/run1"));
    }

    @Test
    void publishesAtomicallyAndHonoursOverwrite() throws IOException {
        Path stage = Files.createDirectories(tmp.resolve("stage"));
        Files.writeString(stage.resolve("run.json"), manifest(1));
        Files.writeString(stage.resolve("samples.npy"), "npy");
        Path target = tmp.resolve("out");
        String uri = target.toUri().toString();
        Configuration conf = new Configuration();
        HadoopOutput.check(uri, false, conf);
        HadoopOutput.publish(stage, List.of("run.json", "samples.npy", "samples.png"), uri, false, conf,
                dir -> writeMarker(dir));
        assertEquals(manifest(1), Files.readString(target.resolve("run.json")));
        assertTrue(Files.exists(target.resolve("samples.parquet/_SUCCESS")));
        assertEquals(1, countSiblings(), "no temporary directory is left beside the output");

        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> HadoopOutput.check(uri, false, conf));
        assertTrue(flags(e).contains("--out") && flags(e).contains("--overwrite"), flags(e));

        // A failure while writing leaves the previous output untouched and no temporary directory.
        Files.writeString(stage.resolve("run.json"), manifest(2));
        assertThrows(IllegalStateException.class, () -> HadoopOutput.publish(stage, List.of("run.json"), uri, true,
                conf, dir -> {
                    throw new IllegalStateException("job failed");
                }));
        assertEquals(manifest(1), Files.readString(target.resolve("run.json")));
        assertEquals(1, countSiblings());

        // With overwrite, the new output replaces the old one only when complete.
        HadoopOutput.publish(stage, List.of("run.json"), uri, true, conf, dir -> writeMarker(dir));
        assertEquals(manifest(2), Files.readString(target.resolve("run.json")));
        assertFalse(Files.exists(target.resolve("samples.npy")), "the old directory is gone");
        assertEquals(1, countSiblings());
    }

    @Test
    void overwriteReplacesOnlyAPiadmOutput() throws IOException {
        Path user = Files.createDirectories(tmp.resolve("user"));
        Files.writeString(user.resolve("precious.txt"), "mine");
        String uri = user.toUri().toString();
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> HadoopOutput.check(uri, true, new Configuration()));
        assertTrue(flags(e).contains("is not a piadm output"), flags(e));
        assertEquals("mine", Files.readString(user.resolve("precious.txt")));
    }

    /** A run.json as piadm sample writes it (the fields that make a directory a piadm output). */
    private static String manifest(int seed) {
        return "{\"sampler\":\"sde\",\"seed\":" + seed + ",\"samples\":2,\"outputs\":[\"run.json\",\"samples.npy\"]}";
    }

    @Test
    void unreachableFileSystemIsAClearError() {
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> HadoopOutput.check("nosuchfs://host/run1", false, new Configuration()));
        assertTrue(flags(e).startsWith("--out nosuchfs://host/run1: cannot reach its file system"), flags(e));
    }

    private long countSiblings() throws IOException {
        try (var s = Files.list(tmp)) {
            return s.filter(p -> !p.getFileName().toString().equals("stage")).count();
        }
    }

    private static void writeMarker(org.apache.hadoop.fs.Path dir) {
        try {
            Path p = Path.of(new org.apache.hadoop.fs.Path(dir, "samples.parquet/_SUCCESS").toUri());
            Files.createDirectories(p.getParent());
            Files.writeString(p, "");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The message as the command line renders it. */
    private static String flags(InvalidSettingException e) {
        return e.render(s -> "--" + s.key());
    }
}
