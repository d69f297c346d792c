package io.piadm.spark;

import io.piadm.model.DiagonalGaussian;
import io.piadm.model.ModelSpec;
import io.piadm.sampler.CorrectorOptions;
import io.piadm.sampler.PicardOptions;
import io.piadm.sampler.SamplerConfig;
import io.piadm.sampler.SamplingListener;
import io.piadm.schedule.ScheduleConfig;

import org.apache.spark.sql.SparkSession;

import java.io.DataOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;

/**
 * A driver in its own JVM for the driver-kill integration test:
 * {@code MASTER APPJAR CKPTDIR OUTFILE resume|fresh}; writes the samples' raw bits to OUTFILE (temp +
 * rename) and prints "resumedAfterBlocks=N".
 */
public final class ClusterDriverMain {
    static final ModelSpec SPEC = new DiagonalGaussian(new double[] {1.0, -0.5, 2.0}, new double[] {0.3, 1.0, 0.6});
    static final int COUNT = 3;

    static SamplerConfig config() {
        return new SamplerConfig(new ScheduleConfig(3).horizon(6.0).eta(0.01).stepsPerBlock(6).build(), 2024,
                PicardOptions.fixed(4), CorrectorOptions.off(), SamplerConfig.DEFAULT_WINDOW);
    }

    public static void main(String[] a) throws Exception {
        SparkSession spark = SparkSessions.getOrCreate(new SparkSessions.Options().master(a[0]).ui(false)
                .appName("piadm-driver-kill").conf("spark.jars", a[1]).conf("spark.executor.memory", "512m")
                .conf("spark.cores.max", "2").conf("spark.executorEnv.SPARK_SCALA_VERSION", "2.13"));
        try {
            SparkSettings s = new SparkSettings(null, 2, "time",
                    a[4].equals("resume") ? io.piadm.job.ResumeMode.ON : io.piadm.job.ResumeMode.OFF, a[2]);
            SparkRun.Outcome o = SparkRun.run(spark, TestJobs.job(SPEC, "piadm-sde", config(), 0, COUNT, COUNT), s,
                    SamplingListener.NONE);
            Path out = Paths.get(a[3]);
            Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
            try (DataOutputStream d = new DataOutputStream(Files.newOutputStream(tmp))) {
                for (double v : o.result.samples()) {
                    d.writeLong(Double.doubleToRawLongBits(v));
                }
            }
            Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
            System.out.println("resumedAfterBlocks=" + o.resumedAfterBlocks);
        } finally {
            spark.stop();
        }
    }
}
