package io.piadm.plan;

import io.piadm.eval.CountingEvaluator;
import io.piadm.eval.LocalEvaluator;
import io.piadm.model.ModelSpec;
import io.piadm.model.ScoreModel;
import io.piadm.sampler.PicardOptions;
import io.piadm.sampler.Sampler;
import io.piadm.sampler.SamplerConfig;
import io.piadm.sampler.SamplerKind;
import io.piadm.sampler.SamplingDriver;
import io.piadm.sampler.SamplingListener;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * A short probe of the sampler's own cost at the batch size a placement will use: the first block of a
 * batch of b samples on a model that scores zero (its sweeps fixed and its window the exact prefix, never
 * the frozen front, so the rows it evaluates do not depend on the scores). The pilot runs one sample at a
 * time, whose working set fits in cache; a batch's M x d x b working set does not, and its per-row cost can
 * be several times the pilot's. Ids are far from the run's, so nothing is shared with it.
 *
 * <p>A block's cost has two parts (PicardKernel): once per sample when the block starts (its M steps'
 * noise is drawn and its points initialised, O(M d)) and once per evaluated row (scan, residual, O(d)). A
 * real block runs many sweeps (about 6 for piadm-sde at d = 1024), so a probe of a fixed number of sweeps
 * would charge the start-up cost to too few rows. The probe therefore runs the block with 1 and with
 * {@link #SWEEPS_MANY} fixed sweeps: the difference gives the cost per row, the rest the cost per sample and
 * block (docs/ALGORITHMS.md, "Cost model of the planner"). A sequential sampler's block has exactly M rows
 * per sample, so one run of it gives its cost per row, start-up included.
 */
public final class Probe {
    private Probe() {}

    /**
     * First sample id of the probes: near the top of the noise's id range [0, 2^32), far from any run's
     * samples (the probes' results are thrown away; they only take time).
     */
    public static final long PROBE_IDS = (1L << 32) - (1L << 24);

    /** The sampler and config a probe runs: {@code sweeps} fixed sweeps per Picard phase. */
    public static Sampler sampler(SamplerKind kind, SamplerConfig config, int dim, int sweeps) {
        // Fixed sweeps with the run's own warm start (ALGORITHMS.md 6c: a block's first sweep then evaluates
        // one point per sample, and its scan lands in the per-block cost), but never the frozen front: on the
        // zero score every point converges in the first full sweep, the front passes the end and sweeps 3..5
        // evaluate nothing (measured, piadm-sde at d = 1024, M = 128, batch 7: 128 rows per sample with 5
        // sweeps, 503 without the front). The cost per row was then a difference over 127 rows a sample, and
        // moved from 0.24 to 4.8 us between two probes of one host; the exact-prefix window evaluates
        // M - k + 1 points in sweep k, the same scan and residual per row (3.6-3.7 us a row against 3.6-4.4
        // on the real model with its front, measured side by side).
        SamplerConfig c = kind.walk() == SamplerKind.Walk.PICARD_BLOCKS
                ? config.withPicard(PicardOptions.fixed(sweeps).withWarmStart(config.picard().warmStart())
                        .withFrozenFront(false))
                : config;
        return kind.create(c, dim);
    }

    /** Sample ids {@code first, first + 1, ..., first + n - 1} (a probe's batch). */
    public static long[] ids(long first, int n) {
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) {
            ids[i] = first + i;
        }
        return ids;
    }

    /** {wall seconds, thread CPU seconds, rows} of one probe block on this thread. */
    public static double[] run(SamplerKind kind, SamplerConfig config, ModelSpec plainModel, long firstId, int batch,
            int threads, int sweeps) {
        int d = plainModel.dim();
        Sampler s = sampler(kind, config, d, sweeps);
        long[] ids = ids(firstId, batch);
        double[] y = SamplingDriver.initialState(config.noise(), firstId, batch, d);
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        boolean cpuClock = mx.isCurrentThreadCpuTimeSupported();
        try (ScoreModel m = plainModel.build(); LocalEvaluator le = new LocalEvaluator(m, threads)) {
            CountingEvaluator ev = CountingEvaluator.of(le);
            long c0 = cpuClock ? mx.getCurrentThreadCpuTime() : 0;
            long w0 = System.nanoTime();
            s.runStage(0, ids, y, ev, SamplingListener.NONE);
            double wall = (System.nanoTime() - w0) / 1e9;
            double cpu = cpuClock ? (mx.getCurrentThreadCpuTime() - c0) / 1e9 : wall;
            return new double[] {wall, cpu, ev.rows()};
        }
    }

    /** The sampler's own cost: seconds per evaluated row, and per sample each time a block starts. */
    public static final class Cost implements java.io.Serializable {
        private static final long serialVersionUID = 1L;
        public final double perRow;
        public final double perSampleBlock;
        /** The factor the zero-model figures were scaled by to match real blocks (NaN: not scaled). */
        public final double realFactor;

        public Cost(double perRow, double perSampleBlock) {
            this(perRow, perSampleBlock, Double.NaN);
        }

        public Cost(double perRow, double perSampleBlock, double realFactor) {
            this.perRow = perRow;
            this.perSampleBlock = perSampleBlock;
            this.realFactor = realFactor;
        }

        /** Seconds of {@code rows} evaluated rows and {@code sampleBlocks} (sample, block) starts. */
        public double seconds(double rows, double sampleBlocks) {
            return perRow * rows + perSampleBlock * sampleBlocks;
        }
    }

    /**
     * Fixed sweeps of the probe's longer run. The cost per row is a difference of two short runs; with 3
     * sweeps it moved from 0.7 to 5.5 us a row between plans of the same run on this 2-core host, a larger
     * difference in rows shrinks that noise in proportion.
     */
    static final int SWEEPS_MANY = 5;

    /** Warm-up blocks at most, and their wall budget: a fresh executor runs the hot loops interpreted first. */
    static final int WARM_MAX_BLOCKS = 40;
    static final long WARM_MAX_NANOS = 2_000_000_000L;

    /**
     * The probe's cost at a batch of {@code batch} on the zero model, after warm-up blocks (until the JIT has
     * compiled the hot loops: two blocks in a row within 15%): wall seconds ({@code cpu} false: the driver,
     * its threads and load included) or CPU seconds ({@code cpu} true: core-seconds, for a task that shares
     * the executors' cores; the probe then runs on one thread of its own pool, so that the kernel's
     * parallel loop over samples runs there and its CPU is counted whole). Each figure is the smallest of three
     * runs (load comes in bursts). Null for a sliding-window sampler (one stage is the whole run: no short
     * probe).
     */
    public static Cost measure(SamplerKind kind, SamplerConfig config, int dim, long firstId, int batch, boolean cpu) {
        if (kind.walk() == SamplerKind.Walk.SLIDING_WINDOW) {
            return null;
        }
        if (!cpu) {
            return measureHere(kind, config, dim, firstId, batch, 0);
        }
        return SamplingDriver.onOwnThreads(1, () -> measureHere(kind, config, dim, firstId, batch, 1));
    }

    private static Cost measureHere(SamplerKind kind, SamplerConfig config, int dim, long firstId, int batch, int t) {
        // As in a run, blocks after the first reuse the working arrays (SamplingDriver's Workspace).
        try (io.piadm.sampler.Workspace.Scope ws = io.piadm.sampler.Workspace.open()) {
            return measureReusing(kind, config, dim, firstId, batch, t);
        }
    }

    private static Cost measureReusing(SamplerKind kind, SamplerConfig config, int dim, long firstId, int batch, int t) {
        ModelSpec zero = new Zero(dim);
        double prev = Double.NaN;
        long w0 = System.nanoTime();
        for (int i = 0; i < WARM_MAX_BLOCKS && System.nanoTime() - w0 < WARM_MAX_NANOS; i++) {
            double x = run(kind, config, zero, firstId, batch, 1, 1)[t];
            if (i >= 2 && Math.abs(x - prev) <= 0.15 * Math.min(x, prev)) {
                break;
            }
            prev = x;
        }
        double[] one = best(kind, config, zero, firstId, batch, 1, t);
        if (kind.walk() != SamplerKind.Walk.PICARD_BLOCKS) {
            return one[2] == 0 ? null : new Cost(one[t] / one[2], 0);
        }
        double[] three = best(kind, config, zero, firstId, batch, SWEEPS_MANY, t);
        if (three[2] <= one[2]) {
            return one[2] == 0 ? null : new Cost(one[t] / one[2], 0); // M = 1: sweeps beyond the first do nothing
        }
        double perRow = Math.max(0, (three[t] - one[t]) / (three[2] - one[2]));
        double perSampleBlock = Math.max(0, one[t] - perRow * one[2]) / batch;
        return new Cost(perRow, perSampleBlock);
    }

    /**
     * The fastest of three runs (by the measure {@code t}: 0 wall, 1 CPU): the per-row cost is a difference
     * of two such figures, and with two runs it still moved by 2-3x between plans on a shared machine.
     */
    private static double[] best(SamplerKind kind, SamplerConfig config, ModelSpec zero, long firstId, int batch,
            int sweeps, int t) {
        double[] best = null;
        for (int i = 0; i < 3; i++) {
            double[] a = run(kind, config, zero, firstId, batch, 1, sweeps);
            if (best == null || a[t] < best[t]) {
                best = a;
            }
        }
        return best;
    }

    /** Rounds and CPU seconds at most of {@link #realScanFactor}'s real blocks. */
    static final int REAL_MAX_ROUNDS = 24;
    static final double REAL_MAX_CPU_SECONDS = 0.5;

    /**
     * How far {@code c} (the zero-model probe's cost) is off the sampler's real scan: the run's first blocks
     * of a batch of {@code batch} on {@code plainModel} with the run's own tolerance, on this thread, the
     * thread's CPU inside the model calls taken off; returns (real scan CPU) / (what {@code c} predicts for
     * the same rows and blocks). With a zero score the iteration is not the run's (its residuals fall
     * differently, and the run's front freezes). While the zero-model probe kept the frozen front, the
     * real scan of the Picard samplers read 1.7-2x its figures at d = 1024: its cost per row came from a
     * difference over too few rows (see {@link #sampler}). NaN when it cannot tell (no CPU clock, nothing
     * evaluated).
     */
    public static double realScanFactor(SamplerKind kind, SamplerConfig config, ModelSpec plainModel, long firstId,
            int batch, Cost c) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        if (c == null || !mx.isCurrentThreadCpuTimeSupported() || kind.walk() == SamplerKind.Walk.SLIDING_WINDOW) {
            return Double.NaN;
        }
        int d = plainModel.dim();
        Sampler s = kind.create(config, d);
        long[] ids = ids(firstId, batch);
        double[] y = SamplingDriver.initialState(config.noise(), firstId, batch, d);
        try (ScoreModel m = plainModel.build(); LocalEvaluator le = new LocalEvaluator(m, 1);
                io.piadm.sampler.Workspace.Scope ws = io.piadm.sampler.Workspace.open()) {
            long[] inside = {0};
            io.piadm.eval.ScoreEvaluator timed = new io.piadm.eval.ScoreEvaluator() {
                @Override
                public int dim() {
                    return d;
                }

                @Override
                public void evaluate(io.piadm.eval.RoundInfo r, double[] x, double[] t, long[] rowIds, int n,
                        double[] out) {
                    long c0 = mx.getCurrentThreadCpuTime();
                    le.evaluate(r, x, t, rowIds, n, out);
                    inside[0] += mx.getCurrentThreadCpuTime() - c0;
                }

                @Override
                public String describe() {
                    return "cpu-timed(" + le.describe() + ")";
                }
            };
            CountingEvaluator ev = CountingEvaluator.of(timed);
            long c0 = mx.getCurrentThreadCpuTime();
            int stages = 0;
            for (int stage = 0; stage < s.stageCount(); stage++) {
                if (stage > 0 && (ev.calls() >= REAL_MAX_ROUNDS
                        || (mx.getCurrentThreadCpuTime() - c0) / 1e9 > REAL_MAX_CPU_SECONDS)) {
                    break;
                }
                s.runStage(stage, ids, y, ev, SamplingListener.NONE);
                stages++;
            }
            double scan = (mx.getCurrentThreadCpuTime() - c0 - inside[0]) / 1e9;
            double predicted = c.seconds(ev.rows(), (double) batch * stages);
            return predicted > 0 && ev.rows() > 0 ? scan / predicted : Double.NaN;
        }
    }

    /**
     * The driver's cost at a batch of {@code batch}: CPU seconds (a property of the code, steady under the
     * machine's load; the cost model spreads it over the driver's measured capacity).
     */
    public static Cost driver(SamplerKind kind, SamplerConfig config, int dim, int batch) {
        return measure(kind, config, dim, PROBE_IDS, batch, true);
    }

    /** A model scoring zero everywhere (serialisable, for tasks). */
    public static ModelSpec zero(int dim) {
        return new Zero(dim);
    }

    /** A model scoring zero everywhere: the scan's cost without the model's. */
    static final class Zero implements ModelSpec {
        private static final long serialVersionUID = 1L;
        private final int dim;

        Zero(int dim) {
            this.dim = dim;
        }

        @Override
        public int dim() {
            return dim;
        }

        @Override
        public ScoreModel build(io.piadm.model.ExecutionContext context) {
            return new ScoreModel() {
                @Override
                public int dim() {
                    return dim;
                }

                @Override
                public void score(double[] x, double[] t, int from, int n, double[] out) {
                    java.util.Arrays.fill(out, from * dim, (from + n) * dim, 0.0);
                }
            };
        }

        @Override
        public String id() {
            return "zero:d=" + dim;
        }

        @Override
        public java.util.Map<String, Object> describe() {
            return java.util.Map.of("type", "zero", "d", dim);
        }
    }
}
