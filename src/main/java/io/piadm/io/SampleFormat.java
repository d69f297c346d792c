package io.piadm.io;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How the samples are written, wherever they are written (samples.npy here, samples.parquet by a backend):
 * the value type ({@code --dtype}: float64, or float32 at half the size) and the class label of each sample
 * of a class-conditional run ({@code classes[id mod len]}, the same rule the model uses; null when the run
 * has no labels). Small and serialisable, so a writer on an executor can use it.
 */
public final class SampleFormat implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final String FLOAT64 = "float64";
    public static final String FLOAT32 = "float32";

    private final boolean float32;
    private final long[] classes;

    public SampleFormat(boolean float32, long[] classes) {
        this.float32 = float32;
        this.classes = classes == null ? null : classes.clone();
    }

    public static SampleFormat defaults() {
        return new SampleFormat(false, null);
    }

    public boolean float32() {
        return float32;
    }

    public String dtype() {
        return float32 ? FLOAT32 : FLOAT64;
    }

    public boolean hasLabels() {
        return classes != null;
    }

    /** The label of sample {@code id}, as {@link io.piadm.model.ClassConditional#label}. */
    public long label(long id) {
        return classes[(int) Math.floorMod(id, (long) classes.length)];
    }

    /** Labels of samples {@code first .. first+n)}. */
    public long[] labels(long first, int n) {
        long[] l = new long[n];
        for (int i = 0; i < n; i++) {
            l[i] = label(first + i);
        }
        return l;
    }

    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dtype", dtype());
        if (classes != null) {
            m.put("labels", "classes[id mod " + classes.length + "], in labels.npy (int64) and the label column of"
                    + " samples.parquet");
        }
        return m;
    }
}
