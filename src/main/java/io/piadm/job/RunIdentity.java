package io.piadm.job;

import io.piadm.io.Hashing;
import io.piadm.schedule.Block;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything that determines a run's samples, as one typed record (cf. Tribuo's provenance): sampler,
 * model (id and parameters), dimension, seed, the grid (every forward time, exact), Picard and corrector
 * settings, window, and the sample id range. Batch size, threads, partitions, master and parallelism mode
 * never change a sample and are not part of it, so a checkpoint may be resumed with other resources.
 * run.json prints {@link #describe()}; {@link #hash()} is the SHA-256 of its canonical form, so the two
 * can never disagree.
 */
public final class RunIdentity {
    private final LinkedHashMap<String, Object> fields;

    private RunIdentity(LinkedHashMap<String, Object> fields) {
        this.fields = fields;
    }

    static RunIdentity of(SampleJob job) {
        LinkedHashMap<String, Object> f = new LinkedHashMap<>();
        f.put("sampler", job.kind().id());
        f.put("model", job.model().id());
        f.put("modelParameters", job.model().describe());
        f.put("dim", job.dim());
        f.put("seed", job.seed());
        List<Block> blocks = job.config().schedule().blocks();
        String[] grid = new String[blocks.size()];
        for (Block b : blocks) {
            StringBuilder sb = new StringBuilder();
            for (double t : b.forwardTimes()) {
                sb.append(Long.toHexString(Double.doubleToRawLongBits(t))).append(',');
            }
            grid[b.index()] = sb.toString();
        }
        f.put("gridBits", Hashing.sha256Hex(String.join(";", grid)));
        f.put("blocks", blocks.size());
        f.put("picard", job.config().picard().describe());
        f.put("corrector", job.config().corrector().describe());
        f.put("window", job.config().window());
        f.put("firstSample", job.firstSample());
        f.put("samples", job.samples());
        if (job.config().customNoise()) {
            f.put("noise", job.config().noise().getClass().getName());
        }
        return new RunIdentity(f);
    }

    /** The fields in a stable order (for run.json). */
    public Map<String, Object> describe() {
        return new LinkedHashMap<>(fields);
    }

    public Object get(String key) {
        return fields.get(key);
    }

    /** SHA-256 (hex) of the canonical form: keys sorted, arrays by content, doubles exact. */
    public String hash() {
        return Hashing.sha256Hex(canonical(fields));
    }

    /** The fields whose values differ from {@code other}'s, by name (for a checkpoint mismatch message). */
    public List<String> differences(Map<String, Object> other) {
        List<String> out = new java.util.ArrayList<>();
        for (Map.Entry<String, Object> e : fields.entrySet()) {
            Object o = other.get(e.getKey());
            if (!canonical(e.getValue()).equals(canonical(o))) {
                out.add(e.getKey() + " (this run " + canonical(e.getValue()) + ", checkpoint " + canonical(o) + ")");
            }
        }
        for (String k : other.keySet()) {
            if (!fields.containsKey(k)) {
                out.add(k + " (only in the checkpoint)");
            }
        }
        return out;
    }

    /**
     * Sorted keys; arrays and lists alike, by content; integers in decimal, doubles in Java's shortest
     * round-trip form, so a value read back from JSON renders as it was written.
     */
    public static String canonical(Object o) {
        if (o instanceof Map<?, ?> m) {
            TreeMap<String, String> t = new TreeMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                t.put(String.valueOf(e.getKey()), canonical(e.getValue()));
            }
            return t.toString();
        }
        if (o instanceof double[] a) {
            return canonical(Arrays.stream(a).boxed().toList());
        }
        if (o instanceof float[] a) {
            List<Double> l = new java.util.ArrayList<>();
            for (float x : a) {
                l.add((double) x);
            }
            return canonical(l);
        }
        if (o instanceof int[] a) {
            return canonical(Arrays.stream(a).boxed().toList());
        }
        if (o instanceof long[] a) {
            return canonical(Arrays.stream(a).boxed().toList());
        }
        if (o instanceof Object[] a) {
            return canonical(Arrays.asList(a));
        }
        if (o instanceof Iterable<?> it) {
            StringBuilder sb = new StringBuilder("[");
            for (Object x : it) {
                sb.append(canonical(x)).append(',');
            }
            return sb.append(']').toString();
        }
        if (o instanceof Float f) {
            return Double.toString(f.doubleValue());
        }
        return String.valueOf(o);
    }
}
