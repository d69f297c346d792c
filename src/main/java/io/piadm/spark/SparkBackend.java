package io.piadm.spark;

import io.piadm.config.InvalidSettingException;
import io.piadm.config.Setting;
import io.piadm.job.Backend;
import io.piadm.job.SampleJob;
import io.piadm.sampler.SamplingListener;
import io.piadm.sampler.SamplingResult;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;

import java.io.File;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;

/**
 * The Spark backend (the default): the same seam as {@link io.piadm.job.LocalBackend}, on a SparkSession
 * (master from the settings, else spark-submit's, else local[*]). The planner picks time- or
 * sample-parallel; every outer block is checkpointed under the checkpoint directory (by the driver, or by
 * each chunk's executor), which a resume continues from; the outputs gain {@code samples.parquet}, written
 * by Spark (sample-parallel: by the executors, as they finish their chunks). It owns its session: started
 * by {@link #run}, stopped by {@link #close}.
 */
public final class SparkBackend implements Backend {
    public static final String NAME = "spark";

    private final SparkSettings settings;
    private SparkSession session;
    private SparkRun.Outcome outcome;

    public SparkBackend(SparkSettings settings) {
        this.settings = settings;
        if (settings.checkpointDir != null) {
            new io.piadm.checkpoint.Checkpoints(settings.checkpointDir, new Configuration()).checkWritable();
        }
    }

    @Override
    public String name() {
        return NAME;
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
                throw new InvalidSettingException("{0} " + resolvedMaster + ": executors need the application"
                        + " jar, but " + jar + " is missing or unreadable; build it with 'mvn -o package' or use"
                        + " spark-submit", Setting.MASTER);
            }
            return jar.getAbsolutePath();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException("cannot locate the application jar: " + e.getMessage(), e);
        }
    }

    @Override
    public SamplingResult run(SampleJob job, SamplingListener listener) {
        String m = SparkSessions.resolveMaster(settings.master);
        SparkSessions.checkReachable(m);
        SparkSessions.Options o = new SparkSessions.Options().master(m).appName("piadm sample " + job.kind().id());
        String jar = applicationJar(m);
        if (jar != null) {
            o.conf("spark.jars", jar);
        }
        session = SparkSessions.getOrCreate(o);
        outcome = SparkRun.run(session, job, settings, listener);
        return outcome.result;
    }

    @Override
    public Map<String, Object> describe(SampleJob job) {
        Map<String, Object> m = Backend.super.describe(job);
        m.put("batchSize", job.batchSize());
        if (outcome != null) {
            m.putAll(outcome.describe());
        }
        return m;
    }

    @Override
    public List<String> sampleFiles() {
        return List.of("samples.parquet");
    }

    /**
     * Time-parallel: Spark writes the in-memory samples. Sample-parallel: the executors already wrote the
     * table (staged in the checkpoint directory); it is moved into the output (a rename on one file system).
     */
    @Override
    public void writeSampleFiles(org.apache.hadoop.fs.Path dir, SamplingResult r) throws java.io.IOException {
        org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(dir, "samples.parquet");
        if (outcome != null && outcome.residentSamples != null && r.source() == outcome.residentSamples) {
            outcome.residentSamples.moveTo(target);
            return;
        }
        ParquetSamples.write(session, r.samples(), r.firstSample(), (int) r.count(), r.dim(), target,
                outcome.partitions, settings.format);
    }

    @Override
    public Configuration hadoopConfiguration() {
        return session != null ? session.sparkContext().hadoopConfiguration() : new Configuration();
    }

    /** After the outputs are committed: the checkpoints are no longer needed. */
    @Override
    public void onCommitted() {
        if (outcome != null) {
            outcome.cleanUpCheckpoints();
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
