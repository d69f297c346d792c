package io.piadm.cli;

import io.piadm.io.RunJson;
import io.piadm.job.SampleJob;
import io.piadm.model.EmulatedAccelerator;
import io.piadm.model.ModelSpecs;
import io.piadm.plan.CostModel;
import io.piadm.plan.PlanReport;
import io.piadm.sampler.SamplerKind;
import io.piadm.sampler.SamplingListener;
import io.piadm.spark.BenchSessions;
import io.piadm.spark.ClusterSlots;
import io.piadm.spark.PlacementPlanner;
import io.piadm.spark.SparkRun;
import io.piadm.spark.SparkSessions;
import io.piadm.spark.SparkSettings;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code piadm bench wall}: wall time of real runs on one Spark session (a standalone cluster, say), for each
 * sample count, sampler and placement, beside the planner's predictions; with an emulated accelerator and
 * without (plain CPU). Every run is a full {@link SparkRun} in a forced placement, on the same grid and seed;
 * runs predicted to take longer than the budget are not run (and say so). The samples of the placements of a
 * sampler are checked to be bitwise equal.
 */
@Command(name = "wall", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Wall time of sde / piadm-sde / piadm-ode in each placement on a cluster, with and without an"
                + " emulated accelerator, beside the planner's predictions.")
final class BenchWallCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--master", paramLabel = "URL", defaultValue = "local[*]",
            description = "Spark master, e.g. spark://127.0.0.1:7077 (default ${DEFAULT-VALUE}).")
    String master;

    @Option(names = "--model", paramLabel = "SPEC", defaultValue = "gaussian:d=1024,std=0.5",
            description = "Model without emulation (default ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--latency-ms", paramLabel = "L", defaultValue = "20",
            description = "Emulated accelerator: ms per call (default ${DEFAULT-VALUE}).")
    double latencyMs;

    @Option(names = "--per-row-us", paramLabel = "R", defaultValue = "0",
            description = "Emulated accelerator: us per row (default ${DEFAULT-VALUE}).")
    double perRowUs;

    @Option(names = "--emulation", paramLabel = "on|off|both", defaultValue = "both",
            description = "Runs with the emulated accelerator, without (plain CPU), or both (default ${DEFAULT-VALUE}).")
    String emulation;

    @Option(names = "--samples", split = ",", paramLabel = "N", defaultValue = "16,256,4096",
            description = "Sample counts (default ${DEFAULT-VALUE}).")
    List<Integer> samples;

    @Option(names = "--samplers", split = ",", paramLabel = "NAME", defaultValue = "sde,piadm-sde,piadm-ode",
            description = "Samplers (default ${DEFAULT-VALUE}).")
    List<String> samplers;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--steps-per-block", paramLabel = "M", description = "Grid: steps per block (default: sample's).")
    Integer stepsPerBlock;

    @Option(names = "--horizon", paramLabel = "T", description = "Grid: horizon (default: sample's).")
    Double horizon;

    @Option(names = "--tolerance", paramLabel = "TOL", description = "Picard tolerance (default: sample's).")
    Double tolerance;

    @Option(names = "--partitions", paramLabel = "P", description = "Partitions / chunks (default: one per slot).")
    Integer partitions;

    @Option(names = "--budget-seconds", paramLabel = "S", defaultValue = "300",
            description = "Skip a run predicted to take longer (default ${DEFAULT-VALUE}).")
    double budget;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write every row as JSON (must not exist).")
    Path json;

    /** The job {@code piadm sample} would run for these options. */
    private SampleJob job(String modelSpec, String sampler, int n) {
        List<String> a = new ArrayList<>(List.of("--model", modelSpec, "--sampler", sampler, "--samples",
                Integer.toString(n), "--seed", Long.toString(seed)));
        if (stepsPerBlock != null) {
            a.addAll(List.of("--steps-per-block", stepsPerBlock.toString()));
        }
        if (horizon != null) {
            a.addAll(List.of("--horizon", horizon.toString()));
        }
        if (tolerance != null && SamplerKind.of(sampler).settings().contains(io.piadm.config.Setting.TOLERANCE)) {
            a.addAll(List.of("--tolerance", tolerance.toString()));
        }
        SampleCommand c = new SampleCommand();
        new CommandLine(c).parseArgs(a.toArray(new String[0]));
        return c.resolveJob().job;
    }

    @Override
    public Integer call() throws Exception {
        List<Boolean> modes;
        switch (emulation) {
            case "on" -> modes = List.of(true);
            case "off" -> modes = List.of(false);
            case "both" -> modes = List.of(true, false);
            default -> throw new BadInput("--emulation must be on, off or both; got '" + emulation + "'", null);
        }
        if (json != null && Files.exists(json)) {
            throw new BadInput("--json " + json + " exists; give a new file", null);
        }
        for (String s : samplers) {
            SamplerKind.of(s);
        }
        ModelSpecs.parse(model);
        PrintWriter out = spec.commandLine().getOut();
        int parts = partitions == null ? 0 : partitions;
        SparkSession session = BenchSessions.open(master, "piadm bench wall");
        List<Map<String, Object>> rows = new ArrayList<>();
        try {
            JavaSparkContext sc = SparkSessions.javaContext(session);
            ClusterSlots cluster = ClusterSlots.await(sc);
            out.printf(Locale.ROOT, "bench wall: %s, %d executors, %d task slots, %d processors on the driver host;"
                    + " budget %.0f s per run%n", sc.master(), cluster.executors(), cluster.slots(),
                    Runtime.getRuntime().availableProcessors(), budget);
            out.flush();
            warmUp(session, parts);
            for (boolean emulated : modes) {
                String m = emulated ? model + ",latency-ms=" + latencyMs + ",per-row-us=" + perRowUs : model;
                EmulatedAccelerator em = EmulatedAccelerator.of(ModelSpecs.parse(m));
                out.println(emulated ? "== " + em.summary() + " (the times in this part are emulated)"
                        : "== plain CPU (no emulation)");
                out.printf(Locale.ROOT, "%6s %-10s %-8s %7s %10s %11s %9s %7s  %s%n", "N", "sampler", "place", "rounds",
                        "evals/smp", "predicted", "actual", "pred/act", "planner");
                out.flush();
                for (int n : samples) {
                    rows.addAll(benchRow(session, out, m, emulated, n, parts));
                }
            }
        } finally {
            session.stop();
        }
        if (json != null) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("master", master);
            doc.put("model", model);
            doc.put("emulation", "latency-ms=" + latencyMs + ", per-row-us=" + perRowUs
                    + " (rows with emulated=true were measured with the emulated accelerator)");
            doc.put("rows", rows);
            RunJson.write(json, doc);
        }
        return 0;
    }

    /**
     * Untimed runs first, as a benchmark harness warms up (JMH): a small run of every sampler in each
     * placement on the model without emulation, and one plan. A fresh JVM on a small host compiles Spark's
     * and the sampler's code for its first minute while the executors' JVMs compile theirs on the same
     * cores, and the first plan's probes then measured the driver's sde scan at 62-67 us a row against 11
     * once compiled (time-parallel sde at N = 256 predicted 3.75x its actual time, measured). The rows are
     * then the steady state; a fresh {@code piadm sample} plans cold (README, Known limits).
     */
    private void warmUp(SparkSession session, int parts) {
        for (String s : samplers) {
            SampleJob w = job(model, s, 4);
            for (String p : List.of("time", "samples")) {
                SparkRun.run(session, w, new SparkSettings(null, parts == 0 ? null : parts, p,
                        io.piadm.job.ResumeMode.OFF, null), SamplingListener.NONE);
            }
        }
        PlacementPlanner.predict(SparkSessions.javaContext(session), job(model, samplers.get(0), 16), parts);
    }

    /**
     * A hash of every sample's bits in id order, by one streaming pass: the executor-resident placement's
     * samples are a table, not an array in this JVM.
     */
    static long rowsHash(io.piadm.sampler.SampleSource src) {
        long[] h = {1125899906842597L};
        int d = src.dim();
        try {
            src.forEachRow((id, v, off) -> {
                long x = h[0] * 31 + id;
                for (int i = 0; i < d; i++) {
                    x = x * 31 + Double.doubleToLongBits(v[off + i]);
                }
                h[0] = x;
            });
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("reading the samples back: " + e.getMessage(), e);
        }
        return h[0];
    }

    private List<Map<String, Object>> benchRow(SparkSession session, PrintWriter out, String m, boolean emulated,
            int n, int parts) {
        JavaSparkContext sc = SparkSessions.javaContext(session);
        List<Map<String, Object>> rows = new ArrayList<>();
        Map<String, PlanReport> reports = new LinkedHashMap<>();
        // Parallel-in-time samplers first: their reports predict their sequential counterparts too.
        List<String> order = new ArrayList<>(samplers);
        order.sort(java.util.Comparator.comparing(x -> !SamplerKind.of(x).parallelInTime()));
        for (String s : order) {
            SampleJob j = job(m, s, n);
            // piadm-sde's report also predicts its counterpart sde; predict a sampler only once.
            boolean covered = false;
            for (PlanReport r : reports.values()) {
                covered |= r.prediction(s, "time") != null;
            }
            if (!covered) {
                PlanReport r = PlacementPlanner.predict(sc, j, parts);
                reports.put(s, r);
                io.piadm.plan.Calibration c = r.calibration();
                out.printf(Locale.ROOT, "       calibration for %s (%.1f s): empty job %.0f/%.0f ms (1/%d tasks), write job %.0f ms,"
                        + " service round %.2f ms + %.2f us/row, call %.2f ms (1 row) .. %.2f ms (%d rows), CPU %.2f cores (executors),"
                        + " %.2f (driver)%n", s, c.seconds, c.emptyJob1 * 1e3, c.emptyJobSlots * 1e3, c.slots,
                        c.writeJobSlots * 1e3, c.roundFixed * 1e3, c.roundPerRow * 1e6, c.callWall[0] * 1e3, c.callWall[c.batch.length - 1] * 1e3,
                        c.batch[c.batch.length - 1], c.clusterCores, c.driverCores);
                out.print(r.probes().replaceAll("(?m)^", "       "));
                out.flush();
            }
        }
        for (String s : samplers) {
            SampleJob j = job(m, s, n);
            PlanReport rep = null;
            for (PlanReport r : reports.values()) {
                if (r.prediction(s, "time") != null) {
                    rep = r;
                    break;
                }
            }
            CostModel.Prediction pt = rep.prediction(s, "time");
            CostModel.Prediction ps = rep.prediction(s, "samples");
            String pick = pt.seconds <= ps.seconds ? "time" : "samples";
            Map<String, Double> actual = new LinkedHashMap<>();
            Long firstHash = null;
            boolean same = true;
            for (CostModel.Prediction p : List.of(pt, ps)) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("emulated", emulated);
                row.put("model", m);
                row.put("samples", n);
                row.put("sampler", s);
                row.put("placement", p.placement);
                row.put("predictedSeconds", p.seconds);
                row.put("predictedRounds", p.rounds);
                row.put("plannerPick", pick);
                row.put("predictionBreakdown", p.breakdown);
                row.put("planner", rep.describe(Double.NaN)); // calibration, pilots and probes, all predictions
                String line;
                if (p.seconds > budget) {
                    row.put("run", false);
                    row.put("skipped", "predicted " + String.format(Locale.ROOT, "%.0f", p.seconds)
                            + " s > budget " + budget + " s");
                    line = String.format(Locale.ROOT, "%6d %-10s %-8s %7d %10.0f %10.2fs %9s %7s  %s", n, s,
                            p.placement, p.rounds, p.evaluationsPerSample, p.seconds, "skipped", "",
                            "pick " + pick + " (not run: over budget)");
                } else {
                    System.gc();
                    // Sample-parallel runs with the chunking its prediction is for (the planner's, PlacementPlanner).
                    Object planned = p.breakdown.get("chunks");
                    Integer chunks = parts != 0 ? Integer.valueOf(parts)
                            : "samples".equals(p.placement) && planned instanceof Integer ? (Integer) planned : null;
                    SparkRun.Outcome o = SparkRun.run(session, j, new SparkSettings(null, chunks,
                            p.placement, io.piadm.job.ResumeMode.OFF, null), SamplingListener.NONE);
                    double wall = o.result.wallSeconds();
                    actual.put(p.placement, wall);
                    long h = rowsHash(o.result.source());
                    if (firstHash == null) {
                        firstHash = h;
                    } else {
                        same &= firstHash.longValue() == h;
                    }
                    row.put("run", true);
                    row.put("actualSeconds", wall);
                    row.put("rounds", o.result.rounds());
                    row.put("evaluationsPerSample", o.result.evaluationsPerSample());
                    row.put("predictedOverActual", p.seconds / wall);
                    row.put("evaluator", o.evaluator);
                    Map<String, Object> backend = o.describe();
                    row.put("backend", backend);
                    // A time-parallel run's own split (SplitClock), beside the prediction's parts.
                    Object split = backend.get("timeSplit");
                    String measured = split instanceof Map<?, ?> ts ? String.format(Locale.ROOT,
                            "; run: evaluator %.1f + driver %.1f s", ((Number) ts.get("insideEvaluatorSeconds")).doubleValue(),
                            ((Number) ts.get("betweenCallsSeconds")).doubleValue()) : "";
                    line = String.format(Locale.ROOT, "%6d %-10s %-8s %7d %10.0f %10.2fs %8.2fs %7.2f  %s  [%s%s]", n, s,
                            p.placement, o.result.rounds(), o.result.evaluationsPerSample(), p.seconds, wall,
                            p.seconds / wall, "pick " + pick, PlanReport.where(p), measured);
                }
                rows.add(row);
                out.println(line);
                out.flush();
            }
            if (actual.size() == 2) {
                String fastest = actual.get("time") <= actual.get("samples") ? "time" : "samples";
                out.printf(Locale.ROOT, "%6s %-10s planner picks %s, fastest measured %s: %s; samples of both"
                        + " placements bitwise equal: %s%n", "", s, pick, fastest, pick.equals(fastest) ? "right" : "WRONG",
                        same);
                for (Map<String, Object> r : rows.subList(rows.size() - 2, rows.size())) {
                    r.put("fastestMeasured", fastest);
                    r.put("plannerRight", pick.equals(fastest));
                    r.put("placementsBitwiseEqual", same);
                }
            }
            out.flush();
        }
        return rows;
    }
}
