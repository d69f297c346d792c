package io.piadm.spark;

import io.piadm.config.InvalidSettingException;
import io.piadm.config.Setting;
import io.piadm.sampler.SamplerKind;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Chooses where the parallelism lives (ARCHITECTURE.md): time-parallel (each Picard sweep's grid points x
 * samples spread over the executors' tasks, one round trip per sweep) or sample-parallel (executor-resident:
 * one Spark job whose tasks each run every block of their chunk of samples locally, docs/SAMPLE-PARALLEL.md).
 * Time-parallel pays a round trip per sweep but can keep {@code count x M} slots busy; sample-parallel keeps
 * at most {@code count} slots busy. So: time-parallel when there are fewer samples than slots (latency of a few
 * samples), sample-parallel otherwise (throughput), and always for sequential samplers, which have no
 * sweeps to spread. Slots are GPUs when tasks hold GPUs, else cores.
 */
public final class Planner {
    private Planner() {}

    public enum Mode {
        TIME, SAMPLES;

        public String cliName() {
            return this == TIME ? "time" : "samples";
        }
    }

    /** The choice and a sentence saying why, for run.json. */
    public static final class Plan {
        private final Mode mode;
        private final String reason;
        private final boolean forced;
        /** The predicting planner's calibration, pilots and predictions (auto only), or null. */
        private final io.piadm.plan.PlanReport report;

        Plan(Mode mode, String reason, boolean forced) {
            this(mode, reason, forced, null);
        }

        Plan(Mode mode, String reason, boolean forced, io.piadm.plan.PlanReport report) {
            this.mode = mode;
            this.reason = reason;
            this.forced = forced;
            this.report = report;
        }

        public io.piadm.plan.PlanReport report() {
            return report;
        }

        public Mode mode() {
            return mode;
        }

        public String reason() {
            return reason;
        }

        public boolean forced() {
            return forced;
        }

        public Map<String, Object> describe() {
            return describe(Double.NaN);
        }

        /** With the run's sampling wall time beside the prediction ({@code NaN}: not run yet). */
        public Map<String, Object> describe(double actualSeconds) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("mode", mode.cliName());
            m.put("forced", forced);
            m.put("reason", reason);
            if (report != null) {
                m.put("planner", report.describe(actualSeconds));
            }
            return m;
        }

        @Override
        public String toString() {
            return mode.cliName() + " (" + reason + ")";
        }
    }

    /** What the user asked for: a placement, or auto (the planner decides). */
    public enum Request {
        TIME, SAMPLES, AUTO;

        /** Parses a parallelism setting (null means auto); anything else is refused naming the choices. */
        public static Request parse(String s) {
            String r = s == null ? "auto" : s.trim().toLowerCase(Locale.ROOT);
            switch (r) {
                case "time":
                    return TIME;
                case "samples":
                    return SAMPLES;
                case "auto":
                    return AUTO;
                default:
                    throw new InvalidSettingException("{0} must be one of time, samples, auto; got '" + s + "'",
                            Setting.PARALLELISM);
            }
        }
    }

    /**
     * @param requested  the placement asked for (AUTO: decide)
     * @param kind       the sampler kind
     * @param count      number of samples
     * @param gridWidth  grid points per sample and round ({@link SamplerKind#roundWidth})
     * @param cores      task slots of the cluster (Spark's default parallelism)
     * @param gpus       GPU task slots (0 without GPU scheduling)
     */
    public static Plan choose(Request requested, SamplerKind kind, int count, int gridWidth, int cores, int gpus) {
        if (requested == Request.TIME) {
            return new Plan(Mode.TIME, "forced by the parallelism setting (time)", true);
        }
        if (requested == Request.SAMPLES) {
            return new Plan(Mode.SAMPLES, "forced by the parallelism setting (samples)", true);
        }
        if (!kind.parallelInTime()) {
            return new Plan(Mode.SAMPLES, "sampler '" + kind.id() + "' is sequential: a round holds one grid point"
                    + " per sample, so spreading rounds over executors would only add a round trip per step", false);
        }
        int slots = gpus > 0 ? gpus : Math.max(1, cores);
        String what = gpus > 0 ? gpus + " GPU task slots" : slots + " cores";
        long timeRows = (long) count * Math.max(1, gridWidth);
        if (count >= slots) {
            return new Plan(Mode.SAMPLES, count + " samples fill the " + what + " on their own: one Spark job"
                    + " whose tasks run every block of their sample chunk locally, instead of a round trip per"
                    + " Picard sweep", false);
        }
        return new Plan(Mode.TIME, count + " samples < " + what + ": a Picard sweep spreads " + count + " x "
                + gridWidth + " = " + timeRows + " grid points over up to " + Math.min(slots, timeRows)
                + " slots, where sample chunks would use only " + count, false);
    }
}
