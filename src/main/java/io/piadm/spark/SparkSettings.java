package io.piadm.spark;

import io.piadm.config.InvalidSettingException;
import io.piadm.config.Setting;
import io.piadm.job.ResumeMode;

/**
 * The settings of the Spark backend, each validated once, here, when the backend is created (before
 * anything is written). None of them changes a sample.
 */
public final class SparkSettings {
    /** Master URL, or null: spark-submit's spark.master, else the embedded local[*]. */
    final String master;
    /** Partitions per round / sample chunks; 0: Spark's default parallelism. */
    final int partitions;
    final Planner.Request parallelism;
    final ResumeMode resume;
    /** Hadoop path of the checkpoint directory; null: no checkpoints. */
    final String checkpointDir;
    /** How samples.parquet stores values and labels (--dtype, class labels). */
    final io.piadm.io.SampleFormat format;

    public SparkSettings(String master, Integer partitions, String parallelism, ResumeMode resume,
            String checkpointDir) {
        this(master, partitions, parallelism, resume, checkpointDir, io.piadm.io.SampleFormat.defaults());
    }

    public SparkSettings(String master, Integer partitions, String parallelism, ResumeMode resume,
            String checkpointDir, io.piadm.io.SampleFormat format) {
        if (master != null) {
            SparkSessions.validateMaster(master.trim());
        }
        if (partitions != null && partitions < 1) {
            throw InvalidSettingException.range(Setting.PARTITIONS, "an integer >= 1", partitions);
        }
        if (resume != ResumeMode.OFF && checkpointDir == null) {
            throw new InvalidSettingException("{0} needs a checkpoint directory ({1})", Setting.RESUME,
                    Setting.CHECKPOINT_DIR);
        }
        this.master = master == null ? null : master.trim();
        this.partitions = partitions == null ? 0 : partitions;
        this.parallelism = Planner.Request.parse(parallelism);
        this.resume = resume;
        this.checkpointDir = checkpointDir;
        this.format = format == null ? io.piadm.io.SampleFormat.defaults() : format;
    }

    /** Defaults: embedded master, default partitions, auto placement, no checkpoints. */
    public static SparkSettings defaults() {
        return new SparkSettings(null, null, null, ResumeMode.OFF, null);
    }
}
