package io.piadm.plan;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a short calibration measured on the cluster (spark.Calibrator), as plain numbers for the
 * {@link CostModel}. All times are wall seconds, medians of repeated measurements after a warm-up.
 *
 * <ul>
 *   <li>{@code emptyJob1}, {@code emptyJobSlots}: latency of an empty Spark job of 1 task and of one task per
 *       slot; {@code writeJobSlots}: a Parquet write job of one task per slot, one row each (query
 *       planning, a Parquet writer per task, task and job commit): what the executor-resident run pays beyond
 *       its tasks' work (its one job is such a write);</li>
 *   <li>{@code roundFixed}, {@code roundPerRow}: a time-parallel round through the score service with a model
 *       that only copies its input (so: the channel, both ways, and the driver's side of a round), as
 *       {@code roundFixed + rows * roundPerRow} at this dimension; {@code serviceStart}: starting the service
 *       and its first round;</li>
 *   <li>{@code batch[]}, {@code callWall[]}, {@code callCpu[]}: one model call of {@code batch[i]} rows on an
 *       executor, its wall time and the CPU time of its thread (for an emulated accelerator the wall time
 *       includes the hold, the CPU time does not);</li>
 *   <li>{@code clusterCores}: CPU work the executors get done per second of wall time with every slot busy
 *       (cores' worth, under the machine's current load); {@code driverCores}: the same for the driver's
 *       threads.</li>
 * </ul>
 */
public final class Calibration {
    public final int executors;
    public final int slots;
    public final double emptyJob1;
    public final double emptyJobSlots;
    public final double writeJobSlots;
    public final double roundFixed;
    public final double roundPerRow;
    public final double serviceStart;
    public final int[] batch;
    public final double[] callWall;
    public final double[] callCpu;
    public final double clusterCores;
    public final double driverCores;
    public final double seconds;
    public final String model;

    public Calibration(int executors, int slots, double emptyJob1, double emptyJobSlots, double roundFixed,
            double roundPerRow, double serviceStart, int[] batch, double[] callWall, double[] callCpu,
            double clusterCores, double driverCores, double seconds, String model) {
        this(executors, slots, emptyJob1, emptyJobSlots, emptyJobSlots, roundFixed, roundPerRow, serviceStart, batch,
                callWall, callCpu, clusterCores, driverCores, seconds, model);
    }

    public Calibration(int executors, int slots, double emptyJob1, double emptyJobSlots, double writeJobSlots,
            double roundFixed, double roundPerRow, double serviceStart, int[] batch, double[] callWall,
            double[] callCpu, double clusterCores, double driverCores, double seconds, String model) {
        if (batch.length == 0 || batch.length != callWall.length || batch.length != callCpu.length) {
            throw new IllegalArgumentException("model-call calibration needs matching, non-empty arrays");
        }
        for (int i = 1; i < batch.length; i++) {
            if (batch[i] <= batch[i - 1]) {
                throw new IllegalArgumentException("calibration batch sizes must increase");
            }
        }
        this.executors = executors;
        this.slots = Math.max(1, slots);
        this.emptyJob1 = emptyJob1;
        this.emptyJobSlots = emptyJobSlots;
        this.writeJobSlots = writeJobSlots;
        this.roundFixed = roundFixed;
        this.roundPerRow = roundPerRow;
        this.serviceStart = serviceStart;
        this.batch = batch.clone();
        this.callWall = callWall.clone();
        this.callCpu = callCpu.clone();
        this.clusterCores = Math.max(0.05, clusterCores);
        this.driverCores = Math.max(0.05, driverCores);
        this.seconds = seconds;
        this.model = model;
    }

    /** Latency of an empty job of {@code tasks} tasks: linear between the two measured sizes. */
    public double emptyJob(int tasks) {
        if (slots <= 1) {
            return emptyJobSlots;
        }
        double f = (Math.min(Math.max(tasks, 1), slots) - 1) / (double) (slots - 1);
        double extra = tasks > slots ? (tasks - slots) / (double) slots * (emptyJobSlots - emptyJob1) : 0;
        return emptyJob1 + f * (emptyJobSlots - emptyJob1) + Math.max(0, extra);
    }

    /** Latency of a write job of {@code tasks} tasks: an empty job's, plus the write's own overhead. */
    public double writeJob(int tasks) {
        return emptyJob(tasks) + Math.max(0, writeJobSlots - emptyJobSlots);
    }

    /** Wall time of a model call of {@code rows} rows. */
    public double callWall(double rows) {
        return interpolate(batch, callWall, rows);
    }

    /** CPU time of a model call of {@code rows} rows. */
    public double callCpu(double rows) {
        return interpolate(batch, callCpu, rows);
    }

    /**
     * Piecewise linear through the measured points; below the first, its value; above the last, the last
     * segment's slope (never negative: a bigger batch never costs less).
     */
    static double interpolate(int[] xs, double[] ys, double x) {
        if (x <= xs[0] || xs.length == 1) {
            return xs.length == 1 ? ys[0] * Math.max(1, x / Math.max(1, xs[0])) : ys[0];
        }
        for (int i = 1; i < xs.length; i++) {
            if (x <= xs[i]) {
                double f = (x - xs[i - 1]) / (xs[i] - xs[i - 1]);
                return ys[i - 1] + f * (ys[i] - ys[i - 1]);
            }
        }
        int n = xs.length;
        double slope = Math.max(0, (ys[n - 1] - ys[n - 2]) / (xs[n - 1] - xs[n - 2]));
        return ys[n - 1] + slope * (x - xs[n - 1]);
    }

    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seconds", seconds);
        m.put("executors", executors);
        m.put("slots", slots);
        m.put("emptyJobMs1Task", emptyJob1 * 1e3);
        m.put("emptyJobMsAllSlots", emptyJobSlots * 1e3);
        m.put("writeJobMsAllSlots", writeJobSlots * 1e3);
        m.put("serviceRoundMsFixed", roundFixed * 1e3);
        m.put("serviceRoundMicrosPerRow", roundPerRow * 1e6);
        m.put("serviceStartMs", serviceStart * 1e3);
        m.put("model", model);
        List<Object> calls = new ArrayList<>();
        for (int i = 0; i < batch.length; i++) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("rows", batch[i]);
            c.put("wallMs", callWall[i] * 1e3);
            c.put("cpuMs", callCpu[i] * 1e3);
            calls.add(c);
        }
        m.put("modelCalls", calls);
        m.put("clusterCores", clusterCores);
        m.put("driverCores", driverCores);
        return m;
    }
}
