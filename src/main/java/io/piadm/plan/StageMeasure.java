package io.piadm.plan;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a short time-parallel run on the cluster measured (spark.ClusterStageProbe): the first blocks of one
 * batch, with the run's own model, sampler and score service, on sample ids far from the run's. For each
 * round its rows; the wall time spent inside the evaluator (channel and model calls) and outside it (the
 * driver's scan). The cost model compares these with its own prediction of the same rounds and corrects its
 * time-parallel channel and driver terms by the ratios (CostModel#fitTimeParallel): a uniform calibration
 * round misses what a real sequence of rounds costs (rounds of very different sizes in a row, the
 * executors' garbage collection, the driver's scan sharing the machine with the executors).
 */
public final class StageMeasure {
    public final int batch;
    public final int stages;
    public final int[] roundRows;
    public final double insideSeconds;
    public final double outsideSeconds;

    public StageMeasure(int batch, int stages, int[] roundRows, double insideSeconds, double outsideSeconds) {
        this.batch = batch;
        this.stages = stages;
        this.roundRows = roundRows.clone();
        this.insideSeconds = insideSeconds;
        this.outsideSeconds = outsideSeconds;
    }

    public long rows() {
        long r = 0;
        for (int x : roundRows) {
            r += x;
        }
        return r;
    }

    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("batch", batch);
        m.put("blocks", stages);
        m.put("rounds", roundRows.length);
        m.put("rows", rows());
        m.put("insideEvaluatorSeconds", insideSeconds);
        m.put("driverSeconds", outsideSeconds);
        return m;
    }
}
