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
 * The one Picard kernel (docs/ALGORITHMS.md sections 4 and 6): the scan and the scaled residual of a
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
 *       converged predecessor, so it becomes the new, frozen start.</li>
 * </ul>
 * Points that enter the window start from the value of the window's last point. A sample stops when its
 * window has passed the end of the grid, when (for {@code stopOnResidual}) its largest scaled residual of
 * a sweep is at most the tolerance, or after {@code sweepCap} sweeps. Each sample advances and stops on
 * its own, so a sample's result never depends on the others in its batch.
 *
 * <p>Safeguards. A non-finite score or state stops the run ({@link NonFiniteStateException}, naming the
 * block, sweep and sample). A sample whose scaled residual has grown for {@value #DIVERGENCE_SWEEPS}
 * sweeps in a row while above 1 (Picard is not contracting: e.g. a stiff score, docs/ALGORITHMS.md
 * section 6b) falls back to sequential steps from its exact prefix for the rest of the phase: window 1,
 * which is exact whatever the score, and at most M - k more rounds. The trace counts such fallbacks.
 *
 * <p>Storage is a ring of {@code w + 1} points and {@code w} noise vectors per sample (point q in slot
 * {@code q mod (w+1)}, the noise of step q in slot {@code q mod w}), so a sliding window never copies.
 * Counting goes through the {@link CountingEvaluator}: a phase's evaluations are its difference.
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

        private Plan(int window, Advance advance, double tolerance, boolean stopOnResidual, int sweepCap,
                boolean recordResiduals) {
            this.window = window;
            this.advance = advance;
            this.tolerance = tolerance;
            this.stopOnResidual = stopOnResidual;
            this.sweepCap = sweepCap;
            this.recordResiduals = recordResiduals;
        }

        /** One grid point per round: the sequential sampler. */
        static Plan sequential(int steps) {
            return new Plan(1, Advance.EXACT_PREFIX, 0.0, false, steps, false);
        }

        /** Blockwise Picard over a whole block of M steps (section 4): fixed K, or until residual <= tol. */
        static Plan blockwise(int steps, PicardOptions opt) {
            return new Plan(steps, Advance.EXACT_PREFIX, opt.tolerance(), opt.adaptive(), opt.sweepCap(steps), true);
        }

        /** A ParaDiGMS window of p points sliding to the first failing point (section 6). */
        static Plan slidingWindow(int steps, int p, double tolerance) {
            return new Plan(Math.max(1, Math.min(p, steps)), Advance.FIRST_FAILING, tolerance, false, steps, true);
        }

        boolean needsResidual() {
            return recordResiduals || stopOnResidual || advance == Advance.FIRST_FAILING;
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

    private static IntStream samples(int n, long workPerSample) {
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
        final int n = ids.length;
        final int d = ph.dim;
        final int s = ph.stateSize;
        final int ns = ph.noiseSize;
        final int total = ph.steps;
        final int w = Math.max(1, Math.min(plan.window, total));
        final int slots = w + 1;
        final double tol = plan.tolerance;
        final boolean residuals = plan.needsResidual();
        final long work = (long) w * (s + ns);
        final long rowsBefore = ev.rows();

        double[] variance = new double[total + 1];
        if (residuals) {
            for (int m = 1; m <= total; m++) {
                variance[m] = ph.residualVariance(m);
            }
        }
        // Ring buffers: all points start at the sample's start state (the paper's initialisation y_m^0 = y);
        // the noise of a step is drawn once, when it enters the window, and reused by every sweep.
        double[][] pts = new double[n][];
        double[][] noise = new double[n][];
        int first = Math.min(w, total);
        samples(n, work).forEach(i -> {
            pts[i] = new double[slots * s];
            for (int q = 0; q < slots; q++) {
                System.arraycopy(z, i * s, pts[i], q * s, s);
            }
            noise[i] = new double[ns > 0 ? w * ns : 0];
            for (int j = 0; j < first && ns > 0; j++) {
                ph.fillNoise(ids[i], j, noise[i], (j % w) * ns);
            }
        });
        int[] start = new int[n];
        int[] sweeps = new int[n];
        // Per-sample window: w, or 1 once the sample has fallen back to sequential steps.
        int[] win = new int[n];
        Arrays.fill(win, w);
        int[] growing = new int[n];
        double[] lastResidual = new double[n];
        Arrays.fill(lastResidual, Double.POSITIVE_INFINITY);
        final boolean guardDivergence = plan.recordResiduals && plan.advance == Advance.EXACT_PREFIX && w > 1;
        int fallbacks = 0;
        boolean[] active = new boolean[n];
        Arrays.fill(active, plan.sweepCap > 0 && total > 0);
        int[] rowStart = new int[n];
        double[] sampleResidual = new double[n];
        int[] nextStart = new int[n];
        List<Double> sweepResiduals = new ArrayList<>();
        double[] x = new double[0];
        double[] t = new double[0];
        double[] g = new double[0];
        long[] rowIds = new long[0];
        for (int sweep = 1; ; sweep++) {
            int rows = 0;
            int activeCount = 0;
            for (int i = 0; i < n; i++) {
                rowStart[i] = rows;
                if (active[i]) {
                    rows += Math.min(start[i] + win[i], total) - start[i];
                    activeCount++;
                }
            }
            if (activeCount == 0) {
                break;
            }
            if (x.length < rows * d) {
                x = new double[rows * d];
                g = new double[rows * d];
                t = new double[rows];
                rowIds = new long[rows];
            }
            final double[] xs = x;
            final double[] ts = t;
            final long[] rid = rowIds;
            samples(n, work).forEach(i -> {
                if (active[i]) {
                    int e = Math.min(start[i] + win[i], total);
                    for (int j = start[i], r = rowStart[i]; j < e; j++, r++) {
                        System.arraycopy(pts[i], (j % slots) * s, xs, r * d, d);
                        ts[r] = ph.evalTime(j);
                        rid[r] = ids[i];
                    }
                }
            });
            RoundInfo round = new RoundInfo(sampler, stage, ph.name, sweep);
            ev.evaluate(round, x, t, rowIds, rows, g);
            final double[] gs = g;
            final int sweepNo = sweep;
            samples(n, work).forEach(i -> {
                if (!active[i]) {
                    return;
                }
                double[] p = pts[i];
                int a = start[i];
                int wi = win[i];
                int e = Math.min(a + wi, total);
                double[] next = new double[s];
                double worst = 0.0;
                int firstFail = -1;
                for (int j = a, r = rowStart[i]; j < e; j++, r++) {
                    ph.step(j, p, (j % slots) * s, gs, r * d, noise[i], ns > 0 ? (j % w) * ns : 0, next, 0);
                    int o = ((j + 1) % slots) * s;
                    double check = 0.0;
                    for (int k = 0; k < s; k++) {
                        check += next[k];
                    }
                    if (!Double.isFinite(check)) {
                        throw new NonFiniteStateException(sampler, stage, ph.name, sweepNo, ids[i], j + 1,
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
                    System.arraycopy(next, 0, p, o, s);
                }
                sampleResidual[i] = Math.sqrt(worst);
                int na = plan.advance == Advance.EXACT_PREFIX || firstFail < 0
                        ? (plan.advance == Advance.EXACT_PREFIX ? a + 1 : e)
                        : Math.max(a + 1, firstFail);
                if (observer != null) {
                    double[][] view = new double[e + 1][];
                    for (int q = Math.max(0, e - w); q <= e; q++) {
                        view[q] = Arrays.copyOfRange(p, (q % slots) * s, (q % slots + 1) * s);
                    }
                    observer.afterSweep(i, sweepNo, a, e, view);
                }
                // Points entering the window start from its last point; steps entering it draw their noise.
                int ne = Math.min(na + wi, total);
                for (int q = e + 1; q <= ne; q++) {
                    System.arraycopy(p, (e % slots) * s, p, (q % slots) * s, s);
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
                sweeps[i]++;
                start[i] = nextStart[i];
                sweepMax = Math.max(sweepMax, sampleResidual[i]);
                if (guardDivergence && win[i] > 1) {
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
                if (start[i] >= total || (!sequentialTail && sweeps[i] >= plan.sweepCap)
                        || (!sequentialTail && plan.stopOnResidual && sampleResidual[i] <= tol)) {
                    active[i] = false;
                }
            }
            if (plan.recordResiduals) {
                sweepResiduals.add(sweepMax);
            }
            l.onSweep(round, plan.recordResiduals ? sweepMax : Double.NaN, activeCount, rows);
        }
        int maxSweeps = 0;
        for (int i = 0; i < n; i++) {
            System.arraycopy(pts[i], (total % slots) * s, z, i * s, s);
            maxSweeps = Math.max(maxSweeps, sweeps[i]);
        }
        double[] res = new double[sweepResiduals.size()];
        for (int k = 0; k < res.length; k++) {
            res[k] = sweepResiduals.get(k);
        }
        return new PhaseTrace(ph.name, maxSweeps, res, ev.rows() - rowsBefore, fallbacks);
    }
}
