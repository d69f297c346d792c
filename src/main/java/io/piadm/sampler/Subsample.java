package io.piadm.sampler;

import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A bounded, seeded subsample of a run's samples, for the run.json metrics and the plot: at most
 * {@link #size} rows, all of them when the run has no more. The ids are a uniformly random subset drawn by
 * Floyd's algorithm (Bentley and Floyd, "A sample of brilliance", CACM 1987) whose choices are a pure
 * function of (seed, position), so the subset depends only on the seed and the id range: never on
 * partitioning, chunking, batch size, retries or the backend. Both backends therefore report the same
 * metrics for the same job, and executors can pick out their own rows without asking the driver.
 */
public final class Subsample {
    /** At most this many rows... */
    public static final int MAX_ROWS = 100_000;
    /** ...and at most this many doubles (64 MiB), except that d + 1 rows are kept for the full-covariance KL. */
    public static final long MAX_DOUBLES = 1L << 23;
    /** Mixed into the run's seed so that the choice of rows is independent of every noise stream. */
    static final long SEED_MIX = 0x3C6EF372FE94F82AL;

    private final long[] ids;
    private final double[] rows;
    private final int dim;
    private final long population;
    private final long seed;

    /**
     * @param ids        the chosen ids, ascending ({@link #ids})
     * @param rows       their rows, in the same order ({@code ids.length x dim})
     * @param population how many samples the run has
     */
    public Subsample(long[] ids, double[] rows, int dim, long population, long seed) {
        if ((long) ids.length * dim != rows.length) {
            throw new IllegalArgumentException("subsample: " + rows.length + " values for " + ids.length + " x " + dim);
        }
        this.ids = ids;
        this.rows = rows;
        this.dim = dim;
        this.population = population;
        this.seed = seed;
    }

    /** Rows kept from {@code count} samples of dimension {@code dim}. */
    public static int size(long count, int dim) {
        long byDoubles = Math.max(1, MAX_DOUBLES / Math.max(1, dim));
        long k = Math.max(Math.min(MAX_ROWS, byDoubles), Math.min(MAX_ROWS, dim + 1L));
        return (int) Math.min(count, k);
    }

    /**
     * The {@code k} chosen ids among {@code firstSample .. firstSample + count)}, ascending: all of them
     * when {@code k >= count}, else Floyd's uniform k-subset. Step j (j = count - k .. count - 1) draws t
     * uniform in [0, j] from a hash of (seed, j); it takes t, or j when t was already taken. Every k-subset
     * is equally likely (each step keeps the invariant that the chosen set is uniform among the k'-subsets
     * of [0, j]).
     */
    public static long[] ids(long seed, long firstSample, long count, int k) {
        if (k < 0 || count < 0) {
            throw new IllegalArgumentException("subsample of " + k + " from " + count);
        }
        if (k >= count) {
            long[] all = new long[(int) count];
            for (int i = 0; i < all.length; i++) {
                all[i] = firstSample + i;
            }
            return all;
        }
        HashSet<Long> chosen = new HashSet<>(k * 2);
        long s = seed ^ SEED_MIX;
        for (long j = count - k; j < count; j++) {
            long t = Long.remainderUnsigned(mix(s, j), j + 1);
            if (!chosen.add(t)) {
                chosen.add(j);
            }
        }
        long[] out = new long[k];
        int i = 0;
        for (long t : chosen) {
            out[i++] = firstSample + t;
        }
        Arrays.sort(out);
        return out;
    }

    /** SplitMix64's finaliser of (seed, position): a counter-based hash, no sequential state. */
    static long mix(long seed, long j) {
        long z = seed + (j + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The subsample of rows held in memory ({@code count x dim}, ids from {@code firstSample}). */
    public static Subsample of(double[] all, long firstSample, int count, int dim, long seed) {
        int k = size(count, dim);
        long[] ids = ids(seed, firstSample, count, k);
        if (k == count) {
            return new Subsample(ids, all, dim, count, seed);
        }
        double[] rows = new double[k * dim];
        for (int r = 0; r < k; r++) {
            System.arraycopy(all, (int) (ids[r] - firstSample) * dim, rows, r * dim, dim);
        }
        return new Subsample(ids, rows, dim, count, seed);
    }

    public int count() {
        return ids.length;
    }

    public int dim() {
        return dim;
    }

    /** The chosen ids, ascending (not copied). */
    public long[] ids() {
        return ids;
    }

    /** Their rows, {@code count() x dim}, in id order (not copied). */
    public double[] rows() {
        return rows;
    }

    /** How many samples the run has. */
    public long population() {
        return population;
    }

    public long seed() {
        return seed;
    }

    /** True when every sample is in the subsample. */
    public boolean complete() {
        return ids.length == population;
    }

    /** For run.json: how many rows of how many, and how they were chosen. */
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rows", ids.length);
        m.put("of", population);
        m.put("rule", complete() ? "all samples"
                : "uniform random subset of ids (Floyd's algorithm keyed by seed and position), independent of"
                        + " partitioning; at most " + MAX_ROWS + " rows and " + MAX_DOUBLES + " values");
        return m;
    }
}
