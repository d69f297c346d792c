package io.piadm.cli;

import io.piadm.config.InvalidSettingException;
import io.piadm.config.Setting;
import io.piadm.model.EmulatedAccelerator;
import io.piadm.plan.Calibration;
import io.piadm.plan.PlanReport;
import io.piadm.spark.BenchSessions;
import io.piadm.spark.PlacementPlanner;
import io.piadm.spark.SparkBackend;
import io.piadm.spark.SparkSessions;
import io.piadm.spark.SparkSettings;

import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * {@code piadm plan <the options of sample>}: what {@code --parallelism auto} would measure and predict for
 * this run, printed as a table in seconds: each placement of the sampler and of its sequential
 * counterpart. Starts a Spark session (for the calibration) but samples nothing and writes no file.
 */
@Command(name = "plan", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Predict the wall time of each placement (time-, sample-parallel) of the sampler and of its"
                + " sequential counterpart from a calibration of the cluster; samples nothing, writes nothing.")
final class PlanCommand extends SampleCommand {
    @Override
    public Integer call() {
        JobOptions jo = resolveJob();
        if (!SparkBackend.NAME.equals(backend)) {
            throw new InvalidSettingException("{0} must be spark for plan (the planner places work on a Spark cluster)",
                    Setting.BACKEND);
        }
        // Validates the master and partitions exactly as a run would; no checkpoint directory is touched.
        new SparkSettings(jo.spark.master, jo.spark.partitions, jo.spark.parallelism, io.piadm.job.ResumeMode.OFF, null);
        int parts = jo.spark.partitions == null ? 0 : jo.spark.partitions;
        PrintWriter pw = spec.commandLine().getOut();
        SparkSession session = BenchSessions.open(jo.spark.master, "piadm plan " + jo.job.kind().id());
        try {
            PlanReport r = PlacementPlanner.predict(SparkSessions.javaContext(session), jo.job, parts);
            print(pw, jo, r, session.sparkContext().master());
        } finally {
            session.stop();
        }
        return 0;
    }

    static void print(PrintWriter pw, JobOptions jo, PlanReport r, String master) {
        Calibration c = r.calibration();
        pw.printf(Locale.ROOT, "plan: %s on %s, %d samples, seed %d; master %s, %d executors, %d task slots%n",
                jo.job.kind().id(), jo.job.model().id(), (long) jo.job.samples(), jo.job.seed(), master, c.executors,
                c.slots);
        EmulatedAccelerator em = EmulatedAccelerator.of(jo.job.model());
        if (em != null) {
            pw.println(em.summary() + ": every time below is for the emulated accelerator");
        }
        pw.printf(Locale.ROOT, "calibration (%.1f s): empty job %.1f ms (1 task), %.1f ms (%d tasks), write job %.1f ms; service round"
                + " %.2f ms + %.2f us/row; model call %.2f ms (%d rows) .. %.2f ms (%d rows); CPU %.2f cores on the"
                + " executors, %.2f on the driver%n", c.seconds, c.emptyJob1 * 1e3, c.emptyJobSlots * 1e3, c.slots,
                c.writeJobSlots * 1e3, c.roundFixed * 1e3, c.roundPerRow * 1e6, c.callWall[0] * 1e3, c.batch[0],
                c.callWall[c.batch.length - 1] * 1e3, c.batch[c.batch.length - 1], c.clusterCores, c.driverCores);
        pw.print(r.probes());
        pw.print(r.table());
        pw.println("choice: " + r.choice() + "-parallel for " + jo.job.kind().id() + " (" + r.reason() + ")");
        pw.flush();
    }
}
