package io.piadm.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.piadm.config.InvalidSettingException;
import io.piadm.config.Setting;
import io.piadm.io.HadoopFiles;
import io.piadm.job.ResumeMode;
import io.piadm.job.RunIdentity;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The checkpoints of an executor-resident run: one {@link Checkpoints} series per sample chunk, prefix
 * {@code chunk-NNNNN-block-}, all in one directory, written by the executors themselves, plus one small
 * layout file ({@value #LAYOUT}) that the driver writes before the first task starts: the run identity and
 * the chunking. A resume reads the chunking back from it, so the chunks are found again on any cluster and
 * with any default, and every chunk continues from its own newest valid checkpoint.
 *
 * <p>Like {@link Checkpoints}, this class deletes only names it writes itself: the chunk series of chunks
 * {@code 0 .. chunks)}, their temporaries, the layout file, the staging table of the run's samples
 * ({@code samples-HASH.parquet}) and the directory, when it created it and nothing else is left.
 */
public final class ChunkCheckpoints {
    public static final String LAYOUT = "chunks.json";
    static final String FORMAT = "piadm-chunk-layout";
    static final int VERSION = 1;
    private static final Pattern CHUNK_FILE = Pattern.compile("\\.?chunk-(\\d{5,})-block-\\d{5,}\\.ckpt(\\.tmp)?");
    private static final Pattern STAGING = Pattern.compile("samples-[0-9a-f]{12}\\.parquet");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final FileSystem fs;
    private final Checkpoints base;

    /** How the samples are cut into chunks: stored with the run, so a resume finds the same chunks. */
    public static final class Layout {
        private final long firstSample;
        private final long samples;
        private final int chunks;

        public Layout(long firstSample, long samples, int chunks) {
            if (samples < 1 || chunks < 1 || chunks > samples) {
                throw new IllegalArgumentException("layout of " + samples + " samples in " + chunks + " chunks");
            }
            this.firstSample = firstSample;
            this.samples = samples;
            this.chunks = chunks;
        }

        public long firstSample() {
            return firstSample;
        }

        public long samples() {
            return samples;
        }

        public int chunks() {
            return chunks;
        }

        /**
         * First id of chunk {@code k} ({@code k = chunks} gives the end): balanced contiguous ranges, the
         * first {@code samples mod chunks} chunks one sample longer. Exact in long arithmetic for any count.
         */
        public long start(int k) {
            long base = samples / chunks;
            long rem = samples % chunks;
            return firstSample + k * base + Math.min(k, rem);
        }

        public int count(int k) {
            return (int) (start(k + 1) - start(k));
        }

        /** The largest chunk. */
        public int maxCount() {
            return (int) ((samples + chunks - 1) / chunks);
        }
    }

    public ChunkCheckpoints(String dir, Configuration hadoop) {
        this.base = new Checkpoints(dir, hadoop);
        this.dir = base.dir();
        try {
            this.fs = dir().getFileSystem(hadoop);
        } catch (IOException e) {
            throw new InvalidSettingException("{0} " + dir + ": not a usable Hadoop path (" + e.getMessage() + ")", e,
                    Setting.CHECKPOINT_DIR);
        }
    }

    public Path dir() {
        return dir;
    }

    /** The file-name prefix of chunk {@code k}'s checkpoint series. */
    public static String prefix(int chunk) {
        return String.format(Locale.ROOT, "chunk-%05d-block-", chunk);
    }

    /** The staging directory of the samples table written by the tasks (moved into the output at the end). */
    public Path staging(RunIdentity id) {
        return new Path(dir, "samples-" + id.hash().substring(0, 12) + ".parquet");
    }

    /** True when the directory holds a layout or any chunk checkpoint. */
    public boolean exists() {
        try {
            if (!fs.exists(dir)) {
                return false;
            }
            if (fs.exists(new Path(dir, LAYOUT))) {
                return true;
            }
            for (FileStatus st : fs.listStatus(dir)) {
                Matcher m = CHUNK_FILE.matcher(st.getPath().getName());
                if (st.isFile() && m.matches() && m.group(2) == null) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException("listing checkpoints in " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * The layout a run with identity {@code id} continues with under {@code mode}, or null to start fresh
     * (then {@link #begin} writes one). Refuses, in one message naming the setting, as
     * {@link Checkpoints#open} does: a fresh run over an interrupted run's checkpoints, a resume with
     * nothing to resume, a checkpoint of another configuration (naming what differs).
     */
    public Layout open(RunIdentity id, ResumeMode mode) {
        boolean any = exists();
        if (mode == ResumeMode.OFF) {
            if (any) {
                throw new InvalidSettingException("{1} " + dir + " holds the checkpoint of an interrupted run;"
                        + " continue it with {0} (or {0} auto), or choose another {1}", Setting.RESUME,
                        Setting.CHECKPOINT_DIR);
            }
            return null;
        }
        Path f = new Path(dir, LAYOUT);
        try {
            if (!any || !fs.exists(f)) {
                if (any) {
                    throw new IllegalStateException(dir + " holds chunk checkpoints but no " + LAYOUT
                            + " (it says how the samples were cut into chunks); cannot continue them");
                }
                if (mode == ResumeMode.ON) {
                    throw new InvalidSettingException("{0}: there is no checkpoint in " + dir + " to continue from;"
                            + " run without {0}, or with {0} auto to continue only when there is one", Setting.RESUME);
                }
                return null;
            }
            JsonNode n;
            try (FSDataInputStream in = fs.open(f)) {
                byte[] b = in.readNBytes(1 << 24);
                n = JSON.readTree(new String(b, StandardCharsets.UTF_8));
            }
            String name = f.toString();
            if (n == null || !n.isObject() || !FORMAT.equals(n.path("format").asText())
                    || n.path("version").asInt(-1) != VERSION) {
                throw new CorruptCheckpointException(name, "not a version-" + VERSION + " " + FORMAT + " file");
            }
            String hash = n.path("configHash").asText("");
            if (!id.hash().equals(hash)) {
                List<String> diff = n.get("identity") != null && n.get("identity").isObject()
                        ? id.differences(CheckpointFormat.plain(n.get("identity"))) : List.of();
                throw new InvalidSettingException("{0}: the checkpoint in " + dir + " was written by another"
                        + " configuration" + (diff.isEmpty() ? "" : ": " + String.join("; ", diff)) + ". Rerun with the"
                        + " original settings, or choose another {1}", Setting.RESUME, Setting.CHECKPOINT_DIR);
            }
            JsonNode first = n.get("firstSample");
            JsonNode samples = n.get("samples");
            JsonNode chunks = n.get("chunks");
            if (first == null || !first.canConvertToLong() || samples == null || !samples.canConvertToLong()
                    || chunks == null || !chunks.canConvertToInt()) {
                throw new CorruptCheckpointException(name, "firstSample, samples or chunks missing or not integers");
            }
            try {
                return new Layout(first.asLong(), samples.asLong(), chunks.asInt());
            } catch (IllegalArgumentException e) {
                throw new CorruptCheckpointException(name, e.getMessage());
            }
        } catch (CorruptCheckpointException e) {
            throw new IllegalStateException(e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + f + ": " + e.getMessage(), e);
        }
    }

    /**
     * Which chunks of {@code 0 .. chunks)} have at least one checkpoint file now, from one listing of the
     * directory (the tasks then never list it: a retried task finds its own files by name).
     */
    public boolean[] chunksWithFiles(int chunks) {
        boolean[] out = new boolean[chunks];
        try {
            if (!fs.exists(dir)) {
                return out;
            }
            for (FileStatus st : fs.listStatus(dir)) {
                Matcher m = CHUNK_FILE.matcher(st.getPath().getName());
                if (st.isFile() && m.matches() && m.group(2) == null) {
                    long k = Long.parseLong(m.group(1));
                    if (k < chunks) {
                        out[(int) k] = true;
                    }
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("listing checkpoints in " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Before the first task: creates the directory (with the marker that lets {@link #cleanUp} remove it)
     * and writes the layout atomically, so that tasks never race to create either.
     */
    public void begin(RunIdentity id, Layout layout) {
        try {
            base.ensureDir();
            ObjectNode o = JSON.createObjectNode();
            o.put("format", FORMAT);
            o.put("version", VERSION);
            o.put("configHash", id.hash());
            o.set("identity", JSON.valueToTree(id.describe()));
            o.put("firstSample", layout.firstSample());
            o.put("samples", layout.samples());
            o.put("chunks", layout.chunks());
            byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(o);
            HadoopFiles.writeAtomically(fs, new Path(dir, LAYOUT), out -> out.write(bytes));
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + LAYOUT + " to " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * After the outputs are committed: removes the chunk series of chunks {@code 0 .. chunks)}, their
     * temporaries, the layout, the staging table of {@code id}, and the directory when this class created it
     * and nothing else is in it. Anything else stays.
     */
    public void cleanUp(RunIdentity id, int chunks) {
        try {
            if (!fs.exists(dir)) {
                return;
            }
            String staging = staging(id).getName();
            for (FileStatus st : fs.listStatus(dir)) {
                String n = st.getPath().getName();
                Matcher m = CHUNK_FILE.matcher(n);
                boolean mine = st.isFile() && m.matches() && Long.parseLong(m.group(1)) < chunks;
                mine |= st.isFile() && (n.equals(LAYOUT) || n.equals("." + LAYOUT + ".tmp"));
                mine |= st.isDirectory() && n.equals(staging) && STAGING.matcher(n).matches();
                if (mine) {
                    fs.delete(st.getPath(), st.isDirectory());
                }
            }
            Path marker = new Path(dir, Checkpoints.MARKER);
            if (fs.exists(marker) && fs.listStatus(dir).length == 1) {
                fs.delete(marker, false);
                fs.delete(dir, false);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("removing checkpoints in " + dir + ": " + e.getMessage(), e);
        }
    }
}
