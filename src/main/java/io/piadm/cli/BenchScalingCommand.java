package io.piadm.cli;

import io.piadm.bench.ScalingBenchmark;
import io.piadm.io.RunJson;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code piadm bench scaling}: the paper's headline experiment (docs/ALGORITHMS.md section 7, invariant 5),
 * see {@link ScalingBenchmark}: per d, the grid on which the sequential SDE reaches a fixed exact KL, its
 * rounds, and PIADM-SDE's rounds on the same grid.
 */
@Command(name = "scaling", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Sequential vs PIADM-SDE rounds as d grows, at a fixed sequential KL.")
final class BenchScalingCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--dims", split = ",", paramLabel = "D", defaultValue = "4,16,64,256,1024,4096",
            description = "Dimensions (default ${DEFAULT-VALUE}).")
    List<Integer> dims;

    @Option(names = "--target-kl", paramLabel = "KL", defaultValue = "0.01",
            description = "Exact KL the sequential sampler must reach on each grid (default ${DEFAULT-VALUE}).")
    double targetKl;

    @Option(names = "--tolerance", paramLabel = "TOL", defaultValue = "1e-3",
            description = "PIADM-SDE Picard tolerance (default ${DEFAULT-VALUE}).")
    double tolerance;

    @Option(names = "--samples", paramLabel = "N", defaultValue = "8",
            description = "Samples PIADM-SDE draws to count its rounds (default ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the table as JSON (must not exist).")
    Path json;

    @Override
    public Integer call() throws Exception {
        int[] d = new int[dims.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = dims.get(i);
            if (d[i] < 1) {
                throw new BadInput("--dims must list integers >= 1, got " + d[i], null);
            }
        }
        if (!(targetKl > 0) || !Double.isFinite(targetKl)) {
            throw new BadInput("--target-kl must be a finite number > 0, got " + targetKl, null);
        }
        if (!(tolerance > 0) || !Double.isFinite(tolerance)) {
            throw new BadInput("--tolerance must be a finite number > 0, got " + tolerance, null);
        }
        if (samples < 1) {
            throw new BadInput("--samples must be an integer >= 1, got " + samples, null);
        }
        if (json != null) {
            // Before any computing: a --json that cannot be written would otherwise fail after the whole table.
            io.piadm.io.OutputDir.checkNewFile(json, io.piadm.config.Setting.JSON);
        }
        PrintWriter pw = spec.commandLine().getOut();
        pw.printf(Locale.ROOT, "bench scaling: target N(0.5, 0.25 I), sequential KL <= %.3g (exact), PIADM-SDE tol %.3g, %d samples%n",
                targetKl, tolerance, samples);
        pw.printf(Locale.ROOT, "%6s %7s %4s %12s %11s %11s %8s%n", "d", "blocks", "M", "seq KL", "seq rounds",
                "PIADM rnds", "ratio");
        pw.flush();
        Map<String, Object> table = ScalingBenchmark.run(d, targetKl, tolerance, samples, seed, row -> {
            long seq = ((Number) row.get("sequentialRounds")).longValue();
            long par = ((Number) row.get("piadmRounds")).longValue();
            pw.printf(Locale.ROOT, "%6d %7d %4d %12.3e %11d %11d %8.3f%n", row.get("d"), row.get("blocks"),
                    row.get("stepsPerBlock"), row.get("sequentialKl"), seq, par, (double) par / seq);
            pw.flush();
        });
        pw.printf(Locale.ROOT, "growth exponent of rounds in d (slope of ln rounds vs ln d): sequential %.3f, PIADM-SDE %.3f%n",
                table.get("sequentialExponent"), table.get("piadmExponent"));
        if (json != null) {
            io.piadm.io.OutputDir.writeNewFile(json, RunJson.toJson(table));
            pw.println("wrote " + json);
        }
        pw.flush();
        return 0;
    }
}
