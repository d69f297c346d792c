package io.piadm.io;

import io.piadm.config.InvalidSettingException;
import io.piadm.config.Setting;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The rules that keep a run's writes and deletes to what it owns (never delete what the run did not
 * create):
 * <ul>
 *   <li>{@link #checkReplaceable}: overwrite replaces only a directory that is a piadm output (it holds a
 *       piadm run.json), and never the file-system root, the working directory or one of its parents, or
 *       the home directory or one of its parents, whatever they hold;</li>
 *   <li>{@link #checkConfined}: before a temporary output directory is renamed into place, everything in
 *       it is a plain file or directory (a symbolic link that appeared there could redirect a later reader
 *       or writer outside the output);</li>
 *   <li>{@link #cleanLeftovers}: a run killed while writing leaves {@code .NAME.tmp-*} (and, killed in the
 *       middle of an overwrite, {@code .NAME.old-*}) beside the output; the next run for the same output,
 *       once it holds the output's claim (so no live run is writing them), removes exactly these names.</li>
 * </ul>
 */
public final class OutputSafety {
    private static final Logger LOG = LoggerFactory.getLogger(OutputSafety.class);

    private OutputSafety() {}

    /** {@code .NAME.tmp-<digits or hex>}: OutputDir's (Files.createTempDirectory) and HadoopOutput's temporaries. */
    static Pattern tempPattern(String name) {
        return Pattern.compile(Pattern.quote("." + name + ".tmp-") + "[0-9a-fA-F]{1,32}");
    }

    /** {@code .NAME.old-<hex>}: a previous output moved aside during an overwrite. */
    static Pattern oldPattern(String name) {
        return Pattern.compile(Pattern.quote("." + name + ".old-") + "[0-9a-fA-F]{1,32}");
    }

    /**
     * Refuses to replace {@code abs} (an existing directory, absolute and normalised) unless it is a piadm
     * output and none of the protected directories. {@code cwd} and {@code home}: the working and home
     * directories (parameters so tests can name their own).
     */
    public static void checkReplaceable(Path abs, Path cwd, Path home) {
        if (abs.getParent() == null) {
            throw new InvalidSettingException("{1} never replaces the file-system root, got {0} '" + abs + "'",
                    Setting.OUT, Setting.OVERWRITE);
        }
        if (cwd != null && contains(abs, cwd)) {
            throw new InvalidSettingException("{1} never replaces the working directory or a directory above it,"
                    + " got {0} '" + abs + "'", Setting.OUT, Setting.OVERWRITE);
        }
        if (home != null && contains(abs, home)) {
            throw new InvalidSettingException("{1} never replaces the home directory or a directory above it,"
                    + " got {0} '" + abs + "'", Setting.OUT, Setting.OVERWRITE);
        }
        PiadmOutput prev = PiadmOutput.readLocal(abs);
        if (prev == null) {
            throw new InvalidSettingException("{0} '" + abs + "' exists and is not a piadm output (it has no run.json"
                    + " written by piadm sample); {1} replaces only earlier piadm outputs: choose a new {0}",
                    Setting.OUT, Setting.OVERWRITE);
        }
    }

    /** As {@link #checkReplaceable(Path, Path, Path)} with this process's working and home directories. */
    public static void checkReplaceable(Path abs) {
        checkReplaceable(abs, Paths.get("").toAbsolutePath().normalize(), home());
    }

    private static Path home() {
        String h = System.getProperty("user.home");
        return h == null || h.isBlank() ? null : Paths.get(h).toAbsolutePath().normalize();
    }

    /** True when {@code dir} is {@code inner} or one of its ancestors, by name and by real path. */
    private static boolean contains(Path dir, Path inner) {
        if (inner.startsWith(dir)) {
            return true;
        }
        try {
            return inner.toRealPath().startsWith(dir.toRealPath());
        } catch (IOException e) {
            return false;
        }
    }

    /** Refuses an existing Hadoop directory that is not a piadm output as a target of overwrite. */
    public static void checkReplaceableHadoop(String out, Configuration conf) {
        if (PiadmOutput.readHadoop(out, conf) == null) {
            throw new InvalidSettingException("{0} " + out + " exists and is not a piadm output (it has no run.json"
                    + " written by piadm sample); {1} replaces only earlier piadm outputs: choose a new {0}",
                    Setting.OUT, Setting.OVERWRITE);
        }
    }

    /**
     * Refuses a checkpoint directory that is the output directory or inside it: the output directory
     * must not exist until the run commits it, and committing would move the checkpoints with it.
     */
    public static void checkCheckpointOutside(String out, String checkpointDir) {
        if (checkpointDir == null) {
            return;
        }
        URI o = asUri(out);
        URI c = asUri(checkpointDir);
        if (o == null || c == null) {
            return;
        }
        String op = o.normalize().getPath();
        String cp = c.normalize().getPath();
        boolean sameFs = java.util.Objects.equals(o.getScheme(), c.getScheme())
                && java.util.Objects.equals(o.getAuthority(), c.getAuthority());
        if (sameFs && op != null && cp != null && (cp.equals(op) || cp.startsWith(op.endsWith("/") ? op : op + "/"))) {
            throw new InvalidSettingException("{0} " + checkpointDir + " is inside {1} " + out + "; put the checkpoints"
                    + " outside the output directory (default: .NAME.checkpoint beside it)", Setting.CHECKPOINT_DIR,
                    Setting.OUT);
        }
    }

    /** A local path or URI as an absolute URI (null when not parseable: other checks report it). */
    private static URI asUri(String s) {
        try {
            if (HadoopOutput.isRemote(s) || s.startsWith("file:")) {
                URI u = URI.create(s);
                return u.getScheme() == null ? null : u;
            }
            return Paths.get(s).toAbsolutePath().normalize().toUri();
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * Checks that the tree under {@code dir} holds only regular files and directories (no symbolic links,
     * devices or pipes), without following links; throws IOException naming the first offender.
     */
    public static void checkConfined(Path dir) throws IOException {
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (!attrs.isRegularFile() && !attrs.isDirectory()) {
                    throw new IOException(file + " is " + (attrs.isSymbolicLink() ? "a symbolic link" : "not a regular file")
                            + " inside the output being written; refusing to publish it");
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /**
     * Removes what an interrupted run for local output {@code target} left beside it: {@code .NAME.tmp-*}
     * (a half-written output); and {@code .NAME.old-*} (a previous piadm output moved aside by an
     * overwrite): put back when the target is missing (the overwrite never completed), removed when the
     * target exists (it completed). Only call while holding the output's claim. Returns what was done.
     */
    public static List<String> cleanLeftovers(Path target) throws IOException {
        List<String> done = new ArrayList<>();
        Path parent = target.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            return done;
        }
        String name = target.getFileName().toString();
        Pattern tmp = tempPattern(name);
        Pattern old = oldPattern(name);
        List<Path> olds = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(parent)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (tmp.matcher(n).matches() && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    OutputDir.deleteRecursively(p);
                    done.add("removed " + p + " (left by an interrupted run)");
                } else if (old.matcher(n).matches() && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    olds.add(p);
                }
            }
        }
        for (Path p : olds) {
            if (PiadmOutput.readLocal(p) == null) {
                done.add("left " + p + " alone (not a piadm output)");
                continue;
            }
            if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                Files.move(p, target);
                done.add("restored " + target + " from " + p + " (an overwrite was interrupted before the new"
                        + " output was in place)");
            } else {
                OutputDir.deleteRecursively(p);
                done.add("removed " + p + " (the previous output an interrupted overwrite had already replaced)");
            }
        }
        for (String s : done) {
            LOG.warn("{}", s);
        }
        return done;
    }

    /** {@link #cleanLeftovers(Path)} for a Hadoop URI output. */
    public static List<String> cleanLeftoversHadoop(String out, Configuration conf) throws IOException {
        List<String> done = new ArrayList<>();
        org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(URI.create(out).normalize());
        org.apache.hadoop.fs.Path parent = target.getParent();
        FileSystem fs = target.getFileSystem(conf);
        if (parent == null || !fs.exists(parent)) {
            return done;
        }
        Pattern tmp = tempPattern(target.getName());
        Pattern old = oldPattern(target.getName());
        List<org.apache.hadoop.fs.Path> olds = new ArrayList<>();
        for (FileStatus st : fs.listStatus(parent)) {
            String n = st.getPath().getName();
            if (st.isDirectory() && tmp.matcher(n).matches()) {
                fs.delete(st.getPath(), true);
                done.add("removed " + st.getPath() + " (left by an interrupted run)");
            } else if (st.isDirectory() && old.matcher(n).matches()) {
                olds.add(st.getPath());
            }
        }
        for (org.apache.hadoop.fs.Path p : olds) {
            if (PiadmOutput.readHadoop(p.toUri().toString(), conf) == null) {
                done.add("left " + p + " alone (not a piadm output)");
                continue;
            }
            if (!fs.exists(target)) {
                HadoopFiles.rename(fs, p, target);
                done.add("restored " + target + " from " + p + " (an overwrite was interrupted before the new"
                        + " output was in place)");
            } else {
                fs.delete(p, true);
                done.add("removed " + p + " (the previous output an interrupted overwrite had already replaced)");
            }
        }
        for (String s : done) {
            LOG.warn("{}", s);
        }
        return done;
    }
}
