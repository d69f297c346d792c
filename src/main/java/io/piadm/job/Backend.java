package io.piadm.job;

import io.piadm.sampler.SamplingListener;
import io.piadm.sampler.SamplingResult;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a {@link SampleJob} runs, and everything that depends on it: its own settings (given when it is
 * created, validated there), its lifecycle (a session to start and stop), the sample files it writes
 * besides {@code samples.npy}, and what happens once the outputs are committed (checkpoints removed).
 * Every backend gives the same samples for the same job (the sampler contract) and reports progress
 * through the listener. The command line only ever talks to this interface.
 */
public interface Backend extends AutoCloseable {
    /** The backend's name, as run.json records it. */
    String name();

    /** Runs the job and returns its samples and trace; the listener is called on the calling thread. */
    SamplingResult run(SampleJob job, SamplingListener listener) throws Exception;

    /** What run.json records under {@code backend} (name, evaluator, any planner decision). */
    default Map<String, Object> describe(SampleJob job) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name());
        return m;
    }

    /** Sample files this backend writes besides {@code samples.npy} (e.g. {@code samples.parquet}). */
    default List<String> sampleFiles() {
        return List.of();
    }

    /**
     * Writes {@link #sampleFiles()} of a finished run into the temporary output directory {@code dir} (any
     * Hadoop-compatible file system: {@code file:}, {@code hdfs:}, ...), before the directory is committed.
     */
    default void writeSampleFiles(Path dir, SamplingResult result) throws IOException {}

    /** The Hadoop configuration outputs and checkpoints go through. */
    default Configuration hadoopConfiguration() {
        return new Configuration();
    }

    /** Called once the outputs are committed: state kept only for a resume (checkpoints) can go. */
    default void onCommitted() {}

    /** Stops whatever the backend started (a Spark session). */
    @Override
    default void close() {}
}
