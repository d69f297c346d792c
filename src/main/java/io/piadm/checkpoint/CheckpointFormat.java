package io.piadm.checkpoint;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.piadm.sampler.PhaseTrace;
import io.piadm.sampler.RoundLog;
import io.piadm.sampler.StageTrace;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * The checkpoint file format, version 2: plain data only, so that a file on a shared file system can never
 * make this process build objects of its choosing (no Java serialisation anywhere).
 *
 * <pre>
 *   "PIADMCKP"  8 bytes ASCII magic
 *   version     u16 (2)
 *   then three sections, in this order, each:
 *     tag       4 bytes ASCII: META, TRCE, ROWS
 *     length    u64, bytes of the payload
 *     payload
 *     crc32     u32 of the payload
 *   "END!"      4 bytes
 * </pre>
 * META is UTF-8 JSON (identity, hash, stage, sample range, dimension); TRCE is UTF-8 JSON of the per-block
 * traces; ROWS is {@code count x dim} IEEE-754 doubles, big-endian, row-major. JSON is read as a tree of
 * plain values and every field is checked by name; the row section's length must be exactly what META
 * announces, so a hostile length cannot make the reader allocate more. Any mismatch is one
 * {@link CorruptCheckpointException} naming the file and the section.
 */
public final class CheckpointFormat {
    static final byte[] MAGIC = "PIADMCKP".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 2;
    /** Largest JSON section accepted (a trace of 10^5 blocks stays far below it). */
    static final long MAX_JSON_BYTES = 64L << 20;

    private static final ObjectMapper JSON = new ObjectMapper();

    static {
        JSON.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxStringLength((int) MAX_JSON_BYTES).build());
    }

    private CheckpointFormat() {}

    /** Writes {@code s} to {@code out} (not closed). */
    public static void write(CheckpointState s, OutputStream out) throws IOException {
        DataOutputStream o = new DataOutputStream(out);
        o.write(MAGIC);
        o.writeShort(VERSION);
        section(o, "META", JSON.writeValueAsBytes(meta(s)));
        section(o, "TRCE", JSON.writeValueAsBytes(traces(s.traces())));
        long rowBytes = 8L * s.rows().length;
        o.writeBytes("ROWS");
        o.writeLong(rowBytes);
        CRC32 crc = new CRC32();
        CheckedOutputStream co = new CheckedOutputStream(o, crc);
        ByteBuffer buf = ByteBuffer.allocate(8 * 4096).order(ByteOrder.BIG_ENDIAN);
        double[] rows = s.rows();
        for (int i = 0; i < rows.length; i++) {
            buf.putDouble(rows[i]);
            if (!buf.hasRemaining()) {
                co.write(buf.array(), 0, buf.position());
                buf.clear();
            }
        }
        co.write(buf.array(), 0, buf.position());
        o.writeInt((int) crc.getValue());
        o.writeBytes("END!");
        o.flush();
    }

    private static void section(DataOutputStream o, String tag, byte[] payload) throws IOException {
        o.writeBytes(tag);
        o.writeLong(payload.length);
        o.write(payload);
        CRC32 crc = new CRC32();
        crc.update(payload);
        o.writeInt((int) crc.getValue());
    }

    /** Reads a checkpoint; {@code name} names the file in messages. */
    public static CheckpointState read(InputStream in, String name) throws IOException {
        DataInputStream i = new DataInputStream(in);
        try {
            byte[] magic = new byte[MAGIC.length];
            i.readFully(magic);
            if (!java.util.Arrays.equals(magic, MAGIC)) {
                throw new CorruptCheckpointException(name, "not a piadm checkpoint (wrong magic bytes)");
            }
            int version = i.readUnsignedShort();
            if (version != VERSION) {
                throw new CorruptCheckpointException(name, "format version " + version + ", this build reads "
                        + VERSION);
            }
            JsonNode meta = json(jsonSection(i, "META", name), "META", name);
            JsonNode tr = json(jsonSection(i, "TRCE", name), "TRCE", name);
            int count = intField(meta, "count", name);
            int dim = intField(meta, "dim", name);
            long expected = 8L * count * dim;
            tag(i, "ROWS", name);
            long len = i.readLong();
            if (len != expected) {
                throw new CorruptCheckpointException(name, "section ROWS has " + len + " bytes, META announces "
                        + count + " x " + dim + " doubles (" + expected + " bytes)");
            }
            if (expected > Integer.MAX_VALUE * 8L) {
                throw new CorruptCheckpointException(name, "section ROWS is too large for one array");
            }
            CRC32 crc = new CRC32();
            DataInputStream ci = new DataInputStream(new CheckedInputStream(i, crc));
            double[] rows = new double[count * dim];
            byte[] buf = new byte[8 * 4096];
            ByteBuffer bb = ByteBuffer.wrap(buf).order(ByteOrder.BIG_ENDIAN);
            int k = 0;
            while (k < rows.length) {
                int n = Math.min(4096, rows.length - k);
                ci.readFully(buf, 0, 8 * n);
                bb.clear();
                for (int j = 0; j < n; j++) {
                    rows[k++] = bb.getDouble();
                }
            }
            int stored = i.readInt();
            if (stored != (int) crc.getValue()) {
                throw new CorruptCheckpointException(name, "section ROWS fails its CRC32 check");
            }
            tag(i, "END!", name);
            if (i.read() != -1) {
                throw new CorruptCheckpointException(name, "trailing bytes after the END! marker");
            }
            return fromJson(meta, tr, rows, name);
        } catch (EOFException e) {
            throw new CorruptCheckpointException(name, "truncated (the file ends inside a section)");
        }
    }

    private static JsonNode json(byte[] payload, String tag, String name) throws CorruptCheckpointException {
        try {
            JsonNode n = JSON.readTree(payload);
            if (n == null) {
                throw new CorruptCheckpointException(name, "section " + tag + " is empty");
            }
            return n;
        } catch (IOException e) {
            throw new CorruptCheckpointException(name, "section " + tag + " is not valid JSON");
        }
    }

    private static void tag(DataInputStream i, String expected, String name) throws IOException {
        byte[] t = new byte[4];
        i.readFully(t);
        String got = new String(t, StandardCharsets.US_ASCII);
        if (!got.equals(expected)) {
            throw new CorruptCheckpointException(name, "expected section " + expected + ", found '"
                    + got.replaceAll("[^ -~]", "?") + "'");
        }
    }

    private static byte[] jsonSection(DataInputStream i, String tag, String name) throws IOException {
        tag(i, tag, name);
        long len = i.readLong();
        if (len < 0 || len > MAX_JSON_BYTES) {
            throw new CorruptCheckpointException(name, "section " + tag + " announces " + len
                    + " bytes (at most " + MAX_JSON_BYTES + " allowed)");
        }
        byte[] payload = new byte[(int) len];
        i.readFully(payload);
        CRC32 crc = new CRC32();
        crc.update(payload);
        if (i.readInt() != (int) crc.getValue()) {
            throw new CorruptCheckpointException(name, "section " + tag + " fails its CRC32 check");
        }
        return payload;
    }

    private static ObjectNode meta(CheckpointState s) {
        ObjectNode m = JSON.createObjectNode();
        m.put("configHash", s.configHash());
        m.set("identity", JSON.valueToTree(s.identity()));
        m.put("seed", s.seed());
        m.put("stage", s.stage());
        m.put("stageCount", s.stageCount());
        m.put("firstSample", s.firstSample());
        m.put("count", s.count());
        m.put("dim", s.dim());
        return m;
    }

    private static ArrayNode traces(List<StageTrace> traces) {
        ArrayNode a = JSON.createArrayNode();
        for (StageTrace st : traces) {
            ObjectNode o = a.addObject();
            o.put("stage", st.stage());
            ArrayNode ft = o.putArray("forwardTimes");
            for (double t : st.forwardTimes()) {
                ft.add(t);
            }
            ArrayNode ph = o.putArray("phases");
            for (PhaseTrace p : st.phases()) {
                ObjectNode po = ph.addObject();
                po.put("phase", p.phase());
                po.put("sweeps", p.sweeps());
                ArrayNode r = po.putArray("residuals");
                for (double v : p.residuals()) {
                    r.add(v);
                }
                po.put("points", p.pointsEvaluated());
                po.put("fallbacks", p.sequentialFallbacks());
            }
            RoundLog log = st.roundLog();
            if (log != null) {
                // The wavefront's per-round trace (optional: stages whose phases run one after another have none).
                ObjectNode lo = o.putObject("roundLog");
                ArrayNode lb = lo.putArray("linkBlock");
                ArrayNode lp = lo.putArray("linkPhase");
                for (int l = 0; l < log.links(); l++) {
                    lb.add(log.linkBlock(l));
                    lp.add(log.linkPhase(l));
                }
                ArrayNode rounds = lo.putArray("rounds");
                for (int r = 0; r < log.rounds(); r++) {
                    ObjectNode ro = rounds.addObject();
                    ArrayNode act = ro.putArray("active");
                    for (int l : log.active(r)) {
                        act.add(l);
                    }
                    ArrayNode res = ro.putArray("residuals");
                    for (double v : log.residuals(r)) {
                        res.add(v);
                    }
                }
            }
        }
        return a;
    }

    private static RoundLog roundLog(JsonNode lo, String name) throws CorruptCheckpointException {
        JsonNode lb = field(lo, "linkBlock", name);
        JsonNode lp = field(lo, "linkPhase", name);
        JsonNode rounds = field(lo, "rounds", name);
        if (!lb.isArray() || !lp.isArray() || !rounds.isArray() || lb.size() != lp.size()) {
            throw new CorruptCheckpointException(name, "a round log needs equal linkBlock and linkPhase arrays and rounds");
        }
        int[] blocks = new int[lb.size()];
        String[] phases = new String[lp.size()];
        for (int l = 0; l < blocks.length; l++) {
            if (!lb.get(l).canConvertToInt() || !lp.get(l).isTextual()) {
                throw new CorruptCheckpointException(name, "round log link " + l + " is malformed");
            }
            blocks[l] = lb.get(l).asInt();
            phases[l] = lp.get(l).asText();
        }
        List<int[]> active = new ArrayList<>();
        List<double[]> residuals = new ArrayList<>();
        for (JsonNode r : rounds) {
            JsonNode act = field(r, "active", name);
            JsonNode res = field(r, "residuals", name);
            if (!act.isArray() || !res.isArray() || act.size() != res.size()) {
                throw new CorruptCheckpointException(name, "round log round " + (active.size() + 1) + " is malformed");
            }
            int[] a = new int[act.size()];
            double[] v = new double[res.size()];
            for (int k = 0; k < a.length; k++) {
                if (!act.get(k).canConvertToInt() || !res.get(k).isNumber()) {
                    throw new CorruptCheckpointException(name, "round log round " + (active.size() + 1) + " is malformed");
                }
                a[k] = act.get(k).asInt();
                v[k] = res.get(k).asDouble();
            }
            active.add(a);
            residuals.add(v);
        }
        try {
            return new RoundLog(blocks, phases, active, residuals);
        } catch (IllegalArgumentException e) {
            throw new CorruptCheckpointException(name, e.getMessage());
        }
    }

    private static CheckpointState fromJson(JsonNode meta, JsonNode tr, double[] rows, String name)
            throws CorruptCheckpointException {
        if (!meta.isObject() || !tr.isArray()) {
            throw new CorruptCheckpointException(name, "META must be an object and TRCE an array");
        }
        JsonNode idNode = meta.get("identity");
        if (idNode == null || !idNode.isObject()) {
            throw new CorruptCheckpointException(name, "META has no identity object");
        }
        Map<String, Object> identity = plain(idNode);
        List<StageTrace> traces = new ArrayList<>();
        for (JsonNode st : tr) {
            List<PhaseTrace> phases = new ArrayList<>();
            JsonNode ph = st.get("phases");
            if (ph == null || !ph.isArray()) {
                throw new CorruptCheckpointException(name, "a trace has no phases array");
            }
            for (JsonNode p : ph) {
                JsonNode r = p.get("residuals");
                double[] res = new double[r == null ? 0 : r.size()];
                for (int k = 0; k < res.length; k++) {
                    res[k] = r.get(k).asDouble();
                }
                phases.add(new PhaseTrace(textField(p, "phase", name), intField(p, "sweeps", name), res,
                        longField(p, "points", name), longField(p, "fallbacks", name)));
            }
            JsonNode ft = st.get("forwardTimes");
            double[] times = new double[ft == null ? 0 : ft.size()];
            for (int k = 0; k < times.length; k++) {
                times[k] = ft.get(k).asDouble();
            }
            JsonNode lo = st.get("roundLog");
            RoundLog log = lo == null || lo.isNull() ? null : roundLog(lo, name);
            traces.add(new StageTrace(intField(st, "stage", name), times, phases, log));
        }
        return new CheckpointState(textField(meta, "configHash", name), identity, longField(meta, "seed", name),
                intField(meta, "stage", name), intField(meta, "stageCount", name),
                longField(meta, "firstSample", name), intField(meta, "count", name), intField(meta, "dim", name),
                rows, traces);
    }

    /** A JSON object as plain Java values (maps, lists, strings, numbers, booleans). */
    static Map<String, Object> plain(JsonNode o) {
        Map<String, Object> m = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = o.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            m.put(e.getKey(), plainValue(e.getValue()));
        }
        return m;
    }

    private static Object plainValue(JsonNode v) {
        if (v.isObject()) {
            return plain(v);
        }
        if (v.isArray()) {
            List<Object> l = new ArrayList<>();
            for (JsonNode x : v) {
                l.add(plainValue(x));
            }
            return l;
        }
        if (v.isIntegralNumber()) {
            return v.asLong();
        }
        if (v.isNumber()) {
            return v.asDouble();
        }
        if (v.isBoolean()) {
            return v.asBoolean();
        }
        return v.isNull() ? null : v.asText();
    }

    private static JsonNode field(JsonNode n, String key, String name) throws CorruptCheckpointException {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            throw new CorruptCheckpointException(name, "missing field '" + key + "'");
        }
        return v;
    }

    private static int intField(JsonNode n, String key, String name) throws CorruptCheckpointException {
        JsonNode v = field(n, key, name);
        if (!v.canConvertToInt() || v.asInt() < 0) {
            throw new CorruptCheckpointException(name, "field '" + key + "' must be a non-negative integer");
        }
        return v.asInt();
    }

    private static long longField(JsonNode n, String key, String name) throws CorruptCheckpointException {
        JsonNode v = field(n, key, name);
        if (!v.isIntegralNumber()) {
            throw new CorruptCheckpointException(name, "field '" + key + "' must be an integer");
        }
        return v.asLong();
    }

    private static String textField(JsonNode n, String key, String name) throws CorruptCheckpointException {
        JsonNode v = field(n, key, name);
        if (!v.isTextual()) {
            throw new CorruptCheckpointException(name, "field '" + key + "' must be a string");
        }
        return v.asText();
    }
}
