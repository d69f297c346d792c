package io.piadm.job;

import io.piadm.config.InvalidSettingException;
import io.piadm.config.Setting;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The memory a run needs in one place (the driver, or one task), estimated before it starts from the
 * large arrays it allocates (sample state, a batch's working memory from
 * {@link io.piadm.sampler.Sampler#workingDoublesPerSample}, buffers), against what that place has: the
 * JVM's max heap, a share of it kept as headroom for garbage, less the live heap of the JVM's own objects
 * (Spark's, measured), divided among the tasks that run in it at once. A run that cannot fit is refused in
 * one line that names the settings setting its size, instead of an OutOfMemoryError mid-run.
 */
public final class MemoryFit {
    public static final long MIB = 1L << 20;
    /**
     * Live heap of a Spark driver or executor JVM of its own (SparkContext, block manager, class data):
     * measured with -Xlog:gc at about 70-80 MiB after GC in a local[2] driver; rounded up.
     */
    public static final long SPARK_BASE = 96 * MIB;
    /** The same for a JVM without Spark (picocli, Jackson, the model). */
    public static final long JVM_BASE = 32 * MIB;
    /** Share of the max heap a run may plan to fill; the rest is headroom for garbage between collections. */
    public static final double USABLE = 0.85;

    private final String where;
    private final long available;
    private final String availableWhy;
    private final List<Object[]> items = new ArrayList<>();
    private final Map<String, Object> extra = new LinkedHashMap<>();

    /**
     * @param where        "per task", "on the driver", ...
     * @param available    bytes the place has for the items
     * @param availableWhy how {@code available} was found (heap, base, slots)
     */
    public MemoryFit(String where, long available, String availableWhy) {
        this.where = where;
        this.available = available;
        this.availableWhy = availableWhy;
    }

    /** Bytes a JVM of max heap {@code heap} has for a run's arrays, after headroom and its own objects. */
    public static long usable(long heap, long base) {
        return Math.max(0, (long) (heap * USABLE) - base);
    }

    /** Bytes of {@code rows x width} doubles, saturating instead of overflowing. */
    public static long doubles(long rows, long width) {
        double b = 8.0 * rows * width;
        return b >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) b;
    }

    /** A resolved size (batch, chunk) recorded beside the estimate in run.json. */
    public MemoryFit set(String key, Object value) {
        extra.put(key, value);
        return this;
    }

    public Object get(String key) {
        return extra.get(key);
    }

    public MemoryFit need(String what, long bytes) {
        items.add(new Object[] {what, bytes});
        return this;
    }

    public long total() {
        long t = 0;
        for (Object[] i : items) {
            t = saturatedAdd(t, (Long) i[1]);
        }
        return t;
    }

    private static long saturatedAdd(long a, long b) {
        long s = a + b;
        return s < 0 ? Long.MAX_VALUE : s;
    }

    public long available() {
        return available;
    }

    public boolean fits() {
        return total() <= available;
    }

    /** "612 MiB" (or GiB above 10 GiB). */
    public static String size(long bytes) {
        if (bytes >= 10L << 30) {
            return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
        }
        return String.format(Locale.ROOT, "%d MiB", (bytes + MIB - 1) / MIB);
    }

    /** "chunk state 16 MiB, batch working memory 64 MiB" */
    public String items() {
        StringBuilder sb = new StringBuilder();
        for (Object[] i : items) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(i[0]).append(' ').append(size((Long) i[1]));
        }
        return sb.toString();
    }

    /**
     * Throws, in one line, when the items do not fit: what is needed and where, what is available and why,
     * then {@code advice} (a template naming {@code settings} as {0}, {1}, ...).
     */
    public void check(String advice, Setting... settings) {
        if (fits()) {
            return;
        }
        throw new InvalidSettingException("the run cannot fit in memory: it needs about " + size(total()) + " " + where
                + " (" + items() + ") but has about " + size(available) + " (" + availableWhy + "); " + advice,
                settings);
    }

    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("where", where);
        m.put("neededBytes", total());
        m.put("availableBytes", available);
        m.put("available", availableWhy);
        Map<String, Object> parts = new LinkedHashMap<>();
        for (Object[] i : items) {
            parts.put((String) i[0], i[1]);
        }
        m.put("items", parts);
        m.putAll(extra);
        return m;
    }
}
