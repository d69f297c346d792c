package io.piadm.cli;

import io.piadm.model.ModelSpec;
import io.piadm.model.ScoreModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code piadm bench model}: score evaluations per second of one model, called in this JVM on one thread
 * (the model's own intra-op threads aside) with batches of 1, 4, 16, ..., 4096 rows; per batch size the
 * median call time over repeated calls (at least --rounds, and at least --min-seconds of calls). Then
 * the same batch sizes as rows of one time-parallel Spark round ({@code SparkTimeEvaluator} on
 * {@code --master}, default local[*]): the rate a Picard sweep of that many (grid point x sample) rows
 * achieves, latency included, which is what the planner's choice of rows per round trades against.
 */
@Command(name = "model", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Score evaluations per second of a model at batch sizes 1, 4, 16, ..., 4096, in-process and per Spark round.")
final class BenchModelCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "SPEC", defaultValue = "onnx:models/two-moons.onnx",
            description = "Score model (default ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--max-batch", paramLabel = "B", defaultValue = "4096",
            description = "Largest batch size; sizes are powers of 4 up to it (default ${DEFAULT-VALUE}).")
    int maxBatch;

    @Option(names = "--rounds", paramLabel = "K", defaultValue = "20",
            description = "Least number of timed calls per batch size (default ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--min-seconds", paramLabel = "S", defaultValue = "0.3",
            description = "Least time spent in timed calls per batch size (default ${DEFAULT-VALUE}).")
    double minSeconds;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Seed of the random inputs.")
    long seed;

    @Option(names = "--spark", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Also time whole Spark rounds of each size (default on; --no-spark skips).")
    boolean spark;

    @Option(names = "--master", paramLabel = "URL", defaultValue = "local[*]",
            description = "Spark master for the per-round table (default ${DEFAULT-VALUE}).")
    String master;

    @Option(names = "--partitions", paramLabel = "P", defaultValue = "0",
            description = "Partitions per Spark round (default 0: Spark's default parallelism).")
    int partitions;

    @Override
    public Integer call() {
        ModelSpec modelSpec;
        long t0 = System.nanoTime();
        try {
            modelSpec = io.piadm.model.ModelSpecs.parse(model);
            if (maxBatch < 1 || maxBatch > 1 << 20) {
                throw new IllegalArgumentException("--max-batch must be an integer in [1, 1048576], got " + maxBatch);
            }
            if ((long) maxBatch * modelSpec.dim() > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("--max-batch x d must be below 2^31, got " + maxBatch + " x " + modelSpec.dim());
            }
            if (rounds < 1) {
                throw new IllegalArgumentException("--rounds must be an integer >= 1, got " + rounds);
            }
            if (!(minSeconds >= 0) || minSeconds > 3600) {
                throw new IllegalArgumentException("--min-seconds must be a number in [0, 3600], got " + minSeconds);
            }
            if (partitions < 0) {
                throw new IllegalArgumentException("--partitions must be an integer >= 0, got " + partitions);
            }
            if (spark) {
                io.piadm.spark.SparkSessions.validateMaster(master);
            }
        } catch (IllegalArgumentException e) {
            throw new BadInput(e.getMessage(), e);
        }
        int d = modelSpec.dim();
        ScoreModel m = modelSpec.build();
        double loadMs = (System.nanoTime() - t0) / 1e6;
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] x = new double[maxBatch * d];
        double[] t = new double[maxBatch];
        double[] out = new double[maxBatch * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextGaussian();
        }
        for (int i = 0; i < maxBatch; i++) {
            t[i] = 1e-3 * Math.pow(1e4, rnd.nextDouble()); // forward times from 1e-3 to 10, log-uniform
        }
        PrintWriter pw = spec.commandLine().getOut();
        pw.printf(Locale.ROOT, "bench model: %s (d=%d), parse + load %.1f ms, one calling thread%n", modelSpec.id(), d, loadMs);
        pw.printf(Locale.ROOT, "%8s %12s %12s %12s %18s%n", "batch", "median ms", "p10 ms", "p90 ms", "evaluations/s");
        List<Integer> sizes = new ArrayList<>();
        for (int b = 1; b <= maxBatch; b *= 4) {
            sizes.add(b);
        }
        if (sizes.get(sizes.size() - 1) != maxBatch) {
            sizes.add(maxBatch);
        }
        for (int b : sizes) {
            for (int k = 0; k < 5; k++) {
                m.score(x, t, b, out); // warm-up
            }
            timeRow(pw, b, () -> m.score(x, t, b, out));
        }
        if (spark) {
            sparkRounds(modelSpec, sizes, x, t, pw);
        }
        return 0;
    }

    /**
     * Times {@code call} (at least --rounds calls and --min-seconds) and prints one row: rows, median,
     * 10th and 90th percentile ms, evaluations per second at the median.
     */
    private void timeRow(PrintWriter pw, int rows, Runnable call) {
        List<Double> ms = new ArrayList<>();
        long start = System.nanoTime();
        while (ms.size() < rounds || (System.nanoTime() - start) / 1e9 < minSeconds) {
            long c0 = System.nanoTime();
            call.run();
            ms.add((System.nanoTime() - c0) / 1e6);
        }
        double[] s = ms.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(s);
        double med = BenchLocalCommand.quantile(s, 0.5);
        pw.printf(Locale.ROOT, "%8d %12.4f %12.4f %12.4f %18.0f%n", rows, med, BenchLocalCommand.quantile(s, 0.1),
                BenchLocalCommand.quantile(s, 0.9), rows / (med / 1e3));
        pw.flush();
    }

    /** Median wall time of whole time-parallel Spark rounds of each size, after a warm-up. */
    private void sparkRounds(ModelSpec modelSpec, List<Integer> sizes, double[] x, double[] t, PrintWriter pw) {
        org.apache.spark.sql.SparkSession session = io.piadm.spark.SparkSessions.getOrCreate(
                new io.piadm.spark.SparkSessions.Options().master(master).ui(false).appName("piadm-bench-model"));
        try (io.piadm.spark.SparkTimeEvaluator ev = new io.piadm.spark.SparkTimeEvaluator(
                io.piadm.spark.SparkSessions.javaContext(session), modelSpec, partitions, 1)) {
            double[] out = new double[x.length];
            io.piadm.eval.RoundInfo info = new io.piadm.eval.RoundInfo("bench", 0, "model", 1);
            for (int k = 0; k < 30; k++) {
                ev.evaluate(info, x, t, sizes.get(sizes.size() - 1), out); // warm-up: JIT, executor model, jobs
            }
            pw.printf(Locale.ROOT, "per Spark round (%s, master %s): one job per round, rows split over partitions%n",
                    ev.describe(), master);
            pw.printf(Locale.ROOT, "%8s %12s %12s %12s %18s%n", "rows", "median ms", "p10 ms", "p90 ms", "evaluations/s");
            for (int b : sizes) {
                timeRow(pw, b, () -> ev.evaluate(info, x, t, b, out));
            }
        } finally {
            session.stop();
        }
    }
}
