package io.piadm.sampler;

import io.piadm.eval.RoundInfo;
import io.piadm.eval.ScoreEvaluator;
import io.piadm.noise.CounterNoise;
import io.piadm.schedule.Block;
import io.piadm.schedule.Schedule;

import java.util.ArrayList;
import java.util.List;

/**
 * ParaDiGMS (Shih et al. 2023; ALGORITHMS.md section 6): Picard iteration over a sliding window of p
 * consecutive points of the whole grid. Each sweep evaluates the score at the window's p points in one
 * round and rescans; the window then slides to the first point whose scaled residual exceeds the
 * tolerance (by at least one point: the first point after the window start is always exact). New points
 * enter initialised with the window's last value; noise is keyed exactly as for the sequential sampler,
 * so tolerance 0 reproduces it. Each sample slides its own window, so batching never changes results.
 * One stage covers the whole grid.
 */
public final class ParadigmsSampler implements Sampler {
    private final String name;
    private final SamplerConfig config;
    private final PredictorPhase[] phases;
    private final int[] blockOf;
    private final int[] localOf;
    private final double[] times;
    private final double[] variance;
    private final int total;

    public ParadigmsSampler(String name, SamplerConfig config, Integrator integrator, int dim) {
        this.name = name;
        this.config = config;
        Schedule s = config.schedule();
        CounterNoise noise = new CounterNoise(config.seed());
        this.phases = new PredictorPhase[s.blockCount()];
        this.total = s.totalSteps();
        this.blockOf = new int[total];
        this.localOf = new int[total];
        this.times = new double[total];
        this.variance = new double[total];
        int q = 0;
        for (Block b : s.blocks()) {
            phases[b.index()] = new PredictorPhase(b, dim, integrator, noise, "window");
            for (int j = 0; j < b.steps(); j++, q++) {
                blockOf[q] = b.index();
                localOf[q] = j;
                times[q] = b.time(j);
                variance[q] = phases[b.index()].residualVariance(j + 1);
            }
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public SamplerConfig config() {
        return config;
    }

    @Override
    public int stageCount() {
        return 1;
    }

    @Override
    public long workingDoublesPerSample(int dim) {
        long p = Math.min(config.window(), total);
        return (p + 1) * dim + p * 4L * dim;
    }

    @Override
    public StageTrace runStage(int stage, long[] ids, double[] y, ScoreEvaluator ev, SamplingListener listener) {
        int n = ids.length;
        int d = ev.dim();
        int p = Math.min(config.window(), total);
        double tol = config.picard().adaptive() ? config.picard().tolerance() : 0.0;
        boolean stochastic = phases[0].noiseSize > 0;
        int ns = stochastic ? d : 0;

        int[] start = new int[n];
        int[] sweeps = new int[n];
        double[][] pts = new double[n][(p + 1) * d];
        double[][] noise = new double[n][p * Math.max(ns, 1)];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k <= p; k++) {
                System.arraycopy(y, i * d, pts[i], k * d, d);
            }
            for (int k = 0; k < p && stochastic; k++) {
                phases[blockOf[k]].fillNoise(ids[i], localOf[k], noise[i], k * ns);
            }
        }
        List<Double> residuals = new ArrayList<>();
        long points = 0;
        double[] x = new double[n * p * d];
        double[] t = new double[n * p];
        double[] g = new double[n * p * d];
        double[] next = new double[d];
        for (int sweep = 1; ; sweep++) {
            int rows = 0;
            int activeCount = 0;
            for (int i = 0; i < n; i++) {
                if (start[i] >= total) {
                    continue;
                }
                activeCount++;
                int w = Math.min(p, total - start[i]);
                for (int k = 0; k < w; k++, rows++) {
                    System.arraycopy(pts[i], k * d, x, rows * d, d);
                    t[rows] = times[start[i] + k];
                }
            }
            if (activeCount == 0) {
                break;
            }
            RoundInfo round = new RoundInfo(name, stage, "window", sweep);
            ev.evaluate(round, x, t, rows, g);
            points += rows;
            int r = 0;
            double sweepMax = 0.0;
            for (int i = 0; i < n; i++) {
                int a = start[i];
                if (a >= total) {
                    continue;
                }
                int w = Math.min(p, total - a);
                double[] pt = pts[i];
                int firstFail = -1;
                double worst = 0.0;
                for (int k = 0; k < w; k++, r++) {
                    int q = a + k;
                    phases[blockOf[q]].step(localOf[q], pt, k * d, g, r * d, noise[i], k * ns, next, 0);
                    int o = (k + 1) * d;
                    double diff2 = 0.0;
                    for (int c = 0; c < d; c++) {
                        double dc = next[c] - pt[o + c];
                        diff2 += dc * dc;
                    }
                    double res = Math.sqrt(diff2 / (d * variance[q]));
                    worst = Math.max(worst, res);
                    if (firstFail < 0 && res > tol) {
                        firstFail = k + 1;
                    }
                    System.arraycopy(next, 0, pt, o, d);
                }
                sweeps[i]++;
                sweepMax = Math.max(sweepMax, worst);
                int stride = firstFail < 0 ? w : Math.max(1, firstFail - 1);
                slide(ids[i], pt, noise[i], a, w, stride, p, d, ns);
                start[i] = a + stride;
            }
            residuals.add(sweepMax);
            listener.onSweep(round, sweepMax, activeCount, rows);
        }
        int maxSweeps = 0;
        for (int i = 0; i < n; i++) {
            System.arraycopy(pts[i], 0, y, i * d, d);
            maxSweeps = Math.max(maxSweeps, sweeps[i]);
        }
        double[] res = new double[residuals.size()];
        for (int k = 0; k < res.length; k++) {
            res[k] = residuals.get(k);
        }
        return new StageTrace(stage, config.schedule().concatenatedTimes(),
                List.of(new PhaseTrace("window", maxSweeps, res, points)));
    }

    /** Moves the window start by {@code stride}; new points take the last value, new steps their noise. */
    private void slide(long id, double[] pt, double[] nz, int a, int w, int stride, int p, int d, int ns) {
        System.arraycopy(pt, stride * d, pt, 0, (w + 1 - stride) * d);
        for (int k = w + 1 - stride; k <= p; k++) {
            System.arraycopy(pt, (w - stride) * d, pt, k * d, d);
        }
        if (ns > 0) {
            System.arraycopy(nz, stride * ns, nz, 0, (w - stride) * ns);
            int na = a + stride;
            for (int k = w - stride; k < p && na + k < total; k++) {
                phases[blockOf[na + k]].fillNoise(id, localOf[na + k], nz, k * ns);
            }
        }
    }
}
