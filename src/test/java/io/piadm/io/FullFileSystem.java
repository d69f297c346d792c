package io.piadm.io;

import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Hadoop file system ({@code fullfs:///PATH}, the local disk underneath) whose disk "fills up": once
 * {@link #bytesLeft} bytes have been written in all, every further write throws the IOException a real
 * full disk gives ("No space left on device"). Registered for tests through META-INF/services.
 */
public class FullFileSystem extends RawLocalFileSystem {
    public static final String SCHEME = "fullfs";
    /** Bytes that may still be written (all files together); Long.MAX_VALUE: unlimited. */
    public static final AtomicLong bytesLeft = new AtomicLong(Long.MAX_VALUE);

    @Override
    public String getScheme() {
        return SCHEME;
    }

    @Override
    public URI getUri() {
        return URI.create(SCHEME + ":///");
    }

    @Override
    public FSDataOutputStream create(Path f, boolean overwrite, int bufferSize, short replication, long blockSize,
            Progressable progress) throws IOException {
        return limited(super.create(f, overwrite, bufferSize, replication, blockSize, progress));
    }

    @Override
    public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite, int bufferSize,
            short replication, long blockSize, Progressable progress) throws IOException {
        return limited(super.create(f, permission, overwrite, bufferSize, replication, blockSize, progress));
    }

    @Override
    public FSDataOutputStream createNonRecursive(Path f, FsPermission permission, boolean overwrite, int bufferSize,
            short replication, long blockSize, Progressable progress) throws IOException {
        return limited(super.createNonRecursive(f, permission, overwrite, bufferSize, replication, blockSize, progress));
    }

    private FSDataOutputStream limited(FSDataOutputStream out) {
        return new FSDataOutputStream(new FilterOutputStream(out) {
            @Override
            public void write(int b) throws IOException {
                take(1);
                out.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                take(len);
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                out.close();
            }
        }, null);
    }

    private static void take(long n) throws IOException {
        if (bytesLeft.addAndGet(-n) < 0) {
            bytesLeft.set(0);
            throw new IOException("No space left on device");
        }
    }
}
