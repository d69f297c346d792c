package io.piadm.cli;

import io.piadm.io.Npy;
import io.piadm.io.OutputDir;
import io.piadm.io.RunJson;
import io.piadm.io.SamplePlot;
import io.piadm.config.InvalidSettingException;
import io.piadm.config.Setting;
import io.piadm.io.HadoopOutput;
import io.piadm.job.Backend;
import io.piadm.job.ResumeMode;
import io.piadm.job.RunManifest;
import io.piadm.job.SampleJob;
import io.piadm.metrics.MetricsReport;
import io.piadm.model.AnalyticTarget;
import io.piadm.model.ModelSpec;
import io.piadm.model.ModelSpecs;
import io.piadm.train.ToyDataset;
import io.piadm.sampler.CorrectorOptions;
import io.piadm.sampler.PicardOptions;
import io.piadm.sampler.SamplerConfig;
import io.piadm.sampler.SamplerKind;
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
class SampleCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "SPEC",
            description = "Score model, e.g. gaussian:d=64, gmm:d=2,k=8 (see README).")
    String model;

    @Option(names = "--sampler", required = true, paramLabel = "NAME",
            description = "One of: ${COMPLETION-CANDIDATES}.", completionCandidates = SamplerNames.class)
    String sampler;

    @Option(names = "--samples", required = true, paramLabel = "N",
            description = "Number of samples (1 .. 2^32; more than fit in memory with the Spark backend).")
    long samples;

    @Option(names = "--seed", required = true, paramLabel = "S", description = "Random seed (any 64-bit integer).")
    long seed;

    // Checked in resolve() rather than by picocli, so that 'piadm plan' (a subclass) takes the same options
    // without it.
    @Option(names = "--out", paramLabel = "DIR",
            description = "Output directory (required; must not exist unless --overwrite): a local path, or a"
                    + " Hadoop URI (hdfs://, s3a://, ...) with --backend spark.")
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

    @Option(names = "--picard-scheme", paramLabel = "blockwise|wavefront",
            description = "Picard across blocks (piadm-*): blockwise (default) or wavefront (blocks overlap in time).")
    String picardScheme;

    @Option(names = "--anderson", paramLabel = "M",
            description = "Triangular Anderson acceleration keeping M iterates (0 = off, default; 1 = plain Picard).")
    Integer anderson;

    @Option(names = "--frozen-front", paramLabel = "on|off",
            description = "Do not re-evaluate a block's converged front (piadm-*; default on).")
    String frozenFront;

    @Option(names = "--warm-start", paramLabel = "on|off",
            description = "A block's first iterate follows the score frozen at its start: 1 evaluation instead of M"
                    + " (piadm-*; default on).")
    String warmStart;

    @Option(names = "--block-stiffness", paramLabel = "LH",
            description = "Split a block whose L*h (score Lipschitz constant times length, when the model knows it)"
                    + " exceeds LH (default " + io.piadm.schedule.StiffnessSplit.DEFAULT_MAX_STIFFNESS + "; 0 = never).")
    Double blockStiffness;

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

    @Option(names = "--resume", arity = "0..1", fallbackValue = "on", paramLabel = "auto",
            description = "Continue from the last complete block checkpointed by an interrupted run; '--resume auto'"
                    + " continues when such a checkpoint exists and starts fresh otherwise (scheduled retries).")
    String resume;

    @Option(names = "--checkpoint-dir", paramLabel = "PATH",
            description = "Where block checkpoints go (any Hadoop path; default: .NAME.checkpoint beside --out).")
    String checkpointDir;

    @Option(names = "--threads", paramLabel = "N", description = "Evaluator threads (default: all processors).")
    Integer threads;

    @Option(names = "--batch-size", paramLabel = "B",
            description = "Samples per batch (default: fits 256 MiB of working memory).")
    Integer batchSize;

    @Option(names = "--npy-max-size", paramLabel = "SIZE",
            description = "Largest samples.npy streamed through the driver from executor-written samples (bytes, or"
                    + " with k/m/g/t; default 1g); beyond it only samples.parquet is written and run.json says so.")
    String npyMaxSize;

    @Option(names = "--overwrite", description = "Replace an existing output directory (only once the new one is complete).")
    boolean overwrite;

    @Option(names = "--if-exists", paramLabel = "fail|skip",
            description = "When --out exists: fail (default), or skip: exit 0 without running when it already holds a"
                    + " complete run of this exact configuration (scheduled reruns).")
    String ifExists;

    @Option(names = "--reference-data", paramLabel = "DATASET",
            description = "For learned models: the training data set to compare samples with (" + ToyDataset.NAMES
                    + "). Default for onnx models: the dataset named in the model's <name>.report.json, if any.")
    String referenceData;

    /** Options for trained networks (labels, guidance, denoising, image outputs): {@link SampleExtras}. */
    @picocli.CommandLine.Mixin
    SampleExtras extras = new SampleExtras();

    /** The sampler names for --help. */
    static final class SamplerNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return SamplerKind.ids().iterator();
        }
    }

    /** What {@link #resolve()} produced: the job, the backend and the checked output location. */
    static final class Resolved {
        final SampleJob job;
        final Backend backend;
        /** The checked local output directory, or null when {@link #remoteOut} is set. */
        final Path out;
        /** A Hadoop URI output, or null. */
        final String remoteOut;
        final boolean overwrite;
        /** Training data of a learned model to compare samples with, or null. */
        final DataReference reference;
        /** --out as given, what to do when it exists, and the message of a skip (then nothing else is set). */
        String outArg;
        ScheduledRuns.IfExists ifExists;
        String skipped;
        /** Largest samples.npy streamed from samples that are not in memory. */
        long npyMaxBytes = SampleOutputs.DEFAULT_NPY_MAX_BYTES;
        final SampleExtras extras;

        Resolved(SampleJob job, Backend backend, Path out, String remoteOut, boolean overwrite,
                DataReference reference, SampleExtras extras) {
            this.extras = extras;
            this.job = job;
            this.backend = backend;
            this.out = out;
            this.remoteOut = remoteOut;
            this.overwrite = overwrite;
            this.reference = reference;
        }
    }

    /** The sampler-specific settings given on this command line. */
    private List<Setting> samplerSettingsGiven() {
        List<Setting> g = new ArrayList<>();
        if (iterations != null) {
            g.add(Setting.ITERATIONS);
        }
        if (tolerance != null) {
            g.add(Setting.TOLERANCE);
        }
        if (maxIterations != null) {
            g.add(Setting.MAX_ITERATIONS);
        }
        if (window != null) {
            g.add(Setting.WINDOW);
        }
        if (picardScheme != null) {
            g.add(Setting.PICARD_SCHEME);
        }
        if (anderson != null) {
            g.add(Setting.ANDERSON);
        }
        if (frozenFront != null) {
            g.add(Setting.FROZEN_FRONT);
        }
        if (warmStart != null) {
            g.add(Setting.WARM_START);
        }
        if (corrector != null && !corrector.equals("off")) {
            g.add(Setting.CORRECTOR);
        }
        if (correctorSteps != null) {
            g.add(Setting.CORRECTOR_STEPS);
        }
        if (correctorTime != null) {
            g.add(Setting.CORRECTOR_TIME);
        }
        if (friction != null) {
            g.add(Setting.FRICTION);
        }
        return g;
    }

    /** The job and the backend's options, as {@link #resolve()} and {@code piadm plan} need them. */
    static final class JobOptions {
        final SampleJob job;
        final Backends.SparkOptions spark;

        JobOptions(SampleJob job, Backends.SparkOptions spark) {
            this.job = job;
            this.spark = spark;
        }
    }

    /** Checks every setting but the output location and resolves all defaults; touches no file. */
    JobOptions resolveJob() {
        SamplerKind kind = SamplerKind.of(sampler);
        // A setting the chosen sampler does not use is refused, never silently ignored.
        for (Setting s : samplerSettingsGiven()) {
            if (!kind.settings().contains(s)) {
                throw new InvalidSettingException("{0} applies to --sampler " + String.join(", ",
                        SamplerKind.accepting(s)) + " only, not " + kind.id(), s);
            }
        }
        if (iterations != null && tolerance != null) {
            throw new InvalidSettingException("{0} and {1} exclude each other: use {0} K (fixed sweeps) or"
                    + " {1} TOL [{2} KMAX]", Setting.ITERATIONS, Setting.TOLERANCE, Setting.MAX_ITERATIONS);
        }
        if (iterations != null && maxIterations != null) {
            throw new InvalidSettingException("{0} goes with {1}, not with {2}", Setting.MAX_ITERATIONS,
                    Setting.TOLERANCE, Setting.ITERATIONS);
        }
        PicardOptions picard = iterations != null
                ? PicardOptions.fixed(iterations)
                : PicardOptions.tolerance(tolerance != null ? tolerance : PicardOptions.DEFAULT_TOLERANCE,
                        maxIterations);
        if (picardScheme != null) {
            picard = picard.withScheme(PicardOptions.Scheme.of(picardScheme));
        }
        if (anderson != null) {
            picard = picard.withAnderson(anderson);
        }
        if (frozenFront != null) {
            picard = picard.withFrozenFront(onOff(frozenFront, Setting.FROZEN_FRONT));
        }
        if (warmStart != null) {
            picard = picard.withWarmStart(onOff(warmStart, Setting.WARM_START));
        }

        boolean correctorOn;
        if (corrector == null) {
            correctorOn = kind.correctorOnByDefault();
        } else if (corrector.equals("on") || corrector.equals("off")) {
            correctorOn = corrector.equals("on");
        } else {
            throw new InvalidSettingException("{0} must be 'on' or 'off', got '" + corrector + "'", Setting.CORRECTOR);
        }
        if (!correctorOn) {
            for (Setting s : List.of(Setting.CORRECTOR_STEPS, Setting.CORRECTOR_TIME, Setting.FRICTION)) {
                if (samplerSettingsGiven().contains(s)) {
                    throw new InvalidSettingException("{0} applies only when the corrector is on ({1} on)", s,
                            Setting.CORRECTOR);
                }
            }
        }
        CorrectorOptions co = new CorrectorOptions(correctorOn, correctorSteps,
                correctorTime != null ? correctorTime : CorrectorOptions.DEFAULT_TIME,
                friction != null ? friction : CorrectorOptions.DEFAULT_FRICTION);

        ModelSpec spec = extras.model(ModelSpecs.parse(model));
        int d = spec.dim();
        ScheduleConfig sc = new ScheduleConfig(d).horizon(horizon).eta(eta).blockLength(blockLength)
                .stepsPerBlock(stepsPerBlock).trainingTimes(spec.trainingTimes());
        if (accuracy != null) {
            sc.accuracy(accuracy);
        }
        if (spec.analyticTarget() != null) {
            sc.dataSecondMoment(spec.analyticTarget().secondMoment());
        }
        // Stiff targets: blocks whose L*h is large are split at grid points (docs/ALGORITHMS.md section 6d).
        AnalyticTarget known = spec.analyticTarget();
        sc.stiffness(io.piadm.schedule.StiffnessSplit.of(
                known == null ? null : t -> known.scoreLipschitz(t).orElse(Double.NaN), blockStiffness));
        // Name --eta when only it was given: the default horizon depends on d and delta.
        if (eta != null && horizon == null && Double.isFinite(eta) && eta > 0 && sc.accuracy() > 0
                && Double.isFinite(sc.accuracy()) && eta >= sc.resolvedHorizon()) {
            throw new InvalidSettingException("{0} must be below the horizon T = " + sc.resolvedHorizon()
                    + " (the default for d = " + d + "); got " + eta + " (or set {1})", Setting.ETA, Setting.HORIZON);
        }
        Schedule schedule = sc.build();
        SamplerConfig config = new SamplerConfig(schedule, seed, picard, co,
                window != null ? window : SamplerConfig.DEFAULT_WINDOW);
        if (samples < 1) {
            throw InvalidSettingException.range(Setting.SAMPLES, "an integer >= 1", samples);
        }
        int batch = batchSize != null ? batchSize
                : SamplingDriver.defaultBatchSize(kind.create(config, d), d, (int) Math.min(samples, Integer.MAX_VALUE));
        SampleJob job = new SampleJob(spec, kind, config, samples, 0L, batch, threads, sc.describe());
        if (batchSize == null) {
            job = job.withDefaultBatchSize(); // a backend may lower it to fit its memory (never changes a sample)
        }
        SampleOutputs.parseSize(npyMaxSize); // checked here, in the order of the settings; resolve() keeps it

        Backends.SparkOptions so = new Backends.SparkOptions();
        so.master = master;
        so.partitions = partitions;
        so.parallelism = parallelism;
        if (extras.denoiseFinal && "samples".equals(parallelism)) {
            throw new InvalidSettingException("{0} runs on the driver and needs the samples in its memory; {1} samples"
                    + " keeps them on the executors: use {1} time or auto", Setting.DENOISE_FINAL, Setting.PARALLELISM);
        }
        so.resume = ResumeMode.parse(resume);
        so.checkpointDirGiven = checkpointDir != null;
        so.checkpointDir = checkpointDir != null ? checkpointDir : out == null ? null : defaultCheckpointDir(out);
        Backends.checkName(backend);
        if (!backend.equals(io.piadm.spark.SparkBackend.NAME)) {
            so.checkpointDir = null;
        }
        return new JobOptions(job, so);
    }

    /**
     * Checks every option and resolves all defaults; creates nothing. Each setting is validated once, by
     * the type that owns it (sampler kind, Picard and corrector options, schedule, job, backend, output).
     */
    Resolved resolve() {
        if (out == null) {
            throw new InvalidSettingException("{0} is required: the output directory", Setting.OUT);
        }
        JobOptions jo = resolveJob();
        SampleJob job = jo.job;
        Backends.SparkOptions so = jo.spark;
        ModelSpec spec = job.model();
        boolean remote = HadoopOutput.isRemote(out);
        DataReference reference = DataReference.resolve(referenceData, spec, extras.classifier);
        extras.check(spec, job.config().schedule(), reference, seed);
        so.format = extras.format();
        ScheduledRuns.IfExists mode = ScheduledRuns.IfExists.parse(ifExists);
        if (so.checkpointDir != null) {
            io.piadm.io.OutputSafety.checkCheckpointOutside(out, so.checkpointDir);
        }
        // Last, once everything else is known to be valid: the output location (a probe file, deleted; an
        // identical complete run there is skipped under --if-exists skip), then the backend (which checks
        // its checkpoint directory the same way).
        String skipped = ScheduledRuns.checkOutput(out, remote, overwrite, mode, job.identity().hash(),
                new org.apache.hadoop.conf.Configuration());
        Path checkedOut = remote ? null : localPath(out).toAbsolutePath().normalize();
        Backend be = skipped != null ? null : Backends.create(backend, so);
        Resolved r = new Resolved(job, be, checkedOut, remote ? out : null, overwrite, reference, extras);
        r.outArg = out;
        r.ifExists = mode;
        r.skipped = skipped;
        r.npyMaxBytes = SampleOutputs.parseSize(npyMaxSize);
        return r;
    }

    private static boolean onOff(String v, Setting s) {
        if (!v.equals("on") && !v.equals("off")) {
            throw new InvalidSettingException("{0} must be 'on' or 'off', got '" + v + "'", s);
        }
        return v.equals("on");
    }

    /** Block checkpoints live beside the output directory, which exists only once complete. */
    static String defaultCheckpointDir(String out) {
        if (HadoopOutput.isRemote(out)) {
            return HadoopOutput.checkpointSibling(out);
        }
        Path abs = localPath(out).toAbsolutePath().normalize();
        if (abs.getFileName() == null) {
            return null; // a root: the output check refuses it
        }
        return abs.resolveSibling("." + abs.getFileName() + ".checkpoint").toUri().toString();
    }

    /** A local --out: a plain path or a file: URI. */
    static Path localPath(String out) {
        try {
            return out.startsWith("file:") ? Paths.get(java.net.URI.create(out)) : Paths.get(out);
        } catch (IllegalArgumentException e) { // also InvalidPathException
            throw new InvalidSettingException("{0} " + out + ": not a valid path (" + e.getMessage() + ")", e,
                    Setting.OUT);
        }
    }

    @Override
    public Integer call() throws Exception {
        Resolved r = resolve();
        PrintWriter stdout = spec.commandLine().getOut();
        if (r.skipped != null) {
            stdout.println(r.skipped);
            stdout.flush();
            return 0;
        }
        List<String> args = Main.commandArgs(spec);
        // One run at a time per output: claimed before any work, released when the run ends.
        try (ScheduledRuns.Claim claim = ScheduledRuns.claim(r.outArg, r.remoteOut != null, r.overwrite, r.ifExists,
                r.job.identity().hash(), args, new org.apache.hadoop.conf.Configuration())) {
            if (claim.skipped != null) { // an identical run finished while we waited for the claim
                r.backend.close();
                stdout.println(claim.skipped);
                stdout.flush();
                return 0;
            }
            Outcome o = run(r, args, claim::verify);
            printSummary(stdout, o);
        }
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

    /** Runs a resolved job and writes its outputs atomically; the backend is closed whatever happens. */
    static Outcome run(Resolved r, List<String> args, HadoopOutput.IoRunnable beforeCommit) throws Exception {
        try (Backend backend = r.backend) {
            return runOn(r, args, beforeCommit);
        }
    }

    private static Outcome runOn(Resolved r, List<String> args, HadoopOutput.IoRunnable beforeCommit)
            throws Exception {
        long t0 = System.nanoTime();
        SampleJob job = r.job;
        Backend backend = r.backend;
        SamplingResult result;
        try {
            result = r.extras.after(job, backend.run(job, new ProgressLogger(job.createSampler().stageCount())));
        } catch (Exception e) {
            // Non-finite samples are never written: say so (the kernel names block, sweep and sample).
            if (Main.runFailure(e) instanceof io.piadm.sampler.NonFiniteStateException nf) {
                throw new io.piadm.config.RunFailure(nf.getMessage() + "; nothing was written to "
                        + (r.outArg != null ? r.outArg : r.out), e);
            }
            throw e;
        }
        double eta = job.config().schedule().eta();
        ModelSpec spec = job.model();
        AnalyticTarget target = spec.analyticTarget();
        // Metrics and the plot come from the run's bounded seeded subsample; samples.npy from one streaming
        // pass (SampleOutputs): nothing here holds every sample unless the backend already does.
        io.piadm.sampler.SampleSource source = result.source();
        io.piadm.sampler.Subsample sub = source.subsample(job.seed());
        Map<String, Object> metrics = SampleOutputs.metrics(spec, eta, sub, r.reference, job.seed(), r.extras);
        SampleOutputs.NpyPlan npy = SampleOutputs.npyPlan(source, r.npyMaxBytes, r.extras.format().float32());
        LinkedHashMap<String, Object> manifest = RunManifest.build(job, backend, result, metrics);
        List<String> files = new ArrayList<>(List.of("run.json"));
        if (npy.write) {
            files.add(0, "samples.npy");
        }
        boolean plot = job.dim() == 2 && !r.extras.image();
        if (plot) {
            files.add("samples.png");
        }
        files.addAll(r.extras.files());
        files.addAll(backend.sampleFiles());
        if (target != null) {
            for (io.piadm.model.OutputArray a : target.extraOutputs()) {
                files.add(a.fileName()); // e.g. target-covariance.npy, so the exact target can be rebuilt
            }
        }
        r.extras.describe(manifest);
        manifest.put("outputs", files);
        manifest.put("samplesNpy", npy.describe());
        manifest.put("command", args);
        io.piadm.model.EmulatedAccelerator em = io.piadm.model.EmulatedAccelerator.of(spec);
        if (em != null) {
            // Times measured with an emulated accelerator must say so wherever they are reported.
            manifest.put("acceleratorEmulation", em.summary() + "; wallSeconds and every time in this file were"
                    + " measured with it");
        }
        // A failure while writing (a full disk) publishes nothing and says so; checkpoints stay for a resume.
        try {
            if (r.remoteOut != null) {
                // Stage the small files locally, then copy them up beside the backend's files and samples.npy
                // (streamed straight into the temporary directory) and rename into place.
                Path stage = Files.createTempDirectory("piadm-out-");
                try {
                    writeSmallFiles(stage, r, source, sub, manifest, target, t0);
                    HadoopOutput.publish(stage, files, r.remoteOut, r.overwrite, backend.hadoopConfiguration(), tmp -> {
                        backend.writeSampleFiles(tmp, result);
                        if (npy.write) {
                            org.apache.hadoop.fs.Path f = new org.apache.hadoop.fs.Path(tmp, "samples.npy");
                            try (java.io.OutputStream o = f.getFileSystem(backend.hadoopConfiguration()).create(f, false)) {
                                SampleOutputs.writeNpy(source, o, r.extras.format().float32());
                            }
                        }
                    }, beforeCommit);
                } finally {
                    OutputDir.deleteRecursively(stage);
                }
                backend.onCommitted();
                return new Outcome(job, result, manifest, null, r.remoteOut, files);
            }
            Path dir;
            try (OutputDir od = OutputDir.open(r.out, r.overwrite)) {
                backend.writeSampleFiles(new org.apache.hadoop.fs.Path(od.dir().toUri()), result);
                if (npy.write) {
                    try (java.io.OutputStream o = new java.io.BufferedOutputStream(
                            Files.newOutputStream(od.dir().resolve("samples.npy")), 1 << 16)) {
                        SampleOutputs.writeNpy(source, o, r.extras.format().float32());
                    }
                }
                writeSmallFiles(od.dir(), r, source, sub, manifest, target, t0);
                beforeCommit.run();
                dir = od.commit();
            }
            backend.onCommitted();
            return new Outcome(job, result, manifest, dir, dir.toString(), files);
        } catch (Exception e) {
            if (ScheduledRuns.isIoFailure(e)) {
                throw ScheduledRuns.outputFailure(r.outArg != null ? r.outArg : String.valueOf(r.out), e,
                        backend.describe(job).get("checkpointDir"));
            }
            throw e;
        }
    }

    /**
     * samples.png (d = 2, from the subsample), the image outputs and labels.npy of trained networks, the target's
     * extra arrays and, last, run.json.
     */
    private static void writeSmallFiles(Path dir, Resolved r, io.piadm.sampler.SampleSource source,
            io.piadm.sampler.Subsample sub, Map<String, Object> manifest, AnalyticTarget plotTarget, long t0) throws java.io.IOException {
        SampleJob job = r.job;
        double eta = job.config().schedule().eta();
        r.extras.writeExtras(dir, source, sub);
        if (job.dim() == 2 && !r.extras.image()) {
            SamplePlot.write(dir.resolve("samples.png"), sub.rows(), sub.count(), plotTarget, eta,
                    job.kind().id() + " on " + job.model().id() + ", n = " + sub.count()
                            + (sub.complete() ? "" : " of " + sub.population()), job.seed());
        }
        AnalyticTarget target = job.model().analyticTarget();
        if (target != null) {
            for (io.piadm.model.OutputArray a : target.extraOutputs()) {
                Npy.write(dir.resolve(a.fileName()), a.data(), a.rows(), a.cols());
            }
        }
        manifest.put("totalWallSeconds", (System.nanoTime() - t0) / 1e9);
        RunJson.write(dir.resolve("run.json"), manifest);
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
        io.piadm.model.EmulatedAccelerator em = io.piadm.model.EmulatedAccelerator.of(o.job.model());
        out.printf(Locale.ROOT, "rounds %d, evaluations/sample %.1f (total %d), wall %.2f s%s%n", res.rounds(),
                res.evaluationsPerSample(), res.evaluationsTotal(), res.wallSeconds(),
                em == null ? "" : " (" + em.summary() + ")");
        Object metrics = o.manifest.get("metrics");
        if (metrics instanceof Map) {
            String key = keyMetrics((Map<?, ?>) metrics);
            if (!key.isEmpty()) {
                out.println("metrics: " + key);
            }
        }
        int fallbacks = 0;
        for (io.piadm.sampler.StageTrace st : res.stages()) {
            for (io.piadm.sampler.PhaseTrace pt : st.phases()) {
                fallbacks += pt.sequentialFallbacks();
            }
        }
        if (fallbacks > 0) {
            out.println("note: Picard diverged " + fallbacks + " time(s) (a sample in a block); each continued with"
                    + " exact sequential steps (run.json: blocks[].phases[].sequentialFallbacks)");
        }
        out.println("wrote " + o.location + " (" + String.join(", ", o.files) + ")");
        out.flush();
    }
}
