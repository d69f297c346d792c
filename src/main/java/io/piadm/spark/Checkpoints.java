package io.piadm.spark;

import io.piadm.sampler.SamplingListener;
import io.piadm.sampler.StageTrace;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Block checkpoints through the Hadoop FileSystem API (any Hadoop-compatible path: file:, hdfs:, s3a:):
 * after outer block n the full state rows, the block index, seed and config hash go to
 * {@code DIR/block-NNNNN.ckpt}, written as {@code .block-NNNNN.ckpt.tmp} then renamed, so a reader never
 * sees a half-written file; a CRC32 trailer catches anything else. Older checkpoints are deleted once a
 * newer one is in place. Resuming from block n gives the uninterrupted run's samples bit for bit because
 * the sampler state after a block is exactly the rows (noise is counter-based, keyed by sample and step).
 */
public final class Checkpoints {
    private static final String MAGIC = "PIADM-CKPT-1";
    private static final String PREFIX = "block-";
    private static final String SUFFIX = ".ckpt";

    private final Path dir;
    private final FileSystem fs;

    public Checkpoints(String dir, Configuration hadoop) {
        try {
            this.dir = new Path(dir);
            this.fs = this.dir.getFileSystem(hadoop);
        } catch (IOException e) {
            throw new UncheckedIOException("checkpoint directory " + dir + ": " + e.getMessage(), e);
        }
    }

    public Path dir() {
        return dir;
    }

    /** A checkpoint: the state after block {@code stage} (so the run continues at {@code stage + 1}). */
    public static final class State {
        public final String configHash;
        public final long seed;
        public final int stage;
        public final int stageCount;
        public final long firstSample;
        public final int count;
        public final int dim;
        public final double[] rows;
        public final List<StageTrace> traces;

        public State(String configHash, long seed, int stage, int stageCount, long firstSample, int count, int dim,
                double[] rows, List<StageTrace> traces) {
            this.configHash = configHash;
            this.seed = seed;
            this.stage = stage;
            this.stageCount = stageCount;
            this.firstSample = firstSample;
            this.count = count;
            this.dim = dim;
            this.rows = rows;
            this.traces = traces;
        }

        public int nextStage() {
            return stage + 1;
        }
    }

    static String fileName(int stage) {
        return String.format("%s%05d%s", PREFIX, stage, SUFFIX);
    }

    /** Writes (temp file, then rename) and removes older checkpoints. */
    public void write(State s) {
        try {
            fs.mkdirs(dir);
            Path tmp = new Path(dir, "." + fileName(s.stage) + ".tmp");
            Path fin = new Path(dir, fileName(s.stage));
            byte[] body = encode(s);
            CRC32 crc = new CRC32();
            crc.update(body);
            try (FSDataOutputStream out = fs.create(tmp, true)) {
                out.write(body);
                out.writeLong(crc.getValue());
                out.hsync();
            }
            if (fs.exists(fin)) {
                fs.delete(fin, false);
            }
            if (!fs.rename(tmp, fin)) {
                throw new IOException("could not rename " + tmp + " to " + fin);
            }
            for (FileStatus st : list()) {
                int n = stageOf(st.getPath().getName());
                if (n < s.stage) {
                    fs.delete(st.getPath(), false);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing checkpoint of block " + (s.stage + 1) + " to " + dir + ": "
                    + e.getMessage(), e);
        }
    }

    private List<FileStatus> list() throws IOException {
        List<FileStatus> out = new ArrayList<>();
        if (!fs.exists(dir)) {
            return out;
        }
        for (FileStatus st : fs.listStatus(dir)) {
            String n = st.getPath().getName();
            if (n.startsWith(PREFIX) && n.endsWith(SUFFIX)) {
                out.add(st);
            }
        }
        return out;
    }

    private static int stageOf(String name) {
        return Integer.parseInt(name.substring(PREFIX.length(), name.length() - SUFFIX.length()));
    }

    /**
     * The latest complete checkpoint, or null when there is none. Refuses, naming both hashes, when it was
     * written by a different configuration.
     */
    public State latest(String expectedHash) {
        try {
            FileStatus best = null;
            for (FileStatus st : list()) {
                if (best == null || stageOf(st.getPath().getName()) > stageOf(best.getPath().getName())) {
                    best = st;
                }
            }
            if (best == null) {
                return null;
            }
            byte[] all;
            try (FSDataInputStream in = fs.open(best.getPath())) {
                all = in.readAllBytes();
            }
            if (all.length < 8) {
                throw new IllegalStateException("checkpoint " + best.getPath() + " is truncated");
            }
            CRC32 crc = new CRC32();
            crc.update(all, 0, all.length - 8);
            long stored = new DataInputStream(new ByteArrayInputStream(all, all.length - 8, 8)).readLong();
            if (crc.getValue() != stored) {
                throw new IllegalStateException("checkpoint " + best.getPath() + " is corrupt (CRC mismatch)");
            }
            State s = decode(all, all.length - 8);
            if (expectedHash != null && !expectedHash.equals(s.configHash)) {
                throw new IllegalArgumentException("--resume: the checkpoint in " + dir
                        + " was written by a different configuration (config hash " + s.configHash
                        + ", this run " + expectedHash + "); rerun with the original options, or sample into a"
                        + " new output directory without --resume");
            }
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException("reading checkpoints in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Removes the checkpoint directory (after the final output is in place). */
    public void deleteAll() {
        try {
            if (fs.exists(dir)) {
                fs.delete(dir, true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("removing checkpoints in " + dir + ": " + e.getMessage(), e);
        }
    }

    static byte[] encode(State s) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeUTF(MAGIC);
        out.writeUTF(s.configHash);
        out.writeLong(s.seed);
        out.writeInt(s.stage);
        out.writeInt(s.stageCount);
        out.writeLong(s.firstSample);
        out.writeInt(s.count);
        out.writeInt(s.dim);
        for (double v : s.rows) {
            out.writeLong(Double.doubleToRawLongBits(v));
        }
        ByteArrayOutputStream tb = new ByteArrayOutputStream();
        try (ObjectOutputStream oos = new ObjectOutputStream(tb)) {
            oos.writeObject(new ArrayList<>(s.traces));
        }
        out.writeInt(tb.size());
        tb.writeTo(out);
        out.flush();
        return bytes.toByteArray();
    }

    @SuppressWarnings("unchecked")
    static State decode(byte[] all, int len) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(all, 0, len));
        String magic = in.readUTF();
        if (!MAGIC.equals(magic)) {
            throw new IllegalStateException("not a piadm checkpoint (magic '" + magic + "')");
        }
        String hash = in.readUTF();
        long seed = in.readLong();
        int stage = in.readInt();
        int stageCount = in.readInt();
        long first = in.readLong();
        int count = in.readInt();
        int dim = in.readInt();
        double[] rows = new double[Math.multiplyExact(count, dim)];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = Double.longBitsToDouble(in.readLong());
        }
        byte[] tb = new byte[in.readInt()];
        in.readFully(tb);
        List<StageTrace> traces;
        try (ObjectInputStream ois = new ObjectInputStream(new ByteArrayInputStream(tb))) {
            traces = (List<StageTrace>) ois.readObject();
        } catch (ClassNotFoundException e) {
            throw new IOException("checkpoint traces: " + e.getMessage(), e);
        }
        return new State(hash, seed, stage, stageCount, first, count, dim, rows, traces);
    }

    /**
     * The listener that writes a checkpoint after every block; {@code previous} are the traces of blocks
     * done before a resume, so a second resume still has the whole trace.
     */
    public SamplingListener listener(String configHash, long seed, long firstSample, int count, int dim,
            List<StageTrace> previous, SamplingListener next) {
        List<StageTrace> traces = new ArrayList<>(previous);
        return new SamplingListener() {
            @Override
            public void onSweep(io.piadm.eval.RoundInfo round, double residual, int active, int rows) {
                next.onSweep(round, residual, active, rows);
            }

            @Override
            public void onStageEnd(int stage, int stageCount, StageTrace trace, double[] state) {
                traces.add(trace);
                write(new State(configHash, seed, stage, stageCount, firstSample, count, dim, state.clone(),
                        traces));
                next.onStageEnd(stage, stageCount, trace, state);
            }
        };
    }
}
