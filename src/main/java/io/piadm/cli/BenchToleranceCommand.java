package io.piadm.cli;

import io.piadm.bench.ScalingBenchmark;
import io.piadm.io.RunJson;
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
 * {@code piadm bench tolerance}: rounds against the exact KL of the output law for Picard tolerances
 * 1e-1 ... 1e-4, every scheme, at one d on the grid where the sequential SDE reaches the target KL
 * ({@link ScalingBenchmark#tolerance}).
 */
@Command(name = "tolerance", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Rounds against exact KL for several Picard tolerances, every scheme, at one d.")
final class BenchToleranceCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--dim", paramLabel = "D", defaultValue = "1024", description = "Dimension (default ${DEFAULT-VALUE}).")
    int dim;

    @Option(names = "--tolerances", split = ",", paramLabel = "TOL", defaultValue = "1e-1,1e-2,1e-3,1e-4",
            description = "Picard tolerances (default ${DEFAULT-VALUE}).")
    List<Double> tolerances;

    @Option(names = "--target-kl", paramLabel = "KL", defaultValue = "0.01",
            description = "Exact KL of the sequential sampler on the grid (default ${DEFAULT-VALUE}).")
    double targetKl;

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

    @Override
    public Integer call() throws Exception {
        if (dim < 1) {
            throw new BadInput("--dim must be an integer >= 1, got " + dim, null);
        }
        double[] tols = new double[tolerances.size()];
        for (int i = 0; i < tols.length; i++) {
            tols[i] = tolerances.get(i);
            if (!(tols[i] > 0) || !Double.isFinite(tols[i])) {
                throw new BadInput("--tolerances must list finite numbers > 0, got " + tols[i], null);
            }
        }
        if (tols.length < 1) {
            throw new BadInput("--tolerances must list at least one tolerance", null);
        }
        BenchScalingCommand.checkCommon(targetKl, anderson, samples, json);
        PrintWriter pw = spec.commandLine().getOut();
        pw.printf(Locale.ROOT, "bench tolerance: target N(0.5, 0.25 I), d = %d, sequential KL <= %.3g (exact), Anderson %d,"
                + " %d samples%n", dim, targetKl, anderson, samples);
        BenchScalingCommand.header(pw);
        Map<String, Object> table = ScalingBenchmark.tolerance(dim, targetKl, tols, samples, seed,
                ScalingBenchmark.schemes(anderson), e -> {
                    e.put("d", dim);
                    BenchScalingCommand.line(pw, e);
                });
        if (json != null) {
            RunJson.write(json, table);
            pw.println("wrote " + json);
        }
        pw.flush();
        return 0;
    }
}
