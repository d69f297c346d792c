package io.piadm.spark;

import io.piadm.config.InvalidSettingException;
import io.piadm.config.Setting;
import io.piadm.sampler.SamplerKind;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Chooses where the parallelism lives (ARCHITECTURE.md): time-parallel (each Picard sweep's grid points x
 * samples spread over the executors, one Spark job per sweep) or sample-parallel (sample chunks run whole
 * blocks locally, one Spark job per block). Time-parallel pays a Spark round trip per sweep (~20-50 ms,
 * PLATFORM-NOTES.md) but can keep {@code count x M} slots busy; sample-parallel keeps at most
 * {@code count} slots busy. So: time-parallel when there are fewer samples than slots (latency of a few
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

        Plan(Mode mode, String reason, boolean forced) {
            this.mode = mode;
            this.reason = reason;
            this.forced = forced;
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
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("mode", mode.cliName());
            m.put("forced", forced);
            m.put("reason", reason);
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
                    + " per sample, so spreading rounds over executors would only add a Spark job per step", false);
        }
        int slots = gpus > 0 ? gpus : Math.max(1, cores);
        String what = gpus > 0 ? gpus + " GPU task slots" : slots + " cores";
        long timeRows = (long) count * Math.max(1, gridWidth);
        if (count >= slots) {
            return new Plan(Mode.SAMPLES, count + " samples fill the " + what + " on their own: sample chunks"
                    + " run whole blocks locally, one Spark job per block instead of one per Picard sweep", false);
        }
        return new Plan(Mode.TIME, count + " samples < " + what + ": a Picard sweep spreads " + count + " x "
                + gridWidth + " = " + timeRows + " grid points over up to " + Math.min(slots, timeRows)
                + " slots, where sample chunks would use only " + count, false);
    }
}
