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
 * median call time over repeated calls (at least --rounds, and at least --min-seconds of calls). Spark
 * rounds add their own latency on top (bench of the Spark evaluator).
 */
@Command(name = "model", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Score evaluations per second of a model at batch sizes 1, 4, 16, ..., 4096 (in-process).")
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

    @Override
    public Integer call() {
        ModelSpec modelSpec;
        long t0 = System.nanoTime();
        try {
            modelSpec = SampleCommand.parseModel(model);
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
            List<Double> ms = new ArrayList<>();
            long start = System.nanoTime();
            while (ms.size() < rounds || (System.nanoTime() - start) / 1e9 < minSeconds) {
                long c0 = System.nanoTime();
                m.score(x, t, b, out);
                ms.add((System.nanoTime() - c0) / 1e6);
            }
            double[] s = ms.stream().mapToDouble(Double::doubleValue).toArray();
            Arrays.sort(s);
            double med = BenchLocalCommand.quantile(s, 0.5);
            pw.printf(Locale.ROOT, "%8d %12.4f %12.4f %12.4f %18.0f%n", b, med, BenchLocalCommand.quantile(s, 0.1),
                    BenchLocalCommand.quantile(s, 0.9), b / (med / 1e3));
            pw.flush();
        }
        return 0;
    }
}
