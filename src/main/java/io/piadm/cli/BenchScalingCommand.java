package io.piadm.cli;

import io.piadm.bench.ScalingBenchmark;
import io.piadm.io.RunJson;
import io.piadm.sampler.PicardOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code piadm bench scaling}: the paper's headline experiment (docs/ALGORITHMS.md section 7, invariant 5),
 * see {@link ScalingBenchmark}: per d, the grid on which the sequential SDE reaches a fixed exact KL, and on
 * it, for sequential, blockwise and wavefront Picard with and without Anderson and the lean options (frozen
 * front + warm start): rounds, evaluations per sample and the exact KL of each output law.
 */
@Command(name = "scaling", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Rounds and evaluations per sample of every scheme as d grows, at a fixed sequential KL.")
final class BenchScalingCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--dims", split = ",", paramLabel = "D", defaultValue = "16,64,256,1024,4096",
            description = "Dimensions (default ${DEFAULT-VALUE}).")
    List<Integer> dims;

    @Option(names = "--target-kl", paramLabel = "KL", defaultValue = "0.01",
            description = "Exact KL the sequential sampler must reach on each grid (default ${DEFAULT-VALUE}).")
    double targetKl;

    @Option(names = "--tolerance", paramLabel = "TOL", defaultValue = "1e-3",
            description = "Picard tolerance (default ${DEFAULT-VALUE}).")
    double tolerance;

    @Option(names = "--anderson", paramLabel = "M", defaultValue = "3",
            description = "Anderson iterates of the accelerated schemes (default ${DEFAULT-VALUE}).")
    int anderson;

    @Option(names = "--samples", paramLabel = "N", defaultValue = "8",
            description = "Samples drawn to count rounds and evaluations (default ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the table as JSON (must not exist).")
    Path json;

    static void checkCommon(double targetKl, int anderson, int samples, Path json) {
        if (!(targetKl > 0) || !Double.isFinite(targetKl)) {
            throw new BadInput("--target-kl must be a finite number > 0, got " + targetKl, null);
        }
        if (anderson < 2 || anderson > PicardOptions.MAX_ANDERSON) {
            throw new BadInput("--anderson must be an integer in [2, " + PicardOptions.MAX_ANDERSON + "], got " + anderson, null);
        }
        if (samples < 1) {
            throw new BadInput("--samples must be an integer >= 1, got " + samples, null);
        }
        if (json != null) {
            // Before any computing: a --json that cannot be written would otherwise fail after the whole table.
            io.piadm.io.OutputDir.checkNewFile(json, io.piadm.config.Setting.JSON);
        }
    }

    static void header(PrintWriter pw) {
        pw.printf(Locale.ROOT, "%6s %-28s %9s %8s %12s %12s%n", "d", "scheme", "tolerance", "rounds", "evals/sample",
                "exact KL");
        pw.flush();
    }

    static void line(PrintWriter pw, Map<String, Object> e) {
        Object tol = e.get("tolerance");
        pw.printf(Locale.ROOT, "%6s %-28s %9s %8d %12.1f %12.4e%n", e.get("d"), e.get("scheme"),
                tol == null ? "-" : String.format(Locale.ROOT, "%.0e", ((Number) tol).doubleValue()),
                ((Number) e.get("rounds")).longValue(), ((Number) e.get("evaluationsPerSample")).doubleValue(),
                ((Number) e.get("exactKl")).doubleValue());
        pw.flush();
    }

    @Override
    public Integer call() throws Exception {
        int[] d = new int[dims.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = dims.get(i);
            if (d[i] < 1) {
                throw new BadInput("--dims must list integers >= 1, got " + d[i], null);
            }
        }
        if (d.length < 1) {
            throw new BadInput("--dims must list at least one dimension", null);
        }
        if (!(tolerance > 0) || !Double.isFinite(tolerance)) {
            throw new BadInput("--tolerance must be a finite number > 0, got " + tolerance, null);
        }
        checkCommon(targetKl, anderson, samples, json);
        PrintWriter pw = spec.commandLine().getOut();
        pw.printf(Locale.ROOT, "bench scaling: target N(0.5, 0.25 I), sequential KL <= %.3g (exact), tol %.3g, Anderson %d,"
                + " %d samples; exact KL of each output law (coefficient propagation)%n", targetKl, tolerance, anderson, samples);
        header(pw);
        Map<String, Object> table = ScalingBenchmark.run(d, targetKl, tolerance, samples, seed,
                ScalingBenchmark.schemes(anderson), e -> line(pw, e));
        pw.printf(Locale.ROOT, "rounds at d = %d over rounds at d = %d (and slope of ln rounds vs ln d):%n", d[d.length - 1], d[0]);
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> growth = (Map<String, Map<String, Object>>) table.get("growth");
        for (Map.Entry<String, Map<String, Object>> g : growth.entrySet()) {
            pw.printf(Locale.ROOT, "  %-28s %7.3f  (%.3f)%n", g.getKey(), g.getValue().get("roundsRatioLastToFirst"),
                    g.getValue().get("exponent"));
        }
        if (json != null) {
            io.piadm.io.OutputDir.writeNewFile(json, RunJson.toJson(table));
            pw.println("wrote " + json);
        }
        pw.flush();
        return 0;
    }
}
