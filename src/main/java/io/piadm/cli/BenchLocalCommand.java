package io.piadm.cli;

import io.piadm.eval.LocalEvaluator;
import io.piadm.eval.RoundInfo;
import io.piadm.model.ModelSpec;
import io.piadm.model.ScoreModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code piadm bench local}: wall time of one evaluation round of the {@link LocalEvaluator} (a batch of
 * {@code rows} (state, time) rows, as a Picard sweep over M grid points x samples hands it over), for
 * each thread count; prints the median and the 10th/90th percentiles over {@code rounds} timed rounds
 * after {@code warmup} untimed ones.
 */
@Command(name = "local", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Time one round of the local evaluator (ms per round, medians).")
final class BenchLocalCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "SPEC", defaultValue = "gaussian:d=64",
            description = "Score model (default ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--rows", paramLabel = "R", defaultValue = "4096",
            description = "Rows (grid points x samples) per round (default ${DEFAULT-VALUE}).")
    int rows;

    @Option(names = "--threads", paramLabel = "N", split = ",",
            description = "Thread counts to compare (default 1 and all processors).")
    List<Integer> threads;

    @Option(names = "--rounds", paramLabel = "K", defaultValue = "50",
            description = "Timed rounds per thread count (default ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--warmup", paramLabel = "W", defaultValue = "10",
            description = "Untimed warm-up rounds (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Seed of the random inputs.")
    long seed;

    @Override
    public Integer call() {
        ModelSpec modelSpec;
        List<Integer> counts;
        try {
            modelSpec = io.piadm.model.ModelSpecs.parse(model);
            if (rows < 1) {
                throw new IllegalArgumentException("--rows must be an integer >= 1, got " + rows);
            }
            if ((long) rows * modelSpec.dim() > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("--rows x d must be below 2^31, got " + rows + " x " + modelSpec.dim());
            }
            if (rounds < 1) {
                throw new IllegalArgumentException("--rounds must be an integer >= 1, got " + rounds);
            }
            if (warmup < 0) {
                throw new IllegalArgumentException("--warmup must be an integer >= 0, got " + warmup);
            }
            int procs = Runtime.getRuntime().availableProcessors();
            counts = threads != null ? threads : List.copyOf(new LinkedHashSet<>(List.of(1, procs)));
            for (int t : counts) {
                if (t < 1) {
                    throw new IllegalArgumentException("--threads must list integers >= 1, got " + t);
                }
            }
        } catch (IllegalArgumentException e) {
            throw new BadInput(e.getMessage(), e);
        }

        int d = modelSpec.dim();
        ScoreModel m = modelSpec.build();
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] x = new double[rows * d];
        double[] t = new double[rows];
        double[] out = new double[rows * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextGaussian();
        }
        for (int i = 0; i < rows; i++) {
            t[i] = 1e-3 + rnd.nextDouble() * 5.0; // forward times across a typical schedule
        }
        PrintWriter pw = spec.commandLine().getOut();
        pw.printf(Locale.ROOT, "bench local: model %s (d=%d), %d rows per round, %d rounds after %d warm-up, %d processors%n",
                modelSpec.id(), d, rows, rounds, warmup, Runtime.getRuntime().availableProcessors());
        pw.printf(Locale.ROOT, "%8s %12s %12s %12s %16s%n", "threads", "median ms", "p10 ms", "p90 ms", "rows/s (median)");
        RoundInfo info = new RoundInfo("bench", 0, "local", 1);
        for (int th : counts) {
            double[] ms = new double[rounds];
            try (LocalEvaluator ev = new LocalEvaluator(m, th)) {
                for (int k = 0; k < warmup; k++) {
                    ev.evaluate(info, x, t, rows, out);
                }
                for (int k = 0; k < rounds; k++) {
                    long t0 = System.nanoTime();
                    ev.evaluate(info, x, t, rows, out);
                    ms[k] = (System.nanoTime() - t0) / 1e6;
                }
            }
            Arrays.sort(ms);
            double med = quantile(ms, 0.5);
            pw.printf(Locale.ROOT, "%8d %12.3f %12.3f %12.3f %16.0f%n", th, med, quantile(ms, 0.1),
                    quantile(ms, 0.9), rows / (med / 1e3));
            pw.flush();
        }
        return 0;
    }

    /** Linear-interpolated quantile of sorted values. */
    static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int i = (int) Math.floor(pos);
        int j = Math.min(sorted.length - 1, i + 1);
        return sorted[i] + (pos - i) * (sorted[j] - sorted[i]);
    }
}
