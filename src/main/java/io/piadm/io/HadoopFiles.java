package io.piadm.io;

import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.OutputStream;

/**
 * "Write to a temporary name, then rename" on any Hadoop-compatible file system, in one place: a reader
 * never sees a half-written file or directory under its final name.
 */
public final class HadoopFiles {
    private HadoopFiles() {}

    /** Writes {@code target} through {@code .NAME.tmp} beside it (synced, then renamed over the target). */
    public static void writeAtomically(FileSystem fs, Path target, HadoopOutput.IoConsumer<OutputStream> body)
            throws IOException {
        Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp");
        try (FSDataOutputStream out = fs.create(tmp, true)) {
            body.accept(out);
            out.hsync();
        }
        if (fs.exists(target)) {
            fs.delete(target, false);
        }
        rename(fs, tmp, target);
    }

    /** A rename that fails loudly (Hadoop's returns false instead of throwing). */
    public static void rename(FileSystem fs, Path from, Path to) throws IOException {
        if (!fs.rename(from, to)) {
            throw new IOException("could not rename " + from + " to " + to);
        }
    }
}
