package io.piadm.spark;

import io.piadm.model.ModelSpec;
import io.piadm.sampler.SamplerConfig;
import io.piadm.schedule.Block;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * SHA-256 of everything that determines a run's samples: sampler, model (id and parameters), seed, the
 * grid (every forward time, exact), Picard and corrector settings, window, the sample id range. Batch
 * size, threads, partitions, master and parallelism mode do not change a sample and are left out, so a
 * checkpoint may be resumed with different resources.
 */
public final class ConfigHash {
    private ConfigHash() {}

    public static String of(String sampler, ModelSpec spec, SamplerConfig cfg, long firstSample, int count) {
        StringBuilder sb = new StringBuilder();
        sb.append("sampler=").append(sampler).append('\n');
        sb.append("model=").append(spec.id()).append('\n');
        sb.append("modelParams=").append(canonical(spec.describe())).append('\n');
        sb.append("dim=").append(spec.dim()).append('\n');
        sb.append("seed=").append(cfg.seed()).append('\n');
        for (Block b : cfg.schedule().blocks()) {
            sb.append("block").append(b.index()).append('=');
            for (double t : b.forwardTimes()) {
                sb.append(Long.toHexString(Double.doubleToRawLongBits(t))).append(',');
            }
            sb.append('\n');
        }
        sb.append("picard=").append(canonical(cfg.picard().describe())).append('\n');
        sb.append("corrector=").append(canonical(cfg.corrector().describe())).append('\n');
        sb.append("window=").append(cfg.window()).append('\n');
        sb.append("first=").append(firstSample).append(",count=").append(count).append('\n');
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(sb.toString().getBytes(StandardCharsets.UTF_8));
            StringBuilder hex = new StringBuilder();
            for (byte x : h) {
                hex.append(String.format("%02x", x));
            }
            return hex.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    /** Sorted keys; arrays by content (double[] via their exact decimal form). */
    static String canonical(Object o) {
        if (o instanceof Map<?, ?> m) {
            TreeMap<String, String> t = new TreeMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                t.put(String.valueOf(e.getKey()), canonical(e.getValue()));
            }
            return t.toString();
        }
        if (o instanceof double[] a) {
            return Arrays.toString(a);
        }
        if (o instanceof float[] a) {
            return Arrays.toString(a);
        }
        if (o instanceof int[] a) {
            return Arrays.toString(a);
        }
        if (o instanceof long[] a) {
            return Arrays.toString(a);
        }
        if (o instanceof double[][] a) {
            return Arrays.deepToString(a);
        }
        if (o instanceof Object[] a) {
            StringBuilder sb = new StringBuilder("[");
            for (Object x : a) {
                sb.append(canonical(x)).append(',');
            }
            return sb.append(']').toString();
        }
        if (o instanceof Iterable<?> it) {
            StringBuilder sb = new StringBuilder("[");
            for (Object x : it) {
                sb.append(canonical(x)).append(',');
            }
            return sb.append(']').toString();
        }
        return String.valueOf(o);
    }
}
