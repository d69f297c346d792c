package io.piadm.io;

import io.piadm.config.InvalidSettingException;
import io.piadm.config.Setting;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.ThreadLocalRandom;

/**
 * An output directory that appears only when complete. Files are written into a temporary sibling
 * ({@code .NAME.tmp-XXXX} in the same parent, so the final rename stays on one file system and is atomic);
 * {@link #commit()} renames it into place. With overwrite, an existing directory is replaced only after the
 * new one is complete: it is first renamed aside, the new one moved in, then the old one deleted. Closing
 * without commit deletes the temporary directory, so a failed run leaves nothing that looks complete.
 */
public final class OutputDir implements AutoCloseable {
    private final Path target;
    private final boolean overwrite;
    private final Path temp;
    private boolean committed;

    private OutputDir(Path target, boolean overwrite, Path temp) {
        this.target = target;
        this.overwrite = overwrite;
        this.temp = temp;
    }

    /**
     * Checks, without leaving anything behind, that {@code target} can be produced: it must not exist
     * unless {@code overwrite} (and then it must be a directory), and its nearest existing ancestor must be
     * a directory where files can be created (tried with a probe file that is deleted at once). Throws
     * InvalidSettingException naming the output setting.
     */
    public static Path check(Path target, boolean overwrite) {
        if (target.toString().isEmpty()) {
            throw new InvalidSettingException("{0} must name a directory, got an empty path", Setting.OUT);
        }
        Path abs = target.toAbsolutePath().normalize();
        if (abs.getFileName() == null) {
            throw new InvalidSettingException("{0} must name a directory below an existing one, got '" + target + "'",
                    Setting.OUT);
        }
        if (Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) {
            if (!overwrite) {
                throw new InvalidSettingException("{0} '" + target
                        + "' already exists; choose a new directory or pass {1}", Setting.OUT, Setting.OVERWRITE);
            }
            if (!Files.isDirectory(abs, LinkOption.NOFOLLOW_LINKS)) {
                throw new InvalidSettingException("{0} '" + target
                        + "' exists and is not a directory; {1} replaces directories only", Setting.OUT, Setting.OVERWRITE);
            }
            // Only an earlier piadm output, and never ., ~, / or a directory above the working directory.
            OutputSafety.checkReplaceable(abs);
        }
        Path ancestor = abs.getParent();
        while (ancestor != null && !Files.exists(ancestor)) {
            ancestor = ancestor.getParent();
        }
        if (ancestor == null) {
            throw new InvalidSettingException("{0} '" + target + "' has no existing parent directory", Setting.OUT);
        }
        if (!Files.isDirectory(ancestor)) {
            throw new InvalidSettingException("{0} '" + target + "': '" + ancestor
                    + "' is not a directory, so the output directory cannot be created there", Setting.OUT);
        }
        if (!Files.isWritable(ancestor) || !Files.isExecutable(ancestor)) {
            throw new InvalidSettingException("{0} '" + target + "': directory '" + ancestor
                    + "' is not writable", Setting.OUT);
        }
        // Permission bits do not tell everything (root, read-only mounts, /proc): try it. The probe file is
        // deleted at once, so nothing is left behind.
        try {
            Files.delete(Files.createTempFile(ancestor, ".piadm-probe-", ""));
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            String why = e instanceof AccessDeniedException || e instanceof SecurityException ? "permission denied"
                    : e instanceof FileSystemException && ((FileSystemException) e).getReason() != null
                    ? ((FileSystemException) e).getReason() : "the file system refused a new file";
            throw new InvalidSettingException("{0} '" + target + "': cannot create files in '" + ancestor
                    + "' (" + why + ")", Setting.OUT);
        }
        return abs;
    }

    /** {@link #check}s, creates missing parents and the temporary sibling directory. */
    public static OutputDir open(Path target, boolean overwrite) throws IOException {
        Path abs = check(target, overwrite);
        Files.createDirectories(abs.getParent());
        Path temp = Files.createTempDirectory(abs.getParent(), "." + abs.getFileName() + ".tmp-");
        return new OutputDir(abs, overwrite, temp);
    }

    /** Where to write the outputs until {@link #commit()}. */
    public Path dir() {
        return temp;
    }

    /** The final location. */
    public Path target() {
        return target;
    }

    public boolean committed() {
        return committed;
    }

    /** Renames the complete temporary directory into place; returns the final path. */
    public Path commit() throws IOException {
        if (committed) {
            return target;
        }
        // Nothing but plain files and directories is published (a link could point anywhere).
        OutputSafety.checkConfined(temp);
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            if (!overwrite) {
                throw new FileAlreadyExistsException(target.toString(), null,
                        "appeared while the run was in progress; the new outputs were discarded");
            }
            if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS) || PiadmOutput.readLocal(target) == null) {
                throw new FileAlreadyExistsException(target.toString(), null, "was replaced while the run was in"
                        + " progress by something that is not a piadm output; it was left alone and the new outputs"
                        + " were discarded");
            }
            Path old = target.resolveSibling("." + target.getFileName() + ".old-"
                    + Long.toHexString(ThreadLocalRandom.current().nextLong()));
            move(target, old);
            try {
                move(temp, target);
            } catch (IOException e) {
                // Put the previous outputs back: replacing must never lose them.
                move(old, target);
                throw e;
            }
            committed = true;
            deleteRecursively(old);
        } else {
            move(temp, target);
            committed = true;
        }
        return target;
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    /** Deletes the temporary directory unless committed. */
    @Override
    public void close() throws IOException {
        if (!committed) {
            deleteRecursively(temp);
        }
    }

    /**
     * Checks, creating nothing, that {@code file} can be written as a new file: it does not exist, and its
     * parent is an existing directory where a file can be created (a probe file, deleted at once).
     */
    public static void checkNewFile(Path file, Setting setting) {
        if (file.toString().isEmpty()) {
            throw new InvalidSettingException("{0} must name a file, got an empty path", setting);
        }
        Path abs = file.toAbsolutePath().normalize();
        if (Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) {
            throw new InvalidSettingException("{0} '" + file + "' already exists; choose a new file", setting);
        }
        Path parent = abs.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new InvalidSettingException("{0} '" + file + "': the directory '" + parent
                    + "' does not exist", setting);
        }
        try {
            Files.delete(Files.createTempFile(parent, ".piadm-probe-", ""));
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            String why = e instanceof AccessDeniedException || e instanceof SecurityException ? "permission denied"
                    : e instanceof FileSystemException && ((FileSystemException) e).getReason() != null
                    ? ((FileSystemException) e).getReason() : "the file system refused a new file";
            throw new InvalidSettingException("{0} '" + file + "': cannot create files in '" + parent + "' ("
                    + why + ")", setting);
        }
    }

    /** Writes {@code text} to the new file {@code file} through a temporary sibling, then one rename. */
    public static void writeNewFile(Path file, String text) throws IOException {
        Path abs = file.toAbsolutePath().normalize();
        Path tmp = Files.createTempFile(abs.getParent(), "." + abs.getFileName() + ".tmp-", "");
        try {
            Files.writeString(tmp, text);
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Deletes a file tree (no-op when absent); symbolic links are removed, never followed. */
    public static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
