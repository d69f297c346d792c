package io.piadm.spark;

import io.piadm.job.Backend;
import io.piadm.job.SampleJob;
import io.piadm.sampler.SamplingListener;
import io.piadm.sampler.SamplingResult;

import org.apache.spark.sql.SparkSession;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@code --backend spark} (the default): the same seam as {@link io.piadm.job.LocalBackend}, on a
 * SparkSession (master from --master, else spark-submit's, else local[*]). The planner picks time- or
 * sample-parallel; every outer block is checkpointed under the checkpoint directory, which
 * {@code --resume} continues from; {@link #writeParquet} adds {@code samples.parquet} to the outputs.
 */
public final class SparkBackend implements Backend, AutoCloseable {
    public static final String NAME = "spark";

    private String master;
    private final SparkRun.Settings settings = new SparkRun.Settings();
    private SparkSession session;
    private SparkRun.Outcome outcome;

    @Override
    public String name() {
        return NAME;
    }

    /** CLI options; validated here so that bad values fail before anything is written. */
    public SparkBackend configure(String master, Integer partitions, String parallelism, boolean resume,
            String checkpointDir) {
        if (master != null) {
            SparkSessions.validateMaster(master.trim());
        }
        if (partitions != null && partitions < 1) {
            throw new IllegalArgumentException("--partitions must be an integer >= 1, got " + partitions);
        }
        Planner.validate(parallelism);
        this.master = master;
        settings.partitions = partitions == null ? 0 : partitions;
        settings.parallelism = parallelism == null ? "auto" : parallelism;
        settings.resume = resume;
        settings.checkpointDir = checkpointDir;
        return this;
    }

    /**
     * Outside spark-submit, a cluster's executors need our classes: the jar this class was loaded from, or
     * target/piadm.jar next to a classes directory. Null for local masters.
     */
    static String applicationJar(String resolvedMaster) {
        if (SparkSessions.isLocalMaster(resolvedMaster) || new org.apache.spark.SparkConf(true).contains("spark.jars")) {
            return null;
        }
        try {
            File src = new File(SparkBackend.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            File jar = src.isFile() ? src : new File(src.getParentFile(), "piadm.jar");
            if (!jar.isFile() || !Files.isReadable(jar.toPath())) {
                throw new IllegalArgumentException("--master " + resolvedMaster + ": executors need the application"
                        + " jar, but " + jar + " is missing or unreadable; build it with 'mvn -o package' or use"
                        + " spark-submit");
            }
            return jar.getAbsolutePath();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException("cannot locate the application jar: " + e.getMessage(), e);
        }
    }

    @Override
    public SamplingResult run(SampleJob job, SamplingListener listener) {
        String m = SparkSessions.resolveMaster(master);
        SparkSessions.checkReachable(m);
        SparkSessions.Options o = new SparkSessions.Options().master(m).appName("piadm sample " + job.samplerName());
        String jar = applicationJar(m);
        if (jar != null) {
            o.conf("spark.jars", jar);
        }
        session = SparkSessions.getOrCreate(o);
        settings.batchSize = job.batchSize();
        settings.threads = 1;
        outcome = SparkRun.run(session, job.model(), job.samplerName(), job.config(), job.firstSample(), job.samples(),
                settings, listener);
        return outcome.result;
    }

    @Override
    public Map<String, Object> describe(SampleJob job) {
        Map<String, Object> m = Backend.super.describe(job);
        if (outcome != null) {
            m.putAll(outcome.describe());
        }
        m.put("batchSize", job.batchSize());
        return m;
    }

    /** Writes {@code samples.parquet} (id, vector) into the (temporary) output directory. */
    public void writeParquet(Path file, SamplingResult r) {
        ParquetSamples.write(session, r.samples(), r.firstSample(), r.count(), r.dim(), file.toUri().toString(),
                outcome.partitions);
    }

    /**
     * Outputs to a Hadoop path ({@link HadoopOutput}): the staged local files are copied up and the
     * Parquet is written by Spark straight into the temporary directory before the final rename.
     */
    public void publish(Path stage, java.util.List<String> files, String out, boolean overwrite, SamplingResult r)
            throws java.io.IOException {
        HadoopOutput.publish(stage, files, out, overwrite, session.sparkContext().hadoopConfiguration(),
                tmp -> ParquetSamples.write(session, r.samples(), r.firstSample(), r.count(), r.dim(),
                        tmp + "/samples.parquet", outcome.partitions));
    }

    /** After the outputs are committed: the checkpoints are no longer needed. */
    public void finish() {
        if (outcome != null && outcome.checkpoints != null) {
            outcome.checkpoints.deleteAll();
        }
    }

    @Override
    public void close() {
        if (session != null) {
            session.stop();
            session = null;
        }
    }
}
