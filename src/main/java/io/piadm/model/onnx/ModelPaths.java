package io.piadm.model.onnx;

import io.piadm.config.InvalidSettingException;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * Where an {@code onnx:PATH} lives, and reading it safely. A path with a URI scheme goes through Hadoop's
 * FileSystem as given. A relative local path is looked up in the working directory first (so YARN's
 * {@code --files model.onnx}, which lands in the container's directory, keeps working), then in the piadm
 * project directory, so the README's {@code onnx:models/two-moons.onnx} works from any directory. Only a
 * regular file of at most {@value #MAX_BYTES} bytes (ONNX's protobuf limit is 2 GiB) is read: a
 * directory, a device such as /dev/zero or a pipe is refused before any byte is read.
 */
public final class ModelPaths {
    /** Largest model file read (protobuf messages are limited to 2 GiB). */
    public static final long MAX_BYTES = Integer.MAX_VALUE - 8;
    /** System property naming the project directory (scripts/piadm sets it). */
    public static final String HOME_PROPERTY = "piadm.home";

    private ModelPaths() {}

    static boolean hasScheme(String p) {
        return p.matches("^[a-zA-Z][a-zA-Z0-9+.-]+:.*");
    }

    /**
     * The path executors should read: {@code path} itself when it has a scheme, is absolute or exists in the
     * working directory; else the project directory's file of that name when that exists; else a message
     * naming every place looked in.
     */
    static String resolve(String label, String path) {
        if (hasScheme(path)) {
            return path;
        }
        Path p;
        try {
            p = Paths.get(path);
        } catch (RuntimeException e) {
            throw InvalidSettingException.model(label + ": '" + path + "' is not a valid path (" + e.getMessage() + ")");
        }
        if (p.isAbsolute() || Files.exists(p)) {
            return path;
        }
        List<String> looked = new ArrayList<>();
        looked.add(p.toAbsolutePath().normalize().toString());
        Path home = projectHome();
        if (home != null) {
            Path q = home.resolve(p).normalize();
            if (Files.exists(q)) {
                return q.toString();
            }
            if (!looked.contains(q.toString())) {
                looked.add(q.toString());
            }
        }
        throw InvalidSettingException.model(label + ": no such model file; looked for " + String.join(" and ", looked)
                + (home == null ? "" : " (relative paths are tried in the working directory, then in the piadm"
                        + " project directory)")
                + (label.indexOf(',') >= 0 ? "; a path that holds commas must be quoted: onnx:\"PATH\",..." : ""));
    }

    /**
     * The project directory: the {@value #HOME_PROPERTY} property, else the directory above {@code target/}
     * holding this code (target/classes or target/piadm.jar), else null.
     */
    static Path projectHome() {
        String prop = System.getProperty(HOME_PROPERTY);
        if (prop != null && !prop.isBlank()) {
            return Paths.get(prop).toAbsolutePath().normalize();
        }
        try {
            File src = new File(ModelPaths.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            File target = src.getParentFile();
            if (target != null && target.getName().equals("target") && target.getParentFile() != null) {
                return target.getParentFile().toPath().toAbsolutePath().normalize();
            }
        } catch (java.net.URISyntaxException | RuntimeException e) {
            // no code source (e.g. a custom class loader): no project directory
        }
        return null;
    }

    /** The bytes of the model file, refusing anything but a regular file of bounded size. */
    static byte[] read(String label, String p) {
        try {
            if (hasScheme(p)) {
                org.apache.hadoop.fs.Path hp = new org.apache.hadoop.fs.Path(p);
                org.apache.hadoop.fs.FileSystem fs = hp.getFileSystem(new org.apache.hadoop.conf.Configuration());
                org.apache.hadoop.fs.FileStatus st;
                try {
                    st = fs.getFileStatus(hp);
                } catch (java.io.FileNotFoundException e) {
                    throw InvalidSettingException.model(label + ": no such model file " + p);
                }
                if (!st.isFile()) {
                    throw InvalidSettingException.model(label + ": " + p + " is not a regular file");
                }
                checkSize(label, p, st.getLen());
                try (InputStream in = fs.open(hp)) {
                    return in.readAllBytes();
                }
            }
            Path f = Paths.get(p);
            if (!Files.exists(f)) {
                throw InvalidSettingException.model(label + ": no such model file " + f.toAbsolutePath().normalize());
            }
            if (Files.isDirectory(f)) {
                throw InvalidSettingException.model(label + ": " + p + " is a directory, not an ONNX model file");
            }
            if (!Files.isRegularFile(f)) {
                throw InvalidSettingException.model(label + ": " + p
                        + " is not a regular file (a device, pipe or socket), so it is not read");
            }
            checkSize(label, p, Files.size(f));
            return Files.readAllBytes(f);
        } catch (NoSuchFileException e) {
            throw InvalidSettingException.model(label + ": no such model file " + p, e);
        } catch (AccessDeniedException e) {
            throw InvalidSettingException.model(label + ": cannot read " + p + " (permission denied)", e);
        } catch (IOException | RuntimeException e) {
            if (e instanceof InvalidSettingException ise) {
                throw ise;
            }
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw InvalidSettingException.model(label + ": cannot read the model file " + p + " (" + firstLine(why)
                    + ")", e);
        }
    }

    private static void checkSize(String label, String p, long len) {
        if (len == 0) {
            throw InvalidSettingException.model(label + ": " + p + " is empty (0 bytes), not an ONNX model");
        }
        if (len > MAX_BYTES) {
            throw InvalidSettingException.model(label + ": " + p + " holds " + len + " bytes, more than an ONNX"
                    + " model can (2 GiB)");
        }
    }

    /**
     * The path inside an {@code onnx:} spec's first item: as given, or the text between double quotes
     * (so a path may hold commas); quotes elsewhere are refused.
     */
    static String unquote(String label, String item) {
        String s = item.strip();
        if (s.startsWith("\"")) {
            if (s.length() < 2 || !s.endsWith("\"") || s.substring(1, s.length() - 1).contains("\"")) {
                throw InvalidSettingException.model(label + ": a quoted path must be \"PATH\" with nothing after"
                        + " the closing quote, got " + s);
            }
            return s.substring(1, s.length() - 1);
        }
        if (s.contains("\"")) {
            throw InvalidSettingException.model(label + ": quote the whole path (\"PATH\"), got " + s);
        }
        return s;
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }
}
