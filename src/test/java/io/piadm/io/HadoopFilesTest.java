package io.piadm.io;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HadoopFilesTest {
    @TempDir
    File tmp;

    private static byte[] read(FileSystem fs, Path p) throws IOException {
        try (FSDataInputStream in = fs.open(p)) {
            return in.readAllBytes();
        }
    }

    @Test
    void localWritesReplaceAtomicallyAndReadBackThroughHadoop() throws IOException {
        FileSystem fs = FileSystem.getLocal(new Configuration());
        assertNotNull(HadoopFiles.localFile(fs, new Path(tmp.toURI())));
        Path target = new Path(new File(tmp, "a.ckpt").toURI());
        // An earlier Hadoop write of the same name left a .crc beside it.
        try (var out = fs.create(target, true)) {
            out.write("old".getBytes(StandardCharsets.UTF_8));
        }
        assertTrue(new File(tmp, ".a.ckpt.crc").exists());
        HadoopFiles.writeAtomically(fs, target, out -> out.write("new content".getBytes(StandardCharsets.UTF_8)));
        // Hadoop's checksummed reader must not check the new bytes against the old .crc.
        assertArrayEquals("new content".getBytes(StandardCharsets.UTF_8), read(fs, target));
        assertFalse(new File(tmp, ".a.ckpt.crc").exists());
        HadoopFiles.writeAtomically(fs, target, out -> out.write("third".getBytes(StandardCharsets.UTF_8)));
        assertArrayEquals("third".getBytes(StandardCharsets.UTF_8), read(fs, target));
        // Nothing else is left beside it: no temporary, no checksum file.
        String[] names = tmp.list();
        assertEquals(1, names.length, String.join(",", names));
    }

    @Test
    void aFailedBodyLeavesTheTargetAsItWas() throws IOException {
        FileSystem fs = FileSystem.getLocal(new Configuration());
        Path target = new Path(new File(tmp, "b.ckpt").toURI());
        HadoopFiles.writeAtomically(fs, target, out -> out.write(1));
        assertThrows(IOException.class, () -> HadoopFiles.writeAtomically(fs, target, out -> {
            out.write(2);
            throw new IOException("disk full");
        }));
        assertArrayEquals(new byte[] {1}, Files.readAllBytes(new File(tmp, "b.ckpt").toPath()));
    }

    @Test
    void otherFileSystemsKeepHadoopsStream() {
        assertEquals(null, HadoopFiles.localFile(new FullFileSystem(), new Path("/x")));
    }
}
