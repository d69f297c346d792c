package io.piadm.cli;

import io.piadm.config.InvalidSettingException;
import io.piadm.config.Setting;
import io.piadm.job.Backend;
import io.piadm.job.LocalBackend;
import io.piadm.job.ResumeMode;
import io.piadm.spark.SparkBackend;
import io.piadm.spark.SparkSettings;

import java.util.ArrayList;
import java.util.List;

/** The backend choices: created by name with their own settings, each validated by the backend. */
final class Backends {
    static final List<String> NAMES = List.of(SparkBackend.NAME, LocalBackend.NAME);

    private Backends() {}

    /** Settings only the Spark backend has; null values are "not given". */
    static final class SparkOptions {
        String master;
        Integer partitions;
        String parallelism;
        ResumeMode resume = ResumeMode.OFF;
        String checkpointDir;
        boolean checkpointDirGiven;
        /** How samples.parquet stores values and labels. */
        io.piadm.io.SampleFormat format = io.piadm.io.SampleFormat.defaults();

        List<Setting> given() {
            List<Setting> g = new ArrayList<>();
            if (master != null) {
                g.add(Setting.MASTER);
            }
            if (partitions != null) {
                g.add(Setting.PARTITIONS);
            }
            if (parallelism != null) {
                g.add(Setting.PARALLELISM);
            }
            if (resume != ResumeMode.OFF) {
                g.add(Setting.RESUME);
            }
            if (checkpointDirGiven) {
                g.add(Setting.CHECKPOINT_DIR);
            }
            return g;
        }
    }

    /** Refuses an unknown backend name, naming the choices. */
    static void checkName(String name) {
        if (!NAMES.contains(name)) {
            throw new InvalidSettingException("{0} must be one of " + String.join(", ", NAMES) + "; got '" + name + "'",
                    Setting.BACKEND);
        }
    }

    static Backend create(String name, SparkOptions o) {
        checkName(name);
        if (SparkBackend.NAME.equals(name)) {
            return new SparkBackend(new SparkSettings(o.master, o.partitions, o.parallelism, o.resume, o.checkpointDir,
                    o.format));
        }
        {
            List<Setting> g = o.given();
            if (!g.isEmpty()) {
                StringBuilder which = new StringBuilder();
                for (int i = 0; i < g.size(); i++) {
                    which.append(i == 0 ? "" : ", ").append('{').append(i).append('}');
                }
                throw new InvalidSettingException(which + " apply to --backend spark only",
                        g.toArray(new Setting[0]));
            }
        }
        return new LocalBackend();
    }
}
