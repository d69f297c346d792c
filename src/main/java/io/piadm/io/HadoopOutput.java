package io.piadm.io;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

import io.piadm.config.InvalidSettingException;
import io.piadm.config.Setting;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/**
 * An output directory on a Hadoop-compatible file system ({@code hdfs://}, {@code s3a://}, ...), needed
 * where the driver does not run on the user's machine (YARN cluster deploy mode). Same contract as the
 * local {@code io.OutputDir}: an existing directory is refused unless overwrite is set, everything is
 * written into a temporary sibling and renamed into place at the end (with overwrite, the old directory
 * is removed only after the new one is complete), so a failed job leaves nothing that looks complete.
 * The small files are staged locally by the caller and copied up; Spark writes the Parquet directly.
 */
public final class HadoopOutput {
    private static final Pattern SCHEME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*://.*");

    private HadoopOutput() {}

    /** True for URIs with a scheme other than {@code file}: the output goes through the Hadoop FileSystem API. */
    public static boolean isRemote(String out) {
        return SCHEME.matcher(out).matches() && !out.startsWith("file:");
    }

    private static org.apache.hadoop.fs.Path path(String uri) {
        return new org.apache.hadoop.fs.Path(URI.create(uri).normalize());
    }

    private static FileSystem fs(org.apache.hadoop.fs.Path p, Configuration conf) throws IOException {
        return p.getFileSystem(conf);
    }

    /** The default checkpoint directory: {@code .NAME.checkpoint} beside the output. */
    public static String checkpointSibling(String out) {
        org.apache.hadoop.fs.Path p;
        try {
            p = path(out);
        } catch (IllegalArgumentException e) {
            return null; // check() reports the bad URI
        }
        if (p.getParent() == null) {
            return null; // a root: check() refuses it
        }
        return new org.apache.hadoop.fs.Path(p.getParent(), "." + p.getName() + ".checkpoint").toString();
    }

    /** Validates the location alone: a valid URI below a root, on a reachable file system. */
    public static void checkLocation(String out, Configuration conf) {
        org.apache.hadoop.fs.Path p;
        try {
            p = path(out);
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingException("{0} " + out + ": not a valid URI (" + e.getMessage() + ")", e, Setting.OUT);
        }
        if (p.getParent() == null) {
            throw new InvalidSettingException("{0} " + out + ": must name a directory below a parent, not a root",
                    Setting.OUT);
        }
        try {
            fs(p, conf).exists(p);
        } catch (IOException e) {
            throw new InvalidSettingException("{0} " + out + ": cannot reach its file system (" + e.getMessage() + ")",
                    e, Setting.OUT);
        }
    }

    /** Validates before any work: reachable file system, no existing output unless overwrite. */
    public static void check(String out, boolean overwrite, Configuration conf) {
        org.apache.hadoop.fs.Path p;
        try {
            p = path(out);
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingException("{0} " + out + ": not a valid URI (" + e.getMessage() + ")", e, Setting.OUT);
        }
        if (p.getParent() == null) {
            throw new InvalidSettingException("{0} " + out + ": must name a directory below a parent, not a root",
                    Setting.OUT);
        }
        try {
            FileSystem fs = fs(p, conf);
            if (fs.exists(p)) {
                if (!overwrite) {
                    throw new InvalidSettingException("{0} " + out + " already exists; choose a new directory or pass {1}",
                            Setting.OUT, Setting.OVERWRITE);
                }
                if (!fs.getFileStatus(p).isDirectory()) {
                    throw new InvalidSettingException("{0} " + out + " exists and is not a directory; {1} replaces"
                            + " directories only", Setting.OUT, Setting.OVERWRITE);
                }
                // Only an earlier piadm output is ever replaced.
                OutputSafety.checkReplaceableHadoop(out, conf);
            }
        } catch (IOException e) {
            throw new InvalidSettingException("{0} " + out + ": cannot reach its file system (" + e.getMessage() + ")",
                    e, Setting.OUT);
        }
    }

    /**
     * Publishes the staged local files plus whatever {@code writeMore} writes into the temporary directory
     * (Spark's Parquet), then renames the temporary directory into place.
     */
    public static void publish(Path stage, List<String> files, String out, boolean overwrite, Configuration conf,
            IoConsumer<org.apache.hadoop.fs.Path> writeMore) throws IOException {
        publish(stage, files, out, overwrite, conf, writeMore, () -> { });
    }

    /** As above; {@code beforeCommit} runs just before the rename into place (e.g. to check the output's claim). */
    public static void publish(Path stage, List<String> files, String out, boolean overwrite, Configuration conf,
            IoConsumer<org.apache.hadoop.fs.Path> writeMore, IoRunnable beforeCommit) throws IOException {
        org.apache.hadoop.fs.Path target = path(out);
        FileSystem fs = fs(target, conf);
        String tag = UUID.randomUUID().toString().substring(0, 8);
        org.apache.hadoop.fs.Path tmp = new org.apache.hadoop.fs.Path(target.getParent(), "." + target.getName() + ".tmp-" + tag);
        boolean done = false;
        try {
            if (!fs.mkdirs(tmp)) {
                throw new IOException("cannot create " + tmp);
            }
            for (String f : files) {
                java.io.File local = stage.resolve(f).toFile();
                if (local.exists()) {
                    fs.copyFromLocalFile(false, true, new org.apache.hadoop.fs.Path(local.toURI()),
                            new org.apache.hadoop.fs.Path(tmp, f));
                }
            }
            writeMore.accept(fs.makeQualified(tmp));
            beforeCommit.run();
            org.apache.hadoop.fs.Path old = null;
            if (fs.exists(target)) {
                if (!overwrite) {
                    throw new IOException(out + " appeared while the job ran; the new outputs were discarded");
                }
                if (PiadmOutput.readHadoop(target.toUri().toString(), conf) == null) {
                    throw new IOException(out + " was replaced while the job ran by something that is not a piadm"
                            + " output; it was left alone and the new outputs were discarded");
                }
                old = new org.apache.hadoop.fs.Path(target.getParent(), "." + target.getName() + ".old-" + tag);
                if (!fs.rename(target, old)) {
                    throw new IOException("cannot move the previous " + out + " aside");
                }
            }
            if (!fs.rename(tmp, target)) {
                if (old != null) {
                    fs.rename(old, target);
                }
                throw new IOException("cannot rename " + tmp + " to " + out);
            }
            done = true;
            if (old != null) {
                fs.delete(old, true);
            }
        } finally {
            if (!done) {
                fs.delete(tmp, true);
            }
        }
    }

    /** An action that may throw IOException. */
    @FunctionalInterface
    public interface IoRunnable {
        void run() throws IOException;
    }

    /** A consumer that may throw IOException. */
    @FunctionalInterface
    public interface IoConsumer<T> {
        void accept(T t) throws IOException;
    }
}
