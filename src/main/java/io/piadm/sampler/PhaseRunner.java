package io.piadm.sampler;

import io.piadm.eval.RoundInfo;
import io.piadm.eval.ScoreEvaluator;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Runs a {@link Phase} over a batch of samples, sequentially (one round per step) or by Picard sweeps
 * (ALGORITHMS.md section 4): every sweep evaluates the score at all not-yet-exact grid points of all
 * active samples in one round, then the driver rescans the recurrence. After k sweeps the first k+1
 * points of a sample are exact, so sweep k+1 evaluates only points k..M-1. Each sample stops on its own
 * (fixed K, or scaled residual <= tol, or M sweeps), so batching never changes a sample's result.
 *
 * <p>The driver-side work per sample (noise, scan, residual) is independent across samples and runs on
 * the common fork-join pool when the batch is large enough; results do not depend on that.
 */
final class PhaseRunner {
    /** Below this many state values per loop, stay on the calling thread. */
    private static final long PARALLEL_THRESHOLD = 1 << 15;

    private PhaseRunner() {}

    private static IntStream samples(int n, long workPerSample) {
        IntStream s = IntStream.range(0, n);
        return n > 1 && n * workPerSample >= PARALLEL_THRESHOLD ? s.parallel() : s;
    }

    /** Sequential: M rounds, each evaluating point j of every sample. {@code z}: n x stateSize, in place. */
    static PhaseTrace sequential(Phase ph, long[] ids, double[] z, ScoreEvaluator ev, SamplingListener l,
            String sampler, int stage) {
        int n = ids.length;
        int d = ph.dim;
        int s = ph.stateSize;
        double[] x = new double[n * d];
        double[] t = new double[n];
        double[] g = new double[n * d];
        for (int j = 0; j < ph.steps; j++) {
            for (int i = 0; i < n; i++) {
                System.arraycopy(z, i * s, x, i * d, d);
                t[i] = ph.evalTime(j);
            }
            RoundInfo round = new RoundInfo(sampler, stage, ph.name, j + 1);
            ev.evaluate(round, x, t, n, g);
            final int step = j;
            samples(n, s + ph.noiseSize).forEach(i -> {
                double[] xi = new double[Math.max(1, ph.noiseSize)];
                double[] next = new double[s];
                ph.fillNoise(ids[i], step, xi, 0);
                ph.step(step, z, i * s, g, i * d, xi, 0, next, 0);
                System.arraycopy(next, 0, z, i * s, s);
            });
            l.onSweep(round, Double.NaN, n, n);
        }
        return new PhaseTrace(ph.name, ph.steps, new double[0], (long) n * ph.steps);
    }

    /** Picard sweeps. {@code z}: n x stateSize start states, overwritten with the end states. */
    static PhaseTrace picard(Phase ph, long[] ids, double[] z, PicardOptions opt, ScoreEvaluator ev,
            SamplingListener l, String sampler, int stage) {
        return picard(ph, ids, z, opt, ev, l, sampler, stage, null);
    }

    /** As above; when {@code pointsOut} is given, it receives each sample's final grid points (tests). */
    static PhaseTrace picard(Phase ph, long[] ids, double[] z, PicardOptions opt, ScoreEvaluator ev,
            SamplingListener l, String sampler, int stage, double[][][] pointsOut) {
        int n = ids.length;
        int d = ph.dim;
        int s = ph.stateSize;
        int m = ph.steps;
        int ns = ph.noiseSize;
        int cap = opt.sweepCap(m);
        double tol = opt.tolerance();
        long blockWork = (long) m * (s + ns);

        // Per sample: grid points 0..M (y_m^0 = y for all m: the paper's initialisation), scores, noise
        // (drawn once per block and reused by every sweep).
        double[][] pts = new double[n][];
        double[][] scores = new double[n][];
        double[][] noise = new double[n][];
        samples(n, blockWork).forEach(i -> {
            pts[i] = new double[(m + 1) * s];
            scores[i] = new double[m * d];
            noise[i] = new double[m * ns];
            for (int p = 0; p <= m; p++) {
                System.arraycopy(z, i * s, pts[i], p * s, s);
            }
            for (int j = 0; j < m && ns > 0; j++) {
                ph.fillNoise(ids[i], j, noise[i], j * ns);
            }
        });
        int[] done = new int[n];
        boolean[] active = new boolean[n];
        Arrays.fill(active, cap > 0);
        double[] times = new double[m];
        for (int j = 0; j < m; j++) {
            times[j] = ph.evalTime(j);
        }
        double[] variance = new double[m + 1];
        for (int p = 1; p <= m; p++) {
            variance[p] = ph.residualVariance(p);
        }
        List<Double> residuals = new ArrayList<>();
        long points = 0;
        int[] rowStart = new int[n];
        double[] sampleResidual = new double[n];
        double[] x = new double[0];
        double[] t = new double[0];
        double[] g = new double[0];
        for (int sweep = 1; sweep <= cap; sweep++) {
            int rows = 0;
            int activeCount = 0;
            for (int i = 0; i < n; i++) {
                rowStart[i] = rows;
                if (active[i]) {
                    rows += m - done[i];
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
            }
            final double[] xs = x;
            final double[] ts = t;
            samples(n, blockWork).forEach(i -> {
                if (active[i]) {
                    for (int j = done[i], r = rowStart[i]; j < m; j++, r++) {
                        System.arraycopy(pts[i], j * s, xs, r * d, d);
                        ts[r] = times[j];
                    }
                }
            });
            RoundInfo round = new RoundInfo(sampler, stage, ph.name, sweep);
            ev.evaluate(round, x, t, rows, g);
            points += rows;
            final double[] gs = g;
            samples(n, blockWork).forEach(i -> {
                if (!active[i]) {
                    return;
                }
                for (int j = done[i], r = rowStart[i]; j < m; j++, r++) {
                    System.arraycopy(gs, r * d, scores[i], j * d, d);
                }
                // The scan: point j+1 from the new point j and the score at the old point j.
                double worst = 0.0;
                double[] p = pts[i];
                double[] next = new double[s];
                for (int j = done[i]; j < m; j++) {
                    ph.step(j, p, j * s, scores[i], j * d, noise[i], j * ns, next, 0);
                    int o = (j + 1) * s;
                    double diff2 = 0.0;
                    for (int k = 0; k < s; k++) {
                        double dk = next[k] - p[o + k];
                        diff2 += dk * dk;
                    }
                    worst = Math.max(worst, diff2 / (s * variance[j + 1]));
                    System.arraycopy(next, 0, p, o, s);
                }
                sampleResidual[i] = Math.sqrt(worst);
            });
            double sweepMax = 0.0;
            for (int i = 0; i < n; i++) {
                if (!active[i]) {
                    continue;
                }
                done[i]++;
                sweepMax = Math.max(sweepMax, sampleResidual[i]);
                if (done[i] >= cap || (opt.adaptive() && sampleResidual[i] <= tol)) {
                    active[i] = false;
                }
            }
            residuals.add(sweepMax);
            l.onSweep(round, sweepMax, activeCount, rows);
        }
        int sweeps = 0;
        for (int i = 0; i < n; i++) {
            System.arraycopy(pts[i], m * s, z, i * s, s);
            sweeps = Math.max(sweeps, done[i]);
        }
        if (pointsOut != null) {
            pointsOut[0] = pts;
        }
        double[] res = new double[residuals.size()];
        for (int k = 0; k < res.length; k++) {
            res[k] = residuals.get(k);
        }
        return new PhaseTrace(ph.name, sweeps, res, points);
    }
}
