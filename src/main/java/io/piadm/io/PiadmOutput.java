package io.piadm.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What an existing directory says about itself: whether it is an output of {@code piadm sample} (it holds
 * a {@code run.json} manifest with the fields that command writes), whether every file the manifest lists
 * is there (a complete output: run.json is written last and the directory appears by one rename), and the
 * configuration hash of the run (job.RunIdentity), so a scheduled rerun can tell "this exact run already
 * succeeded" from "something else is in the way". Read as a plain JSON tree (Jackson, no typing), at
 * most {@value #MAX_MANIFEST_BYTES} bytes, never following a symbolic link.
 */
public final class PiadmOutput {
    /** Largest run.json read (a long run's per-block trace is a few MB). */
    static final long MAX_MANIFEST_BYTES = 64L << 20;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final String configHash;
    private final List<String> outputs;
    private final List<String> missing;
    private final JsonNode manifest;

    private PiadmOutput(String configHash, List<String> outputs, List<String> missing, JsonNode manifest) {
        this.configHash = configHash;
        this.outputs = outputs;
        this.missing = missing;
        this.manifest = manifest;
    }

    /** The configuration hash recorded in run.json, or null (outputs of older versions). */
    public String configHash() {
        return configHash;
    }

    /** The files run.json lists as written. */
    public List<String> outputs() {
        return Collections.unmodifiableList(outputs);
    }

    /** Listed files that are not there (empty for a complete output). */
    public List<String> missing() {
        return Collections.unmodifiableList(missing);
    }

    public boolean complete() {
        return missing.isEmpty();
    }

    /** The manifest's field {@code key} as text, or null. */
    public String field(String key) {
        JsonNode n = manifest.get(key);
        return n == null || n.isNull() ? null : n.isValueNode() ? n.asText() : n.toString();
    }

    /** A short description for messages: sampler, model, samples, seed. */
    public String describe() {
        JsonNode model = manifest.get("modelId");
        return field("sampler") + " on " + (model == null ? "?" : model.asText()) + ", " + field("samples")
                + " samples, seed " + field("seed");
    }

    /** The piadm output in local directory {@code dir}, or null when {@code dir} is not one (or is absent). */
    public static PiadmOutput readLocal(Path dir) {
        try {
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                return null;
            }
            Path manifest = dir.resolve("run.json");
            if (!Files.isRegularFile(manifest, LinkOption.NOFOLLOW_LINKS)
                    || Files.size(manifest) > MAX_MANIFEST_BYTES) {
                return null;
            }
            JsonNode j;
            try (InputStream in = Files.newInputStream(manifest, LinkOption.NOFOLLOW_LINKS)) {
                j = MAPPER.readTree(in);
            }
            List<String> outputs = outputsOf(j);
            if (outputs == null) {
                return null;
            }
            List<String> missing = new ArrayList<>();
            for (String f : outputs) {
                if (!safeName(f) || !Files.exists(dir.resolve(f), LinkOption.NOFOLLOW_LINKS)) {
                    missing.add(f);
                }
            }
            return new PiadmOutput(text(j, "configHash"), outputs, missing, j);
        } catch (IOException | RuntimeException e) {
            return null; // unreadable or not JSON: not (recognisably) a piadm output
        }
    }

    /** The piadm output at Hadoop path {@code dir}, or null. */
    public static PiadmOutput readHadoop(String dir, Configuration conf) {
        try {
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(java.net.URI.create(dir).normalize());
            FileSystem fs = p.getFileSystem(conf);
            FileStatus st;
            try {
                st = fs.getFileLinkStatus(p);
            } catch (FileNotFoundException e) {
                return null;
            } catch (UnsupportedOperationException e) {
                st = fs.getFileStatus(p);
            }
            if (!st.isDirectory()) {
                return null;
            }
            org.apache.hadoop.fs.Path m = new org.apache.hadoop.fs.Path(p, "run.json");
            if (!fs.exists(m)) {
                return null;
            }
            FileStatus ms = fs.getFileStatus(m);
            if (!ms.isFile() || ms.getLen() > MAX_MANIFEST_BYTES) {
                return null;
            }
            JsonNode j;
            try (InputStream in = fs.open(m)) {
                j = MAPPER.readTree(in);
            }
            List<String> outputs = outputsOf(j);
            if (outputs == null) {
                return null;
            }
            List<String> missing = new ArrayList<>();
            for (String f : outputs) {
                if (!safeName(f) || !fs.exists(new org.apache.hadoop.fs.Path(p, f))) {
                    missing.add(f);
                }
            }
            return new PiadmOutput(text(j, "configHash"), outputs, missing, j);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The manifest's outputs when it has the fields piadm sample writes, else null. */
    private static List<String> outputsOf(JsonNode j) {
        if (j == null || !j.isObject() || !j.path("sampler").isTextual() || !j.has("seed") || !j.has("samples")
                || !j.path("outputs").isArray()) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (JsonNode f : j.get("outputs")) {
            if (!f.isTextual()) {
                return null;
            }
            out.add(f.asText());
        }
        return out.contains("run.json") ? out : null;
    }

    /** A plain file name (the manifest lists names inside the directory, nothing else). */
    private static boolean safeName(String f) {
        return !f.isEmpty() && !f.contains("/") && !f.contains("\\") && !f.equals(".") && !f.equals("..");
    }

    private static String text(JsonNode j, String key) {
        JsonNode n = j.get(key);
        return n != null && n.isTextual() ? n.asText() : null;
    }
}
