package io.piadm.cli;

import io.piadm.io.Npy;
import io.piadm.io.OutputDir;
import io.piadm.io.RunJson;
import io.piadm.io.SamplePlot;
import io.piadm.job.Backend;
import io.piadm.spark.HadoopOutput;
import io.piadm.spark.SparkBackend;
import io.piadm.job.RunManifest;
import io.piadm.job.SampleJob;
import io.piadm.metrics.MetricsReport;
import io.piadm.model.AnalyticTarget;
import io.piadm.model.ModelSpec;
import io.piadm.model.ModelSpecs;
import io.piadm.train.ToyDataset;
import io.piadm.sampler.CorrectorOptions;
import io.piadm.sampler.PicardOptions;
import io.piadm.sampler.Sampler;
import io.piadm.sampler.SamplerConfig;
import io.piadm.sampler.Samplers;
import io.piadm.sampler.SamplingDriver;
import io.piadm.sampler.SamplingResult;
import io.piadm.schedule.Schedule;
import io.piadm.schedule.ScheduleConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code piadm sample}: validates every option (nothing is written on bad input), resolves them into a
 * {@link SampleJob}, runs it on the chosen backend, and writes samples.npy, run.json (and samples.png for
 * d = 2) into a directory that appears only when complete.
 */
@Command(name = "sample", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Draw samples from a score model with a sequential or parallel-in-time sampler.")
final class SampleCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "SPEC",
            description = "Score model, e.g. gaussian:d=64, gmm:d=2,k=8 (see README).")
    String model;

    @Option(names = "--sampler", required = true, paramLabel = "NAME",
            description = "One of: sde, ode, paradigms, paradigms-ode, piadm-sde, piadm-ode.")
    String sampler;

    @Option(names = "--samples", required = true, paramLabel = "N", description = "Number of samples (>= 1).")
    int samples;

    @Option(names = "--seed", required = true, paramLabel = "S", description = "Random seed (any 64-bit integer).")
    long seed;

    @Option(names = "--out", required = true, paramLabel = "DIR",
            description = "Output directory (must not exist unless --overwrite): a local path, or a Hadoop URI"
                    + " (hdfs://, s3a://, ...) with --backend spark.")
    String out;

    @Option(names = "--steps-per-block", paramLabel = "M",
            description = "Inner steps per block (default clamp(ceil(4 sqrt(d) 0.1/delta), 64, 1024)).")
    Integer stepsPerBlock;

    @Option(names = "--block-length", paramLabel = "H", description = "Outer block length far from the data (default 1).")
    Double blockLength;

    @Option(names = "--horizon", paramLabel = "T", description = "Horizon T (default max(2, ln(max(d, E|X_0|^2)/delta^2))).")
    Double horizon;

    @Option(names = "--eta", paramLabel = "E", description = "Early-stopping time eta (default 1e-3).")
    Double eta;

    @Option(names = "--accuracy", paramLabel = "DELTA", description = "Target accuracy delta for defaults (default 0.1).")
    Double accuracy;

    @Option(names = "--iterations", paramLabel = "K", description = "Fixed Picard sweeps per block.")
    Integer iterations;

    @Option(names = "--tolerance", paramLabel = "TOL",
            description = "Adaptive Picard: stop at scaled residual <= TOL (default 1e-3).")
    Double tolerance;

    @Option(names = "--max-iterations", paramLabel = "KMAX", description = "Cap on adaptive sweeps (default M).")
    Integer maxIterations;

    @Option(names = "--window", paramLabel = "P", description = "ParaDiGMS window (default 32).")
    Integer window;

    @Option(names = "--corrector", paramLabel = "on|off",
            description = "Underdamped Langevin corrector (ode, piadm-ode; default on for piadm-ode, off for ode).")
    String corrector;

    @Option(names = "--corrector-steps", paramLabel = "MC", description = "Corrector steps (default M).")
    Integer correctorSteps;

    @Option(names = "--corrector-time", paramLabel = "TC", description = "Corrector duration (default 1).")
    Double correctorTime;

    @Option(names = "--friction", paramLabel = "G", description = "Corrector friction gamma (default 2).")
    Double friction;

    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "spark",
            description = "Where scores are evaluated: spark (default) or local.")
    String backend;

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master (spark backend): local[*] (default unless spark-submit set one), local[N], "
                    + "spark://HOST:PORT, yarn, k8s://URL.")
    String master;

    @Option(names = "--partitions", paramLabel = "P",
            description = "Spark partitions per round / sample chunks (default: Spark's default parallelism).")
    Integer partitions;

    @Option(names = "--parallelism", paramLabel = "MODE",
            description = "time, samples or auto (default auto: the planner decides; run.json says why).")
    String parallelism;

    @Option(names = "--resume", description = "Continue from the last complete block checkpointed by an interrupted run.")
    boolean resume;

    @Option(names = "--checkpoint-dir", paramLabel = "PATH",
            description = "Where block checkpoints go (any Hadoop path; default: .NAME.checkpoint beside --out).")
    String checkpointDir;

    @Option(names = "--threads", paramLabel = "N", description = "Evaluator threads (default: all processors).")
    Integer threads;

    @Option(names = "--batch-size", paramLabel = "B",
            description = "Samples per batch (default: fits 256 MiB of working memory).")
    Integer batchSize;

    @Option(names = "--overwrite", description = "Replace an existing output directory (only once the new one is complete).")
    boolean overwrite;

    @Option(names = "--reference-data", paramLabel = "DATASET",
            description = "For learned models: the training data set to compare samples with (" + ToyDataset.NAMES
                    + "). Default for onnx models: the dataset named in the model's <name>.report.json, if any.")
    String referenceData;

    /** What {@link #resolve()} produced: the job, the backend and the checked output path. */
    static final class Resolved {
        final SampleJob job;
        final Backend backend;
        /** The checked local output directory, or null when {@link #remoteOut} is set. */
        final Path out;
        /** A Hadoop URI output (spark backend), or null. */
        String remoteOut;
        final boolean overwrite;

        /** Training data of a learned model to compare samples with, or null. */
        DataReference reference;

        Resolved(SampleJob job, Backend backend, Path out, boolean overwrite) {
            this.job = job;
            this.backend = backend;
            this.out = out;
            this.overwrite = overwrite;
        }
    }

    /** Checks every option and resolves all defaults; creates nothing. Throws IllegalArgumentException. */
    Resolved resolve() {
        if (samples < 1) {
            throw new IllegalArgumentException("--samples must be an integer >= 1, got " + samples);
        }
        if (!Samplers.NAMES.contains(sampler)) {
            throw new IllegalArgumentException("--sampler must be one of " + String.join(", ", Samplers.NAMES)
                    + "; got '" + sampler + "'");
        }
        ModelSpec spec = parseModel(model);
        int d = spec.dim();
        if (threads != null && threads < 1) {
            throw new IllegalArgumentException("--threads must be an integer >= 1, got " + threads);
        }
        if (batchSize != null && batchSize < 1) {
            throw new IllegalArgumentException("--batch-size must be an integer >= 1, got " + batchSize);
        }
        if (window != null && window < 1) {
            throw new IllegalArgumentException("--window must be an integer >= 1, got " + window);
        }
        Backend be = Backends.create(backend);
        if (be instanceof SparkBackend) {
            ((SparkBackend) be).configure(master, partitions, parallelism, resume,
                    checkpointDir != null ? checkpointDir : defaultCheckpointDir(out));
        } else if (HadoopOutput.isRemote(out)) {
            throw new IllegalArgumentException("--out " + out + ": a Hadoop path needs --backend spark");
        } else if (master != null || partitions != null || parallelism != null || resume || checkpointDir != null) {
            throw new IllegalArgumentException("--master, --partitions, --parallelism, --resume and --checkpoint-dir"
                    + " apply to --backend spark only");
        }

        // Picard settings: a fixed K or a tolerance (with an optional cap), never both.
        if (iterations != null && tolerance != null) {
            throw new IllegalArgumentException("--iterations and --tolerance exclude each other: use --iterations K"
                    + " (fixed sweeps) or --tolerance TOL [--max-iterations KMAX]");
        }
        if (iterations != null && maxIterations != null) {
            throw new IllegalArgumentException("--max-iterations goes with --tolerance, not with --iterations");
        }
        boolean paradigms = sampler.startsWith("paradigms");
        if (paradigms && iterations != null) {
            throw new IllegalArgumentException("--iterations is not allowed with --sampler " + sampler
                    + ": ParaDiGMS slides its window by a tolerance; use --tolerance TOL");
        }
        PicardOptions picard = iterations != null
                ? PicardOptions.fixed(iterations)
                : PicardOptions.tolerance(tolerance != null ? tolerance : PicardOptions.DEFAULT_TOLERANCE,
                        maxIterations);

        // Corrector: default on for piadm-ode, off for ode; not available for the others.
        boolean supportsCorrector = sampler.equals("ode") || sampler.equals("piadm-ode");
        boolean correctorOn;
        if (corrector == null) {
            correctorOn = sampler.equals("piadm-ode");
        } else if (corrector.equals("on") || corrector.equals("off")) {
            correctorOn = corrector.equals("on");
        } else {
            throw new IllegalArgumentException("--corrector must be 'on' or 'off', got '" + corrector + "'");
        }
        if (correctorOn && !supportsCorrector) {
            throw new IllegalArgumentException("--corrector on applies to samplers ode and piadm-ode only, not "
                    + sampler);
        }
        CorrectorOptions co = new CorrectorOptions(correctorOn, correctorSteps,
                correctorTime != null ? correctorTime : CorrectorOptions.DEFAULT_TIME,
                friction != null ? friction : CorrectorOptions.DEFAULT_FRICTION);

        ScheduleConfig sc = new ScheduleConfig(d).horizon(horizon).eta(eta).blockLength(blockLength)
                .stepsPerBlock(stepsPerBlock);
        if (accuracy != null) {
            sc.accuracy(accuracy);
        }
        if (spec.analyticTarget() != null) {
            sc.dataSecondMoment(spec.analyticTarget().secondMoment());
        }
        // Name --eta when only it was given: the default horizon depends on d and delta.
        if (eta != null && horizon == null && Double.isFinite(eta) && eta > 0 && sc.accuracy() > 0
                && Double.isFinite(sc.accuracy()) && eta >= sc.resolvedHorizon()) {
            throw new IllegalArgumentException("--eta must be below the horizon T = " + sc.resolvedHorizon()
                    + " (the default for d = " + d + "); got " + eta + " (or set --horizon)");
        }
        Schedule schedule = sc.build();
        SamplerConfig config = new SamplerConfig(schedule, seed, picard, co,
                window != null ? window : SamplerConfig.DEFAULT_WINDOW);
        Sampler smp = Samplers.create(sampler, config, d);
        int batch = batchSize != null ? batchSize : SamplingDriver.defaultBatchSize(smp, d, samples);
        int nThreads = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        SampleJob job = new SampleJob(spec, sampler, config, samples, 0L, batch, nThreads, sc.describe());
        // Last, once everything else is known to be valid: the output location (a probe file, deleted).
        DataReference reference = DataReference.resolve(referenceData, spec);
        boolean remote = HadoopOutput.isRemote(out);
        if (remote) {
            HadoopOutput.check(out, overwrite, "--out", new org.apache.hadoop.conf.Configuration());
        }
        Path checkedOut = remote ? null : OutputDir.check(localPath(out), overwrite, "--out");
        Resolved resolved = new Resolved(job, be, checkedOut, overwrite);
        resolved.reference = reference;
        resolved.remoteOut = remote ? out : null;
        return resolved;
    }

    /** Block checkpoints live beside the output directory, which exists only once complete. */
    static String defaultCheckpointDir(String out) {
        if (HadoopOutput.isRemote(out)) {
            return HadoopOutput.checkpointSibling(out);
        }
        Path abs = localPath(out).toAbsolutePath().normalize();
        return abs.resolveSibling("." + abs.getFileName() + ".checkpoint").toUri().toString();
    }

    /** A local --out: a plain path or a file: URI. */
    static Path localPath(String out) {
        try {
            return out.startsWith("file:") ? Paths.get(java.net.URI.create(out)) : Paths.get(out);
        } catch (IllegalArgumentException e) { // also InvalidPathException
            throw new IllegalArgumentException("--out " + out + ": not a valid path (" + e.getMessage() + ")", e);
        }
    }

    static ModelSpec parseModel(String text) {
        try {
            return ModelSpecs.parse(text);
        } catch (IllegalArgumentException e) {
            String msg = e.getMessage() == null ? "invalid spec '" + text + "'" : e.getMessage();
            throw new IllegalArgumentException(msg.startsWith("--model") ? msg : "--model: " + msg, e);
        }
    }

    @Override
    public Integer call() throws Exception {
        Resolved r;
        try {
            r = resolve();
        } catch (IllegalArgumentException e) {
            throw new BadInput(e.getMessage(), e);
        }
        PrintWriter stdout = spec.commandLine().getOut();
        Outcome o = run(r, Main.commandArgs(spec));
        printSummary(stdout, o);
        return 0;
    }

    /** The result of a finished run, for the summary. */
    static final class Outcome {
        final SampleJob job;
        final SamplingResult result;
        final Map<String, Object> manifest;
        /** The local output directory, or null for a Hadoop URI output. */
        final Path dir;
        final String location;
        final List<String> files;

        Outcome(SampleJob job, SamplingResult result, Map<String, Object> manifest, Path dir, String location,
                List<String> files) {
            this.location = location;
            this.job = job;
            this.result = result;
            this.manifest = manifest;
            this.dir = dir;
            this.files = files;
        }
    }

    /** Runs a resolved job and writes its outputs atomically. */
    static Outcome run(Resolved r, List<String> args) throws Exception {
        try {
            return runOn(r, args);
        } finally {
            if (r.backend instanceof SparkBackend) {
                ((SparkBackend) r.backend).close();
            }
        }
    }

    private static Outcome runOn(Resolved r, List<String> args) throws Exception {
        long t0 = System.nanoTime();
        SampleJob job = r.job;
        int stages = job.samplerName().startsWith("paradigms") ? 1 : job.config().schedule().blockCount();
        SamplingResult result = r.backend.run(job, new ProgressLogger(stages));
        double eta = job.config().schedule().eta();
        ModelSpec spec = job.model();
        AnalyticTarget target = spec.analyticTarget();
        Map<String, Object> metrics = target != null
                ? MetricsReport.compute(spec, eta, result.samples(), result.count(), job.seed())
                : DataReference.metrics(r.reference, eta, result, job.seed());
        LinkedHashMap<String, Object> manifest = RunManifest.build(job, r.backend, result, metrics);
        List<String> files = new ArrayList<>(List.of("samples.npy", "run.json"));
        boolean plot = job.dim() == 2;
        if (plot) {
            files.add("samples.png");
        }
        SparkBackend spark = r.backend instanceof SparkBackend ? (SparkBackend) r.backend : null;
        if (spark != null) {
            files.add("samples.parquet");
        }
        manifest.put("outputs", files);
        manifest.put("command", args);
        if (r.remoteOut != null) {
            // Stage the small files locally, then copy them up beside Spark's Parquet and rename into place.
            Path stage = Files.createTempDirectory("piadm-out-");
            try {
                Npy.write(stage.resolve("samples.npy"), result.samples(), result.count(), result.dim());
                if (plot) {
                    SamplePlot.write(stage.resolve("samples.png"), result.samples(), result.count(), target, eta,
                            result.sampler() + " on " + spec.id() + ", n = " + result.count(), job.seed());
                }
                manifest.put("totalWallSeconds", (System.nanoTime() - t0) / 1e9);
                RunJson.write(stage.resolve("run.json"), manifest);
                spark.publish(stage, files, r.remoteOut, r.overwrite, result);
                spark.finish();
                return new Outcome(job, result, manifest, null, r.remoteOut, files);
            } finally {
                OutputDir.deleteRecursively(stage);
            }
        }
        try (OutputDir od = OutputDir.open(r.out, r.overwrite, "--out")) {
            Npy.write(od.dir().resolve("samples.npy"), result.samples(), result.count(), result.dim());
            if (spark != null) {
                spark.writeParquet(od.dir().resolve("samples.parquet"), result);
            }
            if (plot) {
                SamplePlot.write(od.dir().resolve("samples.png"), result.samples(), result.count(), target, eta,
                        result.sampler() + " on " + spec.id() + ", n = " + result.count(), job.seed());
            }
            manifest.put("totalWallSeconds", (System.nanoTime() - t0) / 1e9);
            RunJson.write(od.dir().resolve("run.json"), manifest);
            Path dir = od.commit();
            if (spark != null) {
                spark.finish();
            }
            return new Outcome(job, result, manifest, dir, dir.toString(), files);
        }
    }

    /**
     * The headline figures of a MetricsReport: each entry that is a map with a numeric {@code value}
     * (e.g. a divergence with its Monte-Carlo floor), printed as {@code name value}.
     */
    static String keyMetrics(Map<?, ?> metrics) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<?, ?> e : metrics.entrySet()) {
            if (e.getValue() instanceof Map && ((Map<?, ?>) e.getValue()).get("value") instanceof Number) {
                if (sb.length() > 0) {
                    sb.append(", ");
                }
                double v = ((Number) ((Map<?, ?>) e.getValue()).get("value")).doubleValue();
                sb.append(e.getKey()).append(' ').append(String.format(Locale.ROOT, "%.4g", v));
            }
        }
        return sb.toString();
    }

    static void printSummary(PrintWriter out, Outcome o) {
        SamplingResult res = o.result;
        out.printf(Locale.ROOT, "%s on %s (d=%d): %d samples, seed %d%n", res.sampler(), o.job.model().id(),
                res.dim(), res.count(), o.job.seed());
        out.printf(Locale.ROOT, "rounds %d, evaluations/sample %.1f (total %d), wall %.2f s%n", res.rounds(),
                res.evaluationsPerSample(), res.evaluationsTotal(), res.wallSeconds());
        Object metrics = o.manifest.get("metrics");
        if (metrics instanceof Map) {
            String key = keyMetrics((Map<?, ?>) metrics);
            if (!key.isEmpty()) {
                out.println("metrics: " + key);
            }
        }
        out.println("wrote " + o.location + " (" + String.join(", ", o.files) + ")");
        out.flush();
    }
}
