package io.piadm.plan;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a short time-parallel run on the cluster measured (spark.ClusterStageProbe): the first blocks of one
 * batch, with the run's own model, sampler and score service, on sample ids far from the run's. For each
 * round: its rows, whether it is the first of its block, the wall time spent inside the evaluator (channel
 * and model calls) and the driver's time before it (since the previous round returned: the scan of that
 * round's scores, and at a block's start its noise and initial points). The cost model compares these with
 * its own prediction of the same rounds, segment by segment, and corrects its time-parallel channel and
 * driver terms by the median ratios (CostModel#fitTimeParallel): a uniform calibration round misses what a
 * real sequence of rounds costs (rounds of very different sizes in a row, the executors' garbage
 * collection, the driver's scan sharing the machine with the executors), and a single pause (a collection,
 * a compilation on a 2-core host) must not rule the correction.
 */
public final class StageMeasure {
    public final int batch;
    public final int stages;
    public final int[] roundRows;
    public final boolean[] blockStarts;
    public final double[] insideSeconds;
    public final double[] driverSeconds;
    /** Blocks with rounds in the probe's warm-up, not measured (the service's start, the JIT at a new batch). */
    public final int warmupBlocks;

    public StageMeasure(int batch, int stages, int[] roundRows, boolean[] blockStarts, double[] insideSeconds,
            double[] driverSeconds) {
        this(batch, stages, roundRows, blockStarts, insideSeconds, driverSeconds, 0);
    }

    public StageMeasure(int batch, int stages, int[] roundRows, boolean[] blockStarts, double[] insideSeconds,
            double[] driverSeconds, int warmupBlocks) {
        int n = roundRows.length;
        if (blockStarts.length != n || insideSeconds.length != n || driverSeconds.length != n) {
            throw new IllegalArgumentException("a probe's per-round arrays differ in length");
        }
        this.batch = batch;
        this.stages = stages;
        this.roundRows = roundRows.clone();
        this.blockStarts = blockStarts.clone();
        this.insideSeconds = insideSeconds.clone();
        this.driverSeconds = driverSeconds.clone();
        this.warmupBlocks = warmupBlocks;
    }

    public int rounds() {
        return roundRows.length;
    }

    public long rows() {
        long r = 0;
        for (int x : roundRows) {
            r += x;
        }
        return r;
    }

    public double totalInsideSeconds() {
        return sum(insideSeconds);
    }

    public double totalDriverSeconds() {
        return sum(driverSeconds);
    }

    private static double sum(double[] a) {
        double s = 0;
        for (double x : a) {
            s += x;
        }
        return s;
    }

    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("batch", batch);
        m.put("warmupBlocks", warmupBlocks);
        m.put("blocks", stages);
        m.put("rounds", rounds());
        m.put("rows", rows());
        m.put("insideEvaluatorSeconds", totalInsideSeconds());
        m.put("driverSeconds", totalDriverSeconds());
        return m;
    }
}
