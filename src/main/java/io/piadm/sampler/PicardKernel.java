package io.piadm.sampler;

import io.piadm.eval.CountingEvaluator;
import io.piadm.eval.RoundInfo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one Picard kernel (docs/ALGORITHMS.md sections 4, 6 and 6b): the scan and the scaled residual of a
 * {@link Phase} over a batch of samples, for every way this project walks a grid.
 *
 * <p>Each sample keeps a window of at most {@code w} steps starting at its first not-yet-accepted point
 * {@code a}. A sweep evaluates the score at points {@code a .. e-1} ({@code e = min(a + w, N)}) of every
 * active sample in one evaluator call (one round), then rescans the recurrence on the driver: point
 * {@code j+1} from the new point j and the score at the old point j, exactly the step a sequential run
 * takes. The scaled residual of point m is {@code ||y_m^new - y_m^old|| / sqrt(s v_m)} (s the state size,
 * v_m the phase's noise variance of step m, as ParaDiGMS scales it). Then the window advances:
 * <ul>
 *   <li>{@link Advance#EXACT_PREFIX}: by one point. Point a+1 was computed from the exact point a with the
 *       exact score at a, so after k sweeps the first k+1 points are exact (section 4) and K = N sweeps
 *       reproduce the sequential run bit for bit. Window 1 is the sequential sampler itself; window M is
 *       blockwise PIADM Picard.</li>
 *   <li>{@link Advance#FIRST_FAILING}: to the first point whose scaled residual exceeds the tolerance,
 *       by at least one and at most the window (ParaDiGMS, Shih et al. 2023, Algorithm 1; diffusers'
 *       pipeline slides {@code begin_idx + min(1 + ind, parallel)}, the same rule). The points before it
 *       changed by at most the tolerance, and the first failing point's new value was computed from its
 *       converged predecessor, so it becomes the new, frozen start. With a whole-block window this is the
 *       frozen converged front of section 6c.</li>
 * </ul>
 * Points that enter the window start from the value of the window's last point. A sample stops when its
 * window has passed the end of the grid, when (for {@code stopOnResidual}) its largest scaled residual of
 * a sweep is at most the tolerance, or after {@code sweepCap} sweeps. Each sample advances and stops on
 * its own, so a sample's result never depends on the others in its batch.
 *
 * <p>With {@code anderson >= 2} the plain update {@code x <- G(x)} of the points after a sample's first
 * failing point is replaced by ParaTAA's triangular Anderson mixing ({@link TriangularAnderson}, section
 * 6b); the points up to and including the first failing one keep the plain update, so the exact prefix and
 * the window rules above are unchanged.
 *
 * <p>The kernel is a stateful {@link Run} per phase and batch: {@link Run#prepare}, {@link Run#fill} the
 * rows of a round, {@link Run#absorb} their scores. {@link #run} loops over one phase alone (one evaluator
 * call per sweep); the wavefront ({@link WavefrontSampler}) drives many Runs with one call per round, moving
 * each Run's start to its predecessor's fresh end ({@link Run#setStart}) before it absorbs.
 *
 * <p>Safeguards. A non-finite score or state stops the run ({@link NonFiniteStateException}, naming the
 * block, sweep and sample). A sample whose scaled residual has grown for {@value #DIVERGENCE_SWEEPS}
 * sweeps in a row while above 1 (Picard is not contracting: e.g. a stiff score, docs/ALGORITHMS.md
 * section 6b) falls back to sequential steps from its exact prefix for the rest of the phase: window 1,
 * which is exact whatever the score, and at most M - k more rounds. The trace counts such fallbacks.
 *
 * <p>Storage is a ring of {@code w + 1} points and {@code w} noise vectors per sample (point q in slot
 * {@code q mod (w+1)}, the noise of step q in slot {@code q mod w}), so a sliding window never copies.
 */
final class PicardKernel {
    private static final Logger LOG = LoggerFactory.getLogger(PicardKernel.class);
    /** Below this many state values per loop, per-sample work stays on the calling thread. */
    private static final long PARALLEL_THRESHOLD = 1 << 15;
    /** Consecutive growing sweeps (residual above 1) after which a sample falls back to sequential steps. */
    static final int DIVERGENCE_SWEEPS = 4;

    private PicardKernel() {}

    /** How a sample's first not-yet-accepted point moves after a sweep. */
    enum Advance { EXACT_PREFIX, FIRST_FAILING }

    /** How a phase is walked. */
    static final class Plan {
        final int window;
        final Advance advance;
        final double tolerance;
        final boolean stopOnResidual;
        final int sweepCap;
        final boolean recordResiduals;
        final boolean guardDivergence;
        /** Anderson iterates kept; below 2 the update is plain Picard. */
        final int anderson;
        /** The first sweep evaluates the start only and scans with that score (section 6c warm start). */
        final boolean warmStart;

        private Plan(int window, Advance advance, double tolerance, boolean stopOnResidual, int sweepCap,
                boolean recordResiduals, boolean guardDivergence, int anderson, boolean warmStart) {
            this.window = window;
            this.advance = advance;
            this.tolerance = tolerance;
            this.stopOnResidual = stopOnResidual;
            this.sweepCap = sweepCap;
            this.recordResiduals = recordResiduals;
            this.guardDivergence = guardDivergence;
            this.anderson = anderson;
            this.warmStart = warmStart;
        }

        /** One grid point per round: the sequential sampler. */
        static Plan sequential(int steps) {
            return new Plan(1, Advance.EXACT_PREFIX, 0.0, false, steps, false, false, 0, false);
        }

        /**
         * Picard over a whole block of M steps (section 4): fixed K, or until residual <= tol; the frozen
         * front (section 6c) and Anderson (section 6b) as the options say.
         */
        static Plan blockwise(int steps, PicardOptions opt) {
            return new Plan(steps, opt.frozenFront() ? Advance.FIRST_FAILING : Advance.EXACT_PREFIX,
                    opt.tolerance(), opt.adaptive(), opt.sweepCap(steps), true, true, opt.anderson(), opt.warmStart());
        }

        /** A ParaDiGMS window of p points sliding to the first failing point (section 6). */
        static Plan slidingWindow(int steps, int p, double tolerance) {
            return slidingWindow(steps, p, tolerance, 0);
        }

        /** The ParaDiGMS window with triangular Anderson mixing inside it (ParaTAA's own setting). */
        static Plan slidingWindow(int steps, int p, double tolerance, int anderson) {
            return new Plan(Math.max(1, Math.min(p, steps)), Advance.FIRST_FAILING, tolerance, false, steps, true,
                    false, anderson, false);
        }

        boolean mixes() {
            return anderson >= 2 && window > 1;
        }

        boolean needsResidual() {
            return recordResiduals || stopOnResidual || advance == Advance.FIRST_FAILING || mixes();
        }
    }

    /** Observes each sample's points after every sweep (tests: exactness of the prefix). */
    interface SweepObserver {
        /**
         * After sweep {@code sweep} of sample i, which scanned from point {@code a} to {@code e}:
         * {@code points[q]} is point q for every q still held, {@code q in [max(0, e - w), e]}.
         */
        void afterSweep(int sample, int sweep, int a, int e, double[][] points);
    }

    static IntStream samples(int n, long workPerSample) {
        IntStream s = IntStream.range(0, n);
        return n > 1 && n * workPerSample >= PARALLEL_THRESHOLD ? s.parallel() : s;
    }

    /**
     * Runs {@code ph} over the samples {@code ids}. {@code z}: n x stateSize start states, overwritten with
     * the end states (point N of each sample).
     */
    static PhaseTrace run(Phase ph, long[] ids, double[] z, Plan plan, CountingEvaluator ev, SamplingListener l,
            String sampler, int stage) {
        return run(ph, ids, z, plan, ev, l, sampler, stage, null);
    }

    static PhaseTrace run(Phase ph, long[] ids, double[] z, Plan plan, CountingEvaluator ev, SamplingListener l,
            String sampler, int stage, SweepObserver observer) {
        Run run = new Run(ph, ids, z, plan, sampler, stage, observer);
        long rowsBefore = ev.rows();
        int d = ph.dim;
        double[] x = new double[0];
        double[] t = new double[0];
        double[] g = new double[0];
        long[] rowIds = new long[0];
        for (int sweep = 1; ; sweep++) {
            int rows = run.prepare();
            if (rows == 0) {
                break;
            }
            if (t.length < rows) {
                // The round's rows and scores: from the workspace (a block's are the next block's), sized for
                // the widest round this phase can ask for, so a later, wider sweep needs no second pair.
                int most = (int) Math.min(Integer.MAX_VALUE / Math.max(1, d), Math.max(rows, run.mostRows()));
                Workspace.give(x);
                Workspace.give(g);
                x = Workspace.take(most * d);
                g = Workspace.take(most * d);
                t = new double[most];
                rowIds = new long[most];
            }
            int activeCount = run.activeCount();
            run.fill(x, t, rowIds, 0);
            RoundInfo round = new RoundInfo(sampler, stage, ph.name, sweep);
            ev.evaluate(round, x, t, rowIds, rows, g);
            run.absorb(g, 0, null, run.mixes() ? new TriangularAnderson.Carry(ids.length, plan.anderson) : null);
            l.onSweep(round, plan.recordResiduals ? run.lastSweepResidual() : Double.NaN, activeCount, rows);
        }
        for (int i = 0; i < ids.length; i++) {
            run.end(i, z, i * ph.stateSize);
        }
        run.recycle();
        Workspace.give(x);
        Workspace.give(g);
        // The counting evaluator is the one counter; the Run's own count must agree with it.
        long counted = ev.rows() - rowsBefore;
        if (counted != run.rowsEvaluated()) {
            throw new IllegalStateException(ph.name + ": " + counted + " rows counted, " + run.rowsEvaluated() + " laid out");
        }
        return run.trace(ph.name, counted);
    }

    /**
     * The state of one phase over a batch of samples between rounds: each sample's ring of points and noise,
     * its window, sweeps and stopping state, and (with Anderson) its iterate history.
     */
    static final class Run {
        final Phase ph;
        private final long[] ids;
        private final Plan plan;
        private final String sampler;
        private final int stage;
        private final SweepObserver observer;
        private final int n;
        private final int d;
        private final int s;
        private final int ns;
        private final int total;
        private final int w;
        private final int slots;
        private final double tol;
        private final boolean residuals;
        private final long work;
        private final double[] variance;
        private double[][] pts;
        private double[][] noise;
        private final int[] start;
        private final int[] sweeps;
        /** Sweeps taken with a final start (all of them, except in a wavefront while the predecessor moves). */
        private final int[] finalSweeps;
        /** Per-sample window: w, or 1 once the sample has fallen back to sequential steps. */
        private final int[] win;
        private final int[] growing;
        private final double[] lastResidual;
        private final boolean[] active;
        private final int[] rowStart;
        private final int[] rowCount;
        private final double[] sampleResidual;
        private final int[] nextStart;
        private final List<Double> sweepResiduals = new ArrayList<>();
        private final TriangularAnderson anderson;
        /**
         * A sample's first sweep evaluates its start only: exact when the phase evaluates every step at one
         * time (identical rows), the warm start of section 6c otherwise; only where a window spans steps.
         */
        private final boolean singleFirstRow;
        /** Per sample: this round's rows are the single-row first sweep. */
        private final boolean[] single;
        /** End states kept once every sample has stopped and the ring was released. */
        private double[] ends;
        private int fallbacks;
        private long rowsEvaluated;
        private int sweepNo;
        private double lastSweepMax = Double.NaN;

        /** {@code z}: n x stateSize start states (read, not kept). */
        Run(Phase ph, long[] ids, double[] z, Plan plan, String sampler, int stage, SweepObserver observer) {
            this.ph = ph;
            this.ids = ids;
            this.plan = plan;
            this.sampler = sampler;
            this.stage = stage;
            this.observer = observer;
            this.n = ids.length;
            this.d = ph.dim;
            this.s = ph.stateSize;
            this.ns = ph.noiseSize;
            this.total = ph.steps;
            this.w = Math.max(1, Math.min(plan.window, total));
            this.slots = w + 1;
            this.tol = plan.tolerance;
            this.residuals = plan.needsResidual();
            this.work = (long) w * (s + ns);
            this.variance = new double[total + 1];
            if (residuals) {
                for (int m = 1; m <= total; m++) {
                    variance[m] = ph.residualVariance(m);
                }
            }
            // Ring buffers: all points start at the sample's start state (the paper's initialisation
            // y_m^0 = y); the noise of a step is drawn once, when it enters the window, and reused by every sweep.
            pts = new double[n][];
            noise = new double[n][];
            int first = Math.min(w, total);
            // Taken on this thread (the workspace is the calling thread's), written in the parallel loop:
            // every slot of the ring and the whole first noise window, before anything reads them.
            for (int i = 0; i < n; i++) {
                pts[i] = Workspace.take(slots * s);
                noise[i] = Workspace.take(ns > 0 ? w * ns : 0);
            }
            samples(n, work).forEach(i -> {
                for (int q = 0; q < slots; q++) {
                    System.arraycopy(z, i * s, pts[i], q * s, s);
                }
                for (int j = 0; j < first && ns > 0; j++) {
                    ph.fillNoise(ids[i], j, noise[i], (j % w) * ns);
                }
            });
            start = new int[n];
            sweeps = new int[n];
            finalSweeps = new int[n];
            win = new int[n];
            Arrays.fill(win, w);
            growing = new int[n];
            lastResidual = new double[n];
            Arrays.fill(lastResidual, Double.POSITIVE_INFINITY);
            active = new boolean[n];
            Arrays.fill(active, plan.sweepCap > 0 && total > 0);
            rowStart = new int[n];
            rowCount = new int[n];
            sampleResidual = new double[n];
            nextStart = new int[n];
            anderson = mixes() ? new TriangularAnderson(n, slots, s, plan.anderson) : null;
            singleFirstRow = w > 1 && (plan.warmStart || ph.constantEvalTime());
            single = new boolean[n];
        }

        boolean mixes() {
            return plan.mixes();
        }

        boolean active(int i) {
            return active[i];
        }

        boolean anyActive() {
            for (boolean a : active) {
                if (a) {
                    return true;
                }
            }
            return false;
        }

        int activeCount() {
            int c = 0;
            for (boolean a : active) {
                c += a ? 1 : 0;
            }
            return c;
        }

        /** The largest scaled residual over the samples of the last sweep (NaN before the first). */
        double lastSweepResidual() {
            return lastSweepMax;
        }

        /** Lays out this round's rows (points a .. e-1 of every active sample); returns their number. */
        int prepare() {
            int rows = 0;
            for (int i = 0; i < n; i++) {
                rowStart[i] = rows;
                rowCount[i] = active[i] ? Math.min(start[i] + win[i], total) - start[i] : 0;
                single[i] = singleFirstRow && active[i] && sweeps[i] == 0;
                if (single[i]) {
                    rowCount[i] = 1;
                }
                rows += rowCount[i];
            }
            return rows;
        }

        /** Writes the rows laid out by {@link #prepare} at row {@code offset} of the round's buffers. */
        void fill(double[] x, double[] t, long[] rowIds, int offset) {
            samples(n, work).forEach(i -> {
                if (rowCount[i] > 0) {
                    double[] p = pts[i];
                    for (int j = start[i], r = offset + rowStart[i], e = start[i] + rowCount[i]; j < e; j++, r++) {
                        System.arraycopy(p, (j % slots) * s, x, r * d, d);
                        t[r] = ph.evalTime(j);
                        rowIds[r] = ids[i];
                    }
                }
            });
        }

        /**
         * Moves sample i's start (point 0) to {@code z[off .. off+s)}: a wavefront block starting from its
         * predecessor's latest end. Only while nothing of the block is accepted yet (a = 0), since accepted
         * points hold only for the start they were computed from.
         */
        void setStart(int i, double[] z, int off) {
            double[] p = pts[i];
            if (start[i] != 0) {
                for (int k = 0; k < s; k++) {
                    if (Double.doubleToRawLongBits(p[k]) != Double.doubleToRawLongBits(z[off + k])) {
                        throw new IllegalStateException(ph.name + ": the start of sample " + ids[i]
                                + " moved after points were accepted");
                    }
                }
                return;
            }
            System.arraycopy(z, off, p, 0, s);
        }

        /** Copies sample i's end state (point N) to {@code dst[off .. off+s)}. */
        void end(int i, double[] dst, int off) {
            if (pts == null) {
                System.arraycopy(ends, i * s, dst, off, s);
            } else {
                System.arraycopy(pts[i], (total % slots) * s, dst, off, s);
            }
        }

        /**
         * One sweep's scan, residual, mixing and window update from the scores {@code g} of the rows laid out
         * by {@link #prepare} at {@code offset}. {@code startFinal[i]} false (wavefront: the predecessor still
         * moves) means sample i's start may still change: its window then neither advances nor stops, and
         * its sweep does not count toward the cap (null: every start is final). {@code carry} holds the
         * Anderson sums along a chain of phases (null without Anderson).
         */
        void absorb(double[] g, int offset, boolean[] startFinal, TriangularAnderson.Carry carry) {
            final int sweepNumber = ++sweepNo;
            samples(n, work).forEach(i -> {
                if (!active[i]) {
                    return;
                }
                boolean fin = startFinal == null || startFinal[i];
                double[] p = pts[i];
                int a = start[i];
                int wi = win[i];
                int e = Math.min(a + wi, total);
                double[] next = new double[s];
                double worst = 0.0;
                int firstFail = -1;
                boolean one = single[i];
                for (int j = a, r = offset + rowStart[i]; j < e; j++, r++) {
                    // A single-row first sweep scans every step with the score at the start.
                    int gOff = (one ? offset + rowStart[i] : r) * d;
                    ph.step(j, p, (j % slots) * s, g, gOff, noise[i], ns > 0 ? (j % w) * ns : 0, next, 0);
                    int o = ((j + 1) % slots) * s;
                    double check = 0.0;
                    for (int k = 0; k < s; k++) {
                        check += next[k];
                    }
                    if (!Double.isFinite(check)) {
                        throw new NonFiniteStateException(sampler, stage, ph.name, sweepNumber, ids[i], j + 1,
                                ph.evalTime(j));
                    }
                    if (residuals) {
                        double diff2 = 0.0;
                        for (int k = 0; k < s; k++) {
                            double dk = next[k] - p[o + k];
                            diff2 += dk * dk;
                        }
                        double r2 = diff2 / (s * variance[j + 1]);
                        worst = Math.max(worst, r2);
                        if (firstFail < 0 && Math.sqrt(r2) > tol) {
                            firstFail = j + 1;
                        }
                    }
                    if (anderson != null) {
                        anderson.record(i, (j + 1) % slots, p, o, next);
                    }
                    System.arraycopy(next, 0, p, o, s);
                }
                if (anderson != null) {
                    anderson.mix(i, a, e, slots, p, variance, firstFail, carry);
                }
                sampleResidual[i] = Math.sqrt(worst);
                int na;
                if (!fin) {
                    na = a;
                } else if (plan.advance == Advance.EXACT_PREFIX) {
                    na = a + 1;
                } else {
                    na = firstFail < 0 ? e : Math.max(a + 1, firstFail);
                }
                if (observer != null) {
                    double[][] view = new double[e + 1][];
                    for (int q = Math.max(0, e - w); q <= e; q++) {
                        view[q] = Arrays.copyOfRange(p, (q % slots) * s, (q % slots + 1) * s);
                    }
                    observer.afterSweep(i, sweepNumber, a, e, view);
                }
                // Points entering the window start from its last point; steps entering it draw their noise.
                int ne = Math.min(na + wi, total);
                for (int q = e + 1; q <= ne; q++) {
                    System.arraycopy(p, (e % slots) * s, p, (q % slots) * s, s);
                    if (anderson != null) {
                        anderson.enter(i, q % slots);
                    }
                }
                for (int j = e; j < ne && ns > 0; j++) {
                    ph.fillNoise(ids[i], j, noise[i], (j % w) * ns);
                }
                nextStart[i] = na;
            });
            double sweepMax = 0.0;
            for (int i = 0; i < n; i++) {
                if (!active[i]) {
                    continue;
                }
                rowsEvaluated += rowCount[i];
                boolean fin = startFinal == null || startFinal[i];
                sweeps[i]++;
                start[i] = nextStart[i];
                sweepMax = Math.max(sweepMax, sampleResidual[i]);
                if (!fin) {
                    continue;
                }
                finalSweeps[i]++;
                if (plan.guardDivergence && w > 1 && win[i] > 1) {
                    growing[i] = sampleResidual[i] > lastResidual[i] && sampleResidual[i] > 1.0 ? growing[i] + 1 : 0;
                    lastResidual[i] = sampleResidual[i];
                    if (growing[i] >= DIVERGENCE_SWEEPS) {
                        win[i] = 1;
                        fallbacks++;
                        LOG.warn("{} block {} {}: sample {} diverges (scaled residual {} after {} sweeps, growing);"
                                + " it continues with sequential steps from its exact prefix", sampler, stage + 1,
                                ph.name, ids[i], sampleResidual[i], sweeps[i]);
                    }
                }
                boolean sequentialTail = win[i] == 1 && w > 1;
                if (start[i] >= total || (!sequentialTail && finalSweeps[i] >= plan.sweepCap)
                        || (!sequentialTail && plan.stopOnResidual && sampleResidual[i] <= tol)) {
                    active[i] = false;
                }
            }
            lastSweepMax = sweepMax;
            if (plan.recordResiduals) {
                sweepResiduals.add(sweepMax);
            }
        }

        /** The most rows one round of this phase can lay out: every sample's whole window. */
        int mostRows() {
            return (int) Math.min(Integer.MAX_VALUE, (long) n * w);
        }

        /**
         * Gives the rings back to the {@link Workspace} once the phase is over and its end states copied out;
         * the run must not be used afterwards.
         */
        void recycle() {
            if (pts == null) {
                return;
            }
            for (int i = 0; i < n; i++) {
                Workspace.give(pts[i]);
                Workspace.give(noise[i]);
            }
            pts = null;
            noise = null;
        }

        /** Frees the rings once every sample has stopped, keeping only the end states (wavefront memory). */
        void release() {
            if (pts == null || anyActive()) {
                return;
            }
            double[] e = new double[n * s];
            for (int i = 0; i < n; i++) {
                end(i, e, i * s);
            }
            ends = e;
            pts = null;
            noise = null;
            if (anderson != null) {
                anderson.release();
            }
        }

        /** Score evaluations this phase asked for, summed over samples. */
        long rowsEvaluated() {
            return rowsEvaluated;
        }

        PhaseTrace trace(String name) {
            return trace(name, rowsEvaluated);
        }

        PhaseTrace trace(String name, long points) {
            int maxSweeps = 0;
            for (int i = 0; i < n; i++) {
                maxSweeps = Math.max(maxSweeps, sweeps[i]);
            }
            double[] res = new double[sweepResiduals.size()];
            for (int k = 0; k < res.length; k++) {
                res[k] = sweepResiduals.get(k);
            }
            return new PhaseTrace(name, maxSweeps, res, points, fallbacks);
        }
    }
}
