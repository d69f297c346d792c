package io.piadm.cli;

import io.piadm.model.ModelSpec;
import io.piadm.sampler.PicardOptions;
import io.piadm.sampler.SamplerConfig;
import io.piadm.schedule.ScheduleConfig;
import io.piadm.spark.SparkBench;
import io.piadm.spark.SparkSessions;

import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code piadm bench spark-overhead}: the same piadm job with the time-parallel Spark evaluator and with the
 * local evaluator in one process, warm-up runs first (a fresh SparkContext's first jobs are slow), then the
 * median ms per round of each and the difference: what Spark adds per Picard sweep.
 */
@Command(name = "spark-overhead", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Spark time-parallel evaluator vs local evaluator on the same job: median ms per round.")
final class BenchSparkOverheadCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "SPEC", defaultValue = "gaussian:d=16",
            description = "Score model (default ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--sampler", paramLabel = "NAME", defaultValue = "piadm-sde",
            description = "Sampler (default ${DEFAULT-VALUE}).")
    String sampler;

    @Option(names = "--samples", paramLabel = "N", defaultValue = "2", description = "Samples (default ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--steps-per-block", paramLabel = "M", defaultValue = "32",
            description = "Grid points per block (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--iterations", paramLabel = "K", defaultValue = "4",
            description = "Picard sweeps per block (default ${DEFAULT-VALUE}).")
    int iterations;

    @Option(names = "--master", paramLabel = "URL", defaultValue = "local[2]",
            description = "Spark master (default ${DEFAULT-VALUE}).")
    String master;

    @Option(names = "--partitions", paramLabel = "P", defaultValue = "2",
            description = "Partitions per round (default ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--warmup", paramLabel = "W", defaultValue = "10",
            description = "Untimed warm-up runs of the whole job (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--runs", paramLabel = "R", defaultValue = "5", description = "Timed runs (default ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() {
        ModelSpec m;
        SamplerConfig cfg;
        try {
            m = io.piadm.model.ModelSpecs.parse(model);
            if (samples < 1) {
                throw new IllegalArgumentException("--samples must be an integer >= 1, got " + samples);
            }
            if (partitions < 1) {
                throw new IllegalArgumentException("--partitions must be an integer >= 1, got " + partitions);
            }
            if (warmup < 0) {
                throw new IllegalArgumentException("--warmup must be an integer >= 0, got " + warmup);
            }
            if (runs < 1) {
                throw new IllegalArgumentException("--runs must be an integer >= 1, got " + runs);
            }
            SparkSessions.validateMaster(master);
            cfg = SamplerConfig.of(new ScheduleConfig(m.dim()).stepsPerBlock(steps).build(), seed)
                    .withPicard(PicardOptions.fixed(iterations));
            io.piadm.sampler.SamplerKind.of(sampler).create(cfg, m.dim());
        } catch (IllegalArgumentException e) {
            throw new BadInput(e.getMessage(), e);
        }
        SparkSession session = SparkSessions.getOrCreate(new SparkSessions.Options().master(master).ui(false)
                .appName("piadm bench spark-overhead"));
        try {
            SparkBench.Overhead o = SparkBench.overhead(SparkSessions.javaContext(session), m, sampler, cfg, 0, samples,
                    partitions, 1, warmup, runs);
            PrintWriter pw = spec.commandLine().getOut();
            pw.printf(Locale.ROOT, "bench spark-overhead: %s on %s, %d samples, %d rounds per run, %d runs after %d warm-up,"
                    + " %d processors%n", sampler, m.id(), samples, o.roundsPerRun, runs, warmup,
                    Runtime.getRuntime().availableProcessors());
            pw.printf(Locale.ROOT, "%-60s %10.3f ms/round (median)%n", o.sparkEvaluator, o.sparkMsPerRound);
            pw.printf(Locale.ROOT, "%-60s %10.3f ms/round (median)%n", o.localEvaluator, o.localMsPerRound);
            pw.printf(Locale.ROOT, "%-60s %10.3f ms/round%n", "spark adds", o.differenceMs());
            pw.flush();
        } finally {
            session.stop();
        }
        return 0;
    }
}
