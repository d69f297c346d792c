package io.piadm.checkpoint;

import io.piadm.config.InvalidSettingException;
import io.piadm.config.Setting;
import io.piadm.io.HadoopFiles;
import io.piadm.job.ResumeMode;
import io.piadm.job.RunIdentity;
import io.piadm.sampler.SamplingListener;
import io.piadm.sampler.StageTrace;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Block checkpoints in a directory, through the Hadoop FileSystem API (any Hadoop-compatible path: file:,
 * hdfs:, s3a:). After stage n the state goes to {@code PREFIXNNNNN.ckpt} ({@link CheckpointFormat}), written
 * as {@code .PREFIXNNNNN.ckpt.tmp} and renamed, so a reader never sees a half-written file. The newest
 * {@value #KEEP} checkpoints are kept, so a damaged newest one leaves an older one to continue from.
 *
 * <p>This class only ever deletes files it names itself (its checkpoints and their temporaries) and the
 * directory when it created it and it is empty afterwards: a directory the user pointed it at keeps
 * everything else.
 */
public final class Checkpoints {
    private static final Logger LOG = LoggerFactory.getLogger(Checkpoints.class);

    /** Checkpoints kept: the newest and one to fall back to. */
    static final int KEEP = 2;
    /** Marker of a checkpoint directory this class created (and so may remove once empty). */
    static final String MARKER = ".piadm-checkpoint-dir";
    static final String DEFAULT_PREFIX = "block-";
    private static final String SUFFIX = ".ckpt";

    private final Path dir;
    private final FileSystem fs;
    private final String prefix;
    private final Pattern own;
    private final Pattern ownTemp;
    /** Find and prune this series' files by name instead of listing the directory (see the constructor). */
    private final boolean byName;

    public Checkpoints(String dir, Configuration hadoop) {
        this(dir, hadoop, DEFAULT_PREFIX);
    }

    /** {@code prefix} distinguishes checkpoint series sharing a directory (e.g. one per sample chunk). */
    public Checkpoints(String dir, Configuration hadoop, String prefix) {
        this(dir, hadoop, prefix, false);
    }

    /**
     * @param byName when true, {@link #write} removes the one file that falls out of the newest {@value #KEEP}
     *               by its name and {@link #latest(int)} probes names, so that thousands of series sharing a
     *               directory (one per sample chunk) never list it: listing costs O(files) per call.
     */
    public Checkpoints(String dir, Configuration hadoop, String prefix, boolean byName) {
        this.byName = byName;
        try {
            this.dir = new Path(dir);
            this.fs = this.dir.getFileSystem(hadoop);
        } catch (IOException | IllegalArgumentException e) {
            throw new InvalidSettingException("{0} " + dir + ": not a usable Hadoop path (" + e.getMessage() + ")",
                    e, Setting.CHECKPOINT_DIR);
        }
        this.prefix = prefix;
        this.own = Pattern.compile(Pattern.quote(prefix) + "(\\d{5,})" + Pattern.quote(SUFFIX));
        this.ownTemp = Pattern.compile("\\." + Pattern.quote(prefix) + "\\d{5,}" + Pattern.quote(SUFFIX) + "\\.tmp");
    }

    public Path dir() {
        return dir;
    }

    static String fileName(String prefix, int stage) {
        return String.format("%s%05d%s", prefix, stage, SUFFIX);
    }

    /** The file name of stage {@code stage}'s checkpoint with the default prefix. */
    public static String fileName(int stage) {
        return fileName(DEFAULT_PREFIX, stage);
    }

    /**
     * Checks, before any work, that checkpoints can be written here: the path is a directory or absent,
     * and a file can be created in it. Leaves nothing behind that was not there.
     */
    public void checkWritable() {
        try {
            if (fs.exists(dir) && !fs.getFileStatus(dir).isDirectory()) {
                throw new InvalidSettingException("{0} " + dir + " exists and is not a directory", Setting.CHECKPOINT_DIR);
            }
            boolean created = ensureDir();
            Path probe = new Path(dir, ".piadm-probe-" + Long.toHexString(System.nanoTime()));
            try {
                fs.create(probe, false).close();
                fs.delete(probe, false);
            } finally {
                if (created) {
                    fs.delete(new Path(dir, MARKER), false);
                    fs.delete(dir, false);
                }
            }
        } catch (IOException e) {
            String why = e instanceof java.nio.file.AccessDeniedException
                    || e instanceof org.apache.hadoop.security.AccessControlException ? "permission denied"
                    : e.getMessage() == null ? e.getClass().getSimpleName() : firstLine(e.getMessage());
            throw new InvalidSettingException("{0} " + dir + ": cannot write checkpoints there (" + why + ")", e,
                    Setting.CHECKPOINT_DIR);
        }
    }

    /** Creates the directory if missing, with the marker that says this class created it. */
    boolean ensureDir() throws IOException {
        if (fs.exists(dir)) {
            return false;
        }
        if (!fs.mkdirs(dir)) {
            throw new IOException("cannot create " + dir);
        }
        fs.create(new Path(dir, MARKER), false).close();
        return true;
    }

    /** Writes {@code s} (temporary file, then rename) and removes this series' checkpoints older than the newest KEEP. */
    public void write(CheckpointState s) {
        try {
            ensureDir();
            HadoopFiles.writeAtomically(fs, new Path(dir, fileName(prefix, s.stage())),
                    out -> CheckpointFormat.write(s, out));
            if (byName) {
                // Stages are written one after another, so the file leaving the newest KEEP is this one.
                if (s.stage() >= KEEP) {
                    fs.delete(new Path(dir, fileName(prefix, s.stage() - KEEP)), false);
                }
                return;
            }
            List<FileStatus> files = list();
            for (int k = KEEP; k < files.size(); k++) {
                fs.delete(files.get(k).getPath(), false);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing the checkpoint of block " + (s.stage() + 1) + " to " + dir + ": "
                    + e.getMessage(), e);
        }
    }

    /** This series' checkpoint files, newest (highest stage) first. */
    private List<FileStatus> list() throws IOException {
        List<FileStatus> out = new ArrayList<>();
        if (!fs.exists(dir)) {
            return out;
        }
        for (FileStatus st : fs.listStatus(dir)) {
            if (st.isFile() && own.matcher(st.getPath().getName()).matches()) {
                out.add(st);
            }
        }
        out.sort(Comparator.comparingInt((FileStatus st) -> stageOf(st.getPath().getName())).reversed());
        return out;
    }

    private int stageOf(String name) {
        Matcher m = own.matcher(name);
        return m.matches() ? Integer.parseInt(m.group(1)) : -1;
    }

    /** True when this series has at least one checkpoint file here (valid or not). */
    public boolean exists() {
        try {
            return !list().isEmpty();
        } catch (IOException e) {
            throw new UncheckedIOException("listing checkpoints in " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * The newest checkpoint that reads back whole, falling back to older ones (with a warning) when the
     * newest is damaged; null when there is none. Throws, naming every file and its problem, when all are
     * damaged.
     */
    public CheckpointState latest() {
        try {
            List<String> problems = new ArrayList<>();
            for (FileStatus st : list()) {
                try (FSDataInputStream in = fs.open(st.getPath())) {
                    CheckpointState s = CheckpointFormat.read(in, st.getPath().toString());
                    if (!problems.isEmpty()) {
                        LOG.warn("using the older checkpoint {}: {}", st.getPath(), String.join("; ", problems));
                    }
                    return s;
                } catch (CorruptCheckpointException e) {
                    problems.add(e.getMessage());
                } catch (IOException e) {
                    // e.g. the file system's own checksum (Hadoop's .crc files) caught the damage first
                    problems.add("checkpoint " + st.getPath() + " is unusable: " + e.getClass().getSimpleName() + ": "
                            + firstLine(e.getMessage()));
                }
            }
            if (!problems.isEmpty()) {
                throw new IllegalStateException(String.join("; ", problems));
            }
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("reading checkpoints in " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * As {@link #latest()}, finding the files by name: probes stages {@code stageCount - 1} down to 0 and
     * returns the newest that reads back whole (warning when it had to fall back), null when there is none.
     */
    public CheckpointState latest(int stageCount) {
        List<String> problems = new ArrayList<>();
        for (int stage = stageCount - 1; stage >= 0; stage--) {
            Path p = new Path(dir, fileName(prefix, stage));
            try (FSDataInputStream in = fs.open(p)) {
                CheckpointState s = CheckpointFormat.read(in, p.toString());
                if (!problems.isEmpty()) {
                    LOG.warn("using the older checkpoint {}: {}", p, String.join("; ", problems));
                }
                return s;
            } catch (java.io.FileNotFoundException e) {
                // not written (yet)
            } catch (CorruptCheckpointException e) {
                problems.add(e.getMessage());
            } catch (IOException e) {
                problems.add("checkpoint " + p + " is unusable: " + e.getClass().getSimpleName() + ": "
                        + firstLine(e.getMessage()));
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException(String.join("; ", problems));
        }
        return null;
    }

    /**
     * The checkpoint a run with identity {@code id} continues from, under resume mode {@code mode}, or null
     * to start from the first block. Refuses (one message naming the setting): a fresh run over an
     * interrupted run's checkpoint, a resume with nothing to resume, and a checkpoint of another
     * configuration (naming what differs).
     */
    public CheckpointState open(RunIdentity id, ResumeMode mode) {
        boolean any = exists();
        if (mode == ResumeMode.OFF) {
            if (any) {
                throw new InvalidSettingException("{1} " + dir + " holds the checkpoint of an interrupted run;"
                        + " continue it with {0} (or {0} auto), or choose another {1}", Setting.RESUME,
                        Setting.CHECKPOINT_DIR);
            }
            return null;
        }
        CheckpointState s = any ? latest() : null;
        if (s == null) {
            if (mode == ResumeMode.ON) {
                throw new InvalidSettingException("{0}: there is no checkpoint in " + dir + " to continue from;"
                        + " run without {0}, or with {0} auto to continue only when there is one", Setting.RESUME);
            }
            LOG.info("resume auto: no checkpoint in {}; starting from block 1", dir);
            return null;
        }
        if (!id.hash().equals(s.configHash())) {
            List<String> diff = id.differences(s.identity());
            throw new InvalidSettingException("{0}: the checkpoint in " + dir + " was written by another configuration"
                    + (diff.isEmpty() ? "" : ": " + String.join("; ", diff)) + ". Rerun with the original settings, or"
                    + " choose another {1}", Setting.RESUME, Setting.CHECKPOINT_DIR);
        }
        return s;
    }

    /**
     * Removes this series' checkpoints and leftover temporaries (after the final output is in place), and
     * the directory itself when this class created it and nothing else is left in it.
     */
    public void cleanUp() {
        try {
            if (!fs.exists(dir)) {
                return;
            }
            for (FileStatus st : fs.listStatus(dir)) {
                String n = st.getPath().getName();
                if (st.isFile() && (own.matcher(n).matches() || ownTemp.matcher(n).matches())) {
                    fs.delete(st.getPath(), false);
                }
            }
            Path marker = new Path(dir, MARKER);
            if (fs.exists(marker)) {
                FileStatus[] rest = fs.listStatus(dir);
                if (rest.length == 1) {
                    fs.delete(marker, false);
                    fs.delete(dir, false);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("removing checkpoints in " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * The listener that writes a checkpoint after every stage; {@code previous} are the traces of stages
     * done before a resume, so a second resume still has the whole trace.
     */
    public SamplingListener listener(RunIdentity id, long seed, long firstSample, int count, int dim,
            List<StageTrace> previous, SamplingListener next) {
        List<StageTrace> traces = new ArrayList<>(previous);
        String hash = id.hash();
        java.util.Map<String, Object> fields = id.describe();
        return new SamplingListener() {
            @Override
            public void onSweep(io.piadm.eval.RoundInfo round, double residual, int active, int rows) {
                next.onSweep(round, residual, active, rows);
            }

            @Override
            public void onStageEnd(int stage, int stageCount, StageTrace trace, double[] state) {
                traces.add(trace);
                write(new CheckpointState(hash, fields, seed, stage, stageCount, firstSample, count, dim,
                        state, traces));
                next.onStageEnd(stage, stageCount, trace, state);
            }
        };
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
