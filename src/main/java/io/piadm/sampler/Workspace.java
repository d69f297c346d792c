package io.piadm.sampler;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.TreeMap;

/**
 * Working arrays reused from one block to the next by the thread that runs the blocks.
 *
 * <p>Why: a Picard block holds, per sample, a ring of M + 1 points and M noise vectors (1 MiB each at
 * d = 1024, M = 128) and the round's M x d rows and scores. Allocated afresh for every block, these are
 * G1 "humongous" objects (over half a heap region): in a sample-parallel run of 256 samples on 4
 * executors they set off a young collection every 0.6 s per executor, 7-9 s of pauses per executor in a
 * 60 s run, measured from the executors' GC logs, and the pauses took the two cores from the tasks. Within
 * a {@link #open() scope}, {@link PicardKernel} takes its arrays here and gives them back when its phase
 * ends, so the next block (or the next phase of the same block) finds them.
 *
 * <p>Results do not depend on it: every array taken is fully written before it is read (the ring is filled
 * with the start state, the noise window is drawn when the phase starts, rows and scores are written for
 * the rows a round uses), and an array may be longer than asked for only where the kernel indexes by
 * offset, never by length. Outside a scope, {@link #take} allocates and {@link #give} drops, as before.
 * What a scope retains between blocks is what one block's phases use (MemoryFit counts the predictor and
 * the corrector together); it is dropped when the outermost scope closes.
 */
public final class Workspace {
    private static final ThreadLocal<Workspace> CURRENT = new ThreadLocal<>();

    /** Free arrays by length. */
    private final TreeMap<Integer, ArrayDeque<double[]>> free = new TreeMap<>();
    private int depth;
    /** Tests: every array given back is filled with NaN, so a read before a write would show in the samples. */
    private boolean poison;
    /** Takes served from the free arrays since the outermost scope opened. */
    private long reused;

    private Workspace() {}

    /** A scope on this thread: blocks run inside it reuse their arrays. Scopes nest; the outermost owns them. */
    public static Scope open() {
        Workspace w = CURRENT.get();
        if (w == null) {
            w = new Workspace();
            CURRENT.set(w);
        }
        w.depth++;
        return new Scope(w);
    }

    /** A scope whose arrays are filled with NaN when given back (tests: results must not change). */
    static Scope openPoisoned() {
        Scope sc = open();
        sc.w.poison = true;
        return sc;
    }

    /** Closes a scope; the outermost drops every array held. */
    public static final class Scope implements AutoCloseable {
        private final Workspace w;
        private boolean closed;

        private Scope(Workspace w) {
            this.w = w;
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            if (--w.depth == 0) {
                w.free.clear();
                w.poison = false;
                w.reused = 0;
                if (CURRENT.get() == w) {
                    CURRENT.remove();
                }
            }
        }
    }

    /**
     * An array of at least {@code length} values (at most twice that, so a small phase does not keep a large
     * array from the one that needs it), with arbitrary contents inside a scope; a new zeroed one outside.
     */
    static double[] take(int length) {
        Workspace w = CURRENT.get();
        if (w == null || length == 0) {
            return new double[length];
        }
        Map.Entry<Integer, ArrayDeque<double[]>> e = w.free.ceilingEntry(length);
        if (e == null || e.getKey() > 2L * length) {
            return new double[length];
        }
        double[] a = e.getValue().pollLast();
        w.reused++;
        if (e.getValue().isEmpty()) {
            w.free.remove(e.getKey());
        }
        return a;
    }

    /** Gives {@code a} back for reuse; the caller must hold no reference to it afterwards. */
    static void give(double[] a) {
        Workspace w = CURRENT.get();
        if (w == null || a == null || a.length == 0) {
            return;
        }
        if (w.poison) {
            java.util.Arrays.fill(a, Double.NaN);
        }
        w.free.computeIfAbsent(a.length, k -> new ArrayDeque<>()).addLast(a);
    }

    /** Takes served from free arrays in this thread's open scope (tests). */
    static long reusedTakes() {
        Workspace w = CURRENT.get();
        return w == null ? 0 : w.reused;
    }

    /** Arrays held free on this thread (tests). */
    static int freeArrays() {
        Workspace w = CURRENT.get();
        return w == null ? 0 : w.free.values().stream().mapToInt(ArrayDeque::size).sum();
    }
}
