package io.piadm.plan;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The shape of a sampler's rounds, from a pilot ({@link Pilot}): for every phase of every stage, how many
 * sweeps the batch needs (the most any pilot sample needed: a batch runs until its last sample stops,
 * PicardKernel) and how many grid points an average sample contributes to each sweep (0 once it has
 * stopped). A round of a batch of b samples then has {@code b * width(k)} rows. Plus the sampler's own
 * CPU per evaluated row (the scan, residuals, noise: everything but the model), measured on the pilot's
 * thread.
 */
public final class RoundProfile {
    /** One phase of one stage: its sweeps and the mean rows per sample of each. */
    public static final class PhaseRounds {
        public final int stage;
        public final String phase;
        /** Mean grid points per sample of sweep k (index k-1). */
        public final double[] widths;

        public PhaseRounds(int stage, String phase, double[] widths) {
            this.stage = stage;
            this.phase = phase;
            this.widths = widths;
        }

        public int sweeps() {
            return widths.length;
        }
    }

    private final String sampler;
    private final List<PhaseRounds> phases;
    private final double samplerCpuPerRow;
    private final double modelCpuPerRow;
    private final int pilotSamples;
    private final double pilotSeconds;
    private final String pilotModel;
    private double pilotCpuSeconds = Double.NaN;
    private Probe.Cost driverCost;
    private int driverProbeBatch;
    private Probe.Cost taskCost;
    private int taskProbeBatch;
    private double channelFactor = 1;
    private double driverFactor = 1;
    private Map<String, Object> timeParallelFit;
    private double taskCpuFactor = 1;
    private Map<String, Object> sampleParallelFit;

    public RoundProfile(String sampler, List<PhaseRounds> phases, double samplerCpuPerRow, double modelCpuPerRow,
            int pilotSamples, double pilotSeconds, String pilotModel) {
        this.sampler = sampler;
        this.phases = List.copyOf(phases);
        this.samplerCpuPerRow = samplerCpuPerRow;
        this.modelCpuPerRow = modelCpuPerRow;
        this.pilotSamples = pilotSamples;
        this.pilotSeconds = pilotSeconds;
        this.pilotModel = pilotModel;
    }

    /**
     * Measured CPU cost of the driver's side of a time-parallel run (scan, residual, noise) at a batch of
     * {@code batch} samples: {@link Probe#driver}; null: not measured.
     */
    public RoundProfile withDriverCost(Probe.Cost cost, int batch) {
        this.driverCost = cost;
        this.driverProbeBatch = batch;
        return this;
    }

    /**
     * Measured core-seconds of CPU of the scan inside a sample-parallel task (every slot busy, so with the
     * memory, cache and GC effects of that many tasks at a batch of {@code batch}); null: not measured.
     */
    public RoundProfile withTaskCost(Probe.Cost cost, int batch) {
        this.taskCost = cost;
        this.taskProbeBatch = batch;
        return this;
    }

    /** The corrections of the time-parallel channel and driver terms (CostModel#fitTimeParallel). */
    RoundProfile withTimeParallelFit(double channelFactor, double driverFactor, Map<String, Object> describe) {
        this.channelFactor = channelFactor;
        this.driverFactor = driverFactor;
        this.timeParallelFit = describe;
        return this;
    }

    /** The correction of a sample-parallel task's CPU demand (CostModel#fitSampleParallel). */
    RoundProfile withSampleParallelFit(double cpuFactor, Map<String, Object> describe) {
        this.taskCpuFactor = cpuFactor;
        this.sampleParallelFit = describe;
        return this;
    }

    /** Factor on the predicted CPU of a sample-parallel task's rounds (1: not probed). */
    public double taskCpuFactor() {
        return taskCpuFactor;
    }

    /** Factor on the calibrated channel of a time-parallel round (1: not probed). */
    public double channelFactor() {
        return channelFactor;
    }

    /** Factor on the predicted driver scan of a time-parallel run (1: not probed). */
    public double driverFactor() {
        return driverFactor;
    }

    /** See {@link #withDriverCost}; null when not measured. */
    public Probe.Cost driverCost() {
        return driverCost;
    }

    /** See {@link #withTaskCost}; null when not measured. */
    public Probe.Cost taskCost() {
        return taskCost;
    }

    /** Stages (blocks) of a batch: each starts once per sample (noise, initial points). */
    public int stages() {
        java.util.Set<Integer> st = new java.util.HashSet<>();
        for (PhaseRounds p : phases) {
            st.add(p.stage);
        }
        return st.size();
    }

    /** Rounds of block {@code stage} of one batch (every phase's sweeps with rows). */
    public int roundsInStage(int stage) {
        int r = 0;
        for (PhaseRounds p : phases) {
            for (double w : p.widths) {
                r += p.stage == stage && w > 0 ? 1 : 0;
            }
        }
        return r;
    }

    /** The pilot's thread CPU time (set by {@link Pilot}; NaN when unknown). */
    RoundProfile withPilotCpu(double seconds) {
        this.pilotCpuSeconds = seconds;
        return this;
    }

    /**
     * The share of a core the pilot's thread got while it ran (CPU time over wall time): how much of the
     * driver the same kind of work gets under the current load, averaged over the whole pilot.
     */
    public double pilotCoreShare() {
        return Double.isFinite(pilotCpuSeconds) && pilotSeconds > 0 ? Math.min(1, pilotCpuSeconds / pilotSeconds)
                : Double.NaN;
    }

    public String sampler() {
        return sampler;
    }

    public List<PhaseRounds> phases() {
        return phases;
    }

    /** Seconds of CPU the sampler itself spends per evaluated row (one core). */
    public double samplerCpuPerRow() {
        return samplerCpuPerRow;
    }

    /** Seconds of CPU the pilot's (unemulated) model spent per row, on the driver. */
    public double modelCpuPerRow() {
        return modelCpuPerRow;
    }

    /** Rounds one batch needs (independent of the batch size: each phase runs until its slowest sample). */
    public long roundsPerBatch() {
        long r = 0;
        for (PhaseRounds p : phases) {
            r += p.sweeps();
        }
        return r;
    }

    /** Evaluations per sample: the sum of the mean widths. */
    public double evaluationsPerSample() {
        double e = 0;
        for (PhaseRounds p : phases) {
            for (double w : p.widths) {
                e += w;
            }
        }
        return e;
    }

    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sampler", sampler);
        m.put("pilotSamples", pilotSamples);
        m.put("pilotModel", pilotModel);
        m.put("pilotSeconds", pilotSeconds);
        m.put("pilotCoreShare", pilotCoreShare());
        if (driverCost != null) {
            m.put("driverProbeCpuMicrosPerRow", driverCost.perRow * 1e6);
            m.put("driverProbeCpuMicrosPerSampleBlock", driverCost.perSampleBlock * 1e6);
            m.put("driverProbeBatch", driverProbeBatch);
        }
        if (taskCost != null) {
            m.put("taskProbeCpuMicrosPerRow", taskCost.perRow * 1e6);
            m.put("taskProbeCpuMicrosPerSampleBlock", taskCost.perSampleBlock * 1e6);
            m.put("taskProbeBatch", taskProbeBatch);
            m.put("taskProbeRealBlocksFactor", taskCost.realFactor);
        }
        if (timeParallelFit != null) {
            m.put("timeParallelProbe", timeParallelFit);
        }
        if (sampleParallelFit != null) {
            m.put("sampleParallelProbe", sampleParallelFit);
        }
        m.put("roundsPerBatch", roundsPerBatch());
        m.put("evaluationsPerSample", evaluationsPerSample());
        m.put("samplerCpuMicrosPerRow", samplerCpuPerRow * 1e6);
        m.put("pilotModelCpuMicrosPerRow", modelCpuPerRow * 1e6);
        List<Integer> sweeps = new ArrayList<>();
        for (PhaseRounds p : phases) {
            sweeps.add(p.sweeps());
        }
        m.put("sweepsPerPhase", sweeps);
        return m;
    }
}
