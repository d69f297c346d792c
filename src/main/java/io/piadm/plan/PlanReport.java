package io.piadm.plan;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the planner measured, predicted and chose, for run.json and {@code piadm plan}: the calibration,
 * the pilots, a prediction for each placement of the chosen sampler and of its sequential counterpart,
 * the choice (the fastest placement of the chosen sampler) and, after the run, the actual wall time.
 */
public final class PlanReport {
    private final Calibration calibration;
    private final List<RoundProfile> pilots;
    private final List<CostModel.Prediction> predictions;
    private final String sampler;
    private final String choice;
    private final String emulation;
    private final Map<String, Object> notes;

    public PlanReport(Calibration calibration, List<RoundProfile> pilots, List<CostModel.Prediction> predictions,
            String sampler, String emulation, Map<String, Object> notes) {
        this.calibration = calibration;
        this.pilots = List.copyOf(pilots);
        this.predictions = List.copyOf(predictions);
        this.sampler = sampler;
        this.emulation = emulation;
        this.notes = new LinkedHashMap<>(notes);
        CostModel.Prediction best = null;
        for (CostModel.Prediction p : predictions) {
            if (p.sampler.equals(sampler) && (best == null || p.seconds < best.seconds)) {
                best = p;
            }
        }
        if (best == null) {
            throw new IllegalArgumentException("no prediction for sampler " + sampler);
        }
        this.choice = best.placement;
    }

    /** The placement with the smallest predicted time for the chosen sampler: "time" or "samples". */
    public String choice() {
        return choice;
    }

    public List<CostModel.Prediction> predictions() {
        return predictions;
    }

    /** The pilots' round profiles: the chosen sampler's first, then its sequential counterpart's. */
    public List<RoundProfile> pilots() {
        return pilots;
    }

    public Calibration calibration() {
        return calibration;
    }

    /** The prediction for {@code sampler} in {@code placement}, or null. */
    public CostModel.Prediction prediction(String sampler, String placement) {
        for (CostModel.Prediction p : predictions) {
            if (p.sampler.equals(sampler) && p.placement.equals(placement)) {
                return p;
            }
        }
        return null;
    }

    /**
     * The chunk count the planner predicted the chosen sampler's sample-parallel placement with (it may be
     * fewer chunks than the default, PlacementPlanner), or 0 when unknown.
     */
    public int sampleChunks() {
        CostModel.Prediction p = prediction(sampler, "samples");
        Object c = p == null ? null : p.breakdown.get("chunks");
        return c instanceof Integer ? (Integer) c : 0;
    }

    /** A sentence for the plan's reason. */
    public String reason() {
        CostModel.Prediction c = prediction(sampler, choice);
        StringBuilder sb = new StringBuilder("predicted fastest: " + String.format(Locale.ROOT, "%.2f", c.seconds)
                + " s " + choice + "-parallel");
        for (CostModel.Prediction p : predictions) {
            if (p.sampler.equals(sampler) && !p.placement.equals(choice)) {
                sb.append(String.format(Locale.ROOT, " vs %.2f s %s-parallel", p.seconds, p.placement));
            }
        }
        sb.append(" (cost model from a calibration of this cluster and a pilot of the sampler; run.json"
                + " planner.predictions)");
        return sb.toString();
    }

    /** For run.json; {@code actualSeconds} the run's sampling wall time, or NaN before the run. */
    public Map<String, Object> describe(double actualSeconds) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("acceleratorEmulated", emulation != null);
        if (emulation != null) {
            m.put("emulation", emulation + " (all times below were measured with it)");
        }
        m.put("calibration", calibration.describe());
        List<Object> ps = new ArrayList<>();
        for (RoundProfile p : pilots) {
            ps.add(p.describe());
        }
        m.put("pilots", ps);
        List<Object> pr = new ArrayList<>();
        for (CostModel.Prediction p : predictions) {
            pr.add(p.describe());
        }
        m.put("predictions", pr);
        m.put("choice", choice);
        m.putAll(notes);
        if (Double.isFinite(actualSeconds)) {
            double predicted = prediction(sampler, choice).seconds;
            m.put("predictedSeconds", predicted);
            m.put("actualSeconds", actualSeconds);
            m.put("predictedOverActual", predicted / actualSeconds);
        }
        return m;
    }

    /** A short account of a prediction's parts. */
    public static String where(CostModel.Prediction p) {
        Map<String, Object> b = p.breakdown;
        if (p.placement.equals("time")) {
            return String.format(Locale.ROOT, "start %.1f + channel %.1f + model %.1f + driver scan %.1f s",
                    num(b, "serviceStartSeconds"), num(b, "channelSeconds"), num(b, "modelSeconds"),
                    num(b, "driverScanSeconds"));
        }
        return String.format(Locale.ROOT, "%d jobs %.1f s + %d wave(s) x task %.1f s (%d rounds, hold %.1f s, cpu %.1f s)",
                ((Number) b.get("sparkJobs")).intValue(), num(b, "jobSeconds"), ((Number) b.get("waves")).intValue(),
                num(b, "taskSeconds"), ((Number) b.get("roundsPerTask")).longValue(), num(b, "taskHoldSeconds"),
                num(b, "taskCpuSeconds"));
    }

    private static double num(Map<String, Object> b, String k) {
        return ((Number) b.get(k)).doubleValue();
    }

    /** One line per sampler: the pilot's rounds and the probes' costs (per row, per sample and block). */
    public String probes() {
        StringBuilder sb = new StringBuilder();
        for (RoundProfile p : pilots) {
            sb.append(String.format(Locale.ROOT, "probe %s: pilot %.1f us CPU/row;", p.sampler(),
                    p.samplerCpuPerRow() * 1e6));
            Map<String, Object> d = p.describe();
            if (p.driverCost() != null) {
                sb.append(String.format(Locale.ROOT, " driver %.1f us/row + %.0f us/sample-block CPU (batch %s);",
                        p.driverCost().perRow * 1e6, p.driverCost().perSampleBlock * 1e6, d.get("driverProbeBatch")));
            }
            if (p.taskCost() != null) {
                sb.append(String.format(Locale.ROOT, " tasks %.1f us/row + %.0f us/sample-block CPU (batch %s)",
                        p.taskCost().perRow * 1e6, p.taskCost().perSampleBlock * 1e6, d.get("taskProbeBatch")));
            }
            if (d.get("sampleParallelProbe") instanceof Map<?, ?> sp) {
                sb.append(String.format(Locale.ROOT, "; %s tasks x %s blocks from block %s (batch %s) %.2f s"
                        + " against %.2f s predicted: task CPU x %.2f", sp.get("tasks"), sp.get("blocks"),
                        sp.get("firstBlock"), sp.get("batch"),
                        ((Number) sp.get("measuredTaskSeconds")).doubleValue(),
                        ((Number) sp.get("predictedTaskSeconds")).doubleValue(),
                        ((Number) sp.get("cpuFactor")).doubleValue()));
            }
            sb.append(String.format(Locale.ROOT, "%n"));
        }
        return sb.toString();
    }

    /** The table {@code piadm plan} prints: one line per sampler and placement, in seconds. */
    public String table() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-14s %-10s %10s %14s %12s   %s%n", "sampler", "placement", "rounds",
                "evals/sample", "predicted s", "where the time goes"));
        for (CostModel.Prediction p : predictions) {
            boolean chosen = p.sampler.equals(sampler) && p.placement.equals(choice);
            sb.append(String.format(Locale.ROOT, "%-14s %-10s %10d %14.1f %12.2f   %s%s%n", p.sampler, p.placement,
                    p.rounds, p.evaluationsPerSample, p.seconds, where(p), chosen ? "   <- chosen" : ""));
        }
        return sb.toString();
    }
}
