package io.piadm.plan;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Predicted wall time of a sampling run in each placement, from a {@link Calibration} of the cluster and
 * the {@link RoundProfile} of the sampler (docs/ALGORITHMS.md, "Cost model of the planner").
 *
 * <p><b>Time-parallel</b> (the driver runs the sampler over batches of b samples; every round goes to the
 * score service's T tasks): a round of r rows costs
 * <pre>
 *   channel(r) + max(call(r/k), k cpu(r/k) / C) + s r / min(b, C_d),   k = min(T, r)
 * </pre>
 * the channel and driver side of the round (calibrated with a copying model), the k tiles' model calls
 * running at once (bounded by the CPU they need, C the cluster's cores' worth of CPU), and the driver's
 * scan (s the sampler's CPU per row, spread over the batch's samples on C_d cores). Rounds follow one
 * another: the sum, plus the service's start.
 *
 * <p><b>Sample-parallel</b> (executor-resident: one Spark job, one task per chunk; each task runs every
 * block of its chunk of samples, batch by batch, with its own model calls): a task's round of r rows holds the device for {@code call(r)} wall time, of which
 * {@code cpu(r)} is CPU, then computes its scan for {@code s r}. The m tasks running at once share the
 * cluster's C cores of CPU while their devices' holds need none: a closed queueing network of m customers
 * alternating between a delay (the hold beyond its CPU) and a C-server CPU station, solved by exact mean
 * value analysis with Seidmann's approximation of the multi-server station (a single server of demand D/C
 * plus a delay D (C-1)/C; Seidmann, Schweitzer and Shalev-Oren 1987; Lazowska et al., "Quantitative System
 * Performance", 1984, ch. 6 and 8). One task's time is its rounds times the cycle time; chunks beyond the
 * slots run in waves; plus the latency of the one Spark job that starts the tasks.
 */
public final class CostModel {
    private final Calibration cal;

    public CostModel(Calibration cal) {
        this.cal = cal;
    }

    public Calibration calibration() {
        return cal;
    }

    /** A prediction: seconds, sequential rounds, evaluations per sample, and where the time goes. */
    public static final class Prediction {
        public final String sampler;
        public final String placement;
        public final double seconds;
        public final long rounds;
        public final double evaluationsPerSample;
        public final Map<String, Object> breakdown;

        Prediction(String sampler, String placement, double seconds, long rounds, double evaluationsPerSample,
                Map<String, Object> breakdown) {
            this.sampler = sampler;
            this.placement = placement;
            this.seconds = seconds;
            this.rounds = rounds;
            this.evaluationsPerSample = evaluationsPerSample;
            this.breakdown = breakdown;
        }

        public Map<String, Object> describe() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("sampler", sampler);
            m.put("placement", placement);
            m.put("predictedSeconds", seconds);
            m.put("rounds", rounds);
            m.put("evaluationsPerSample", evaluationsPerSample);
            m.put("breakdown", breakdown);
            return m;
        }
    }

    /**
     * @param n     samples
     * @param batch samples per batch on the driver
     * @param tiles score-service tasks (tiles per round)
     */
    public Prediction timeParallel(RoundProfile p, long n, int batch, int tiles) {
        int b = (int) Math.max(1, Math.min(batch, n));
        long full = n / b;
        int rest = (int) (n - full * b);
        double[] one = timeBatch(p, b, tiles);
        double[] last = rest > 0 ? timeBatch(p, rest, tiles) : new double[4];
        double channel = full * one[0] + last[0];
        double model = full * one[1] + last[1];
        double driver = full * one[2] + last[2];
        long batches = full + (rest > 0 ? 1 : 0);
        double total = cal.serviceStart + channel + model + driver;
        Map<String, Object> br = new LinkedHashMap<>();
        br.put("serviceStartSeconds", cal.serviceStart);
        br.put("channelSeconds", channel);
        br.put("modelSeconds", model);
        br.put("driverScanSeconds", driver);
        br.put("channelFactor", p.channelFactor());
        br.put("driverFactor", p.driverFactor());
        br.put("batches", batches);
        br.put("batchSize", b);
        br.put("tiles", tiles);
        br.put("roundsRun", batches * p.roundsPerBatch());
        return new Prediction(p.sampler(), "time", total, p.roundsPerBatch(), p.evaluationsPerSample(), br);
    }

    /** {channel, model, driver} seconds of one batch of {@code b} samples. */
    private double[] timeBatch(RoundProfile p, int b, int tiles) {
        return timeBatch(p, b, tiles, -1, true);
    }

    /**
     * {channel, model, driver} seconds of one batch of {@code b} samples: of every block ({@code onlyStage}
     * -1) or of block {@code onlyStage} alone; {@code fitted}: with the profile's corrections from the
     * time-parallel probe on the cluster ({@link #fitTimeParallel}).
     */
    private double[] timeBatch(RoundProfile p, int b, int tiles, int onlyStage, boolean fitted) {
        double channel = 0;
        double model = 0;
        double driver = 0;
        double spread = Math.max(1e-9, Math.min(b, cal.driverCores));
        // A measured driver cost (Probe, at the run's batch: CPU per row and per sample and block) replaces the
        // pilot's CPU per row; either spreads over the batch's samples on the driver's C_d cores.
        Probe.Cost dc = p.driverCost();
        double perRowDriver = (dc != null ? dc.perRow : p.samplerCpuPerRow()) / spread;
        if (dc != null) {
            driver += dc.perSampleBlock * b * (onlyStage < 0 ? p.stages() : 1) / spread;
        }
        for (RoundProfile.PhaseRounds ph : p.phases()) {
            if (onlyStage >= 0 && ph.stage != onlyStage) {
                continue;
            }
            for (double w : ph.widths) {
                double rows = b * w;
                if (rows <= 0) {
                    continue;
                }
                channel += channel(rows);
                model += modelRound(rows, tiles);
                driver += perRowDriver * rows;
            }
        }
        if (fitted) {
            channel *= p.channelFactor();
            driver *= p.driverFactor();
        }
        return new double[] {channel, model, driver, 0};
    }

    /** The channel and driver side of one service round of {@code rows} rows (calibrated, uncorrected). */
    private double channel(double rows) {
        return cal.roundFixed + cal.roundPerRow * rows;
    }

    /** The model calls of one round of {@code rows} rows over {@code tiles} tiles running at once. */
    private double modelRound(double rows, int tiles) {
        int k = (int) Math.max(1, Math.min(tiles, Math.ceil(rows)));
        double per = rows / k;
        return Math.max(cal.callWall(per), k * cal.callCpu(per) / cal.clusterCores);
    }

    /** Predicted seconds of block {@code stage} of a batch of {@code b} samples, time-parallel, uncorrected. */
    public double stageSeconds(RoundProfile p, int stage, int b, int tiles) {
        double[] t = timeBatch(p, b, tiles, stage, false);
        return t[0] + t[1] + t[2];
    }

    /** Corrections are kept within these bounds: a probe that measured nonsense must not rule the prediction. */
    static final double MIN_FACTOR = 0.1;
    static final double MAX_FACTOR = 10;
    /** The probe's rounds are cut into at most this many segments of at least {@link #SEGMENT_ROUNDS} rounds. */
    static final int SEGMENTS = 7;
    static final int SEGMENT_ROUNDS = 3;

    /**
     * Rounds of a sequential sampler have exactly one row per sample; a probe at batch 64 of a run at 4096 saw
     * mostly the driver's per-round costs (1-6 ms of waking the scan's threads on a 2-core host shared with 16
     * executor threads, measured), and a driver factor from it multiplied the run's per-row scan by 10. So a
     * run's batch more than this many times the probe's keeps the driver term of the CPU probe (which was
     * 0.8x the actual there) and takes only the channel's correction.
     */
    static final int MAX_DRIVER_EXTRAPOLATION = 4;

    /**
     * Corrects the profile's time-parallel terms by what the probe on the cluster measured
     * ({@link StageMeasure}). The probe's rounds are cut into consecutive segments ({@link #segments}); in
     * each, the channel's ratio is (time inside the evaluator - the predicted model calls) over the predicted
     * channel, the driver's its measured time over the predicted driver scan (rows, and the samples' block
     * starts that fall in it). Each correction is the ratio of the sums over the segments within
     * {@link #OUTLIER_FACTOR} of the median segment ({@link #trimmedRatio}): on a shared 2-core host one
     * compilation or collection pause of a second lands in one segment of a 2-second probe.
     * {@code runBatch}: the batch of the run predicted ({@link #MAX_DRIVER_EXTRAPOLATION}).
     */
    public void fitTimeParallel(RoundProfile p, StageMeasure m, int tiles, int runBatch) {
        int b = m.batch;
        double spread = Math.max(1e-9, Math.min(b, cal.driverCores));
        Probe.Cost dc = p.driverCost();
        double perRow = (dc != null ? dc.perRow : p.samplerCpuPerRow()) / spread;
        double perStart = (dc != null ? dc.perSampleBlock * b : 0) / spread;
        int n = m.rounds();
        int[] bounds = segments(m);
        int k = bounds.length - 1;
        double[] cfs = new double[k];
        double[] dfs = new double[k];
        double[][] sums = new double[k][]; // {predicted channel, measured channel, predicted driver, measured driver}
        double channelAll = 0;
        double modelAll = 0;
        double driverAll = 0;
        for (int g = 0; g < k; g++) {
            double channel = 0;
            double model = 0;
            double driver = 0;
            double inside = 0;
            double outside = 0;
            for (int i = bounds[g]; i < bounds[g + 1]; i++) {
                int r = m.roundRows[i];
                channel += channel(r);
                model += modelRound(r, tiles);
                driver += perRow * r + (m.blockStarts[i] ? perStart : 0);
                inside += m.insideSeconds[i];
                outside += m.driverSeconds[i];
            }
            cfs[g] = channel > 0 ? (inside - model) / channel : Double.NaN;
            dfs[g] = driver > 0 ? outside / driver : Double.NaN;
            sums[g] = new double[] {channel, inside - model, driver, outside};
            channelAll += channel;
            modelAll += model;
            driverAll += driver;
        }
        double cf = clamp(trimmedRatio(cfs, sums, 0));
        double measuredDf = clamp(trimmedRatio(dfs, sums, 2));
        boolean driverApplies = runBatch <= (long) MAX_DRIVER_EXTRAPOLATION * m.batch;
        double df = driverApplies ? measuredDf : 1;
        Map<String, Object> fit = new LinkedHashMap<>(m.describe());
        fit.put("runBatch", runBatch);
        if (!driverApplies) {
            fit.put("driverFactorNote", "not applied: the run's batch " + runBatch + " is more than "
                    + MAX_DRIVER_EXTRAPOLATION + "x the probe's " + m.batch
                    + " (its per-round costs do not scale with the rows)");
            fit.put("measuredDriverFactor", measuredDf);
        }
        fit.put("predictedChannelSeconds", channelAll);
        fit.put("predictedModelSeconds", modelAll);
        fit.put("predictedDriverSeconds", driverAll);
        fit.put("segmentChannelFactors", cfs);
        fit.put("segmentDriverFactors", dfs);
        fit.put("channelFactor", cf);
        fit.put("driverFactor", df);
        p.withTimeParallelFit(cf, df, fit);
    }

    /**
     * Segment boundaries (round indices, first 0, last n) of a probe's measured rounds: whole blocks when it
     * measured at least {@link #SEGMENTS_OF_BLOCKS} block starts (the rounds before the first start join the
     * first segment), else runs of consecutive rounds. Why whole blocks: a Picard block's first round
     * carries the block's start (its noise, its points), a few rounds later the next phase's; segments of
     * three rounds then alternated between 0.4x and 15x the predicted driver time (piadm-ode at batch 42,
     * measured), and their median was ruled by how many segments held a start.
     */
    static int[] segments(StageMeasure m) {
        int n = m.rounds();
        java.util.List<Integer> starts = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (m.blockStarts[i]) {
                starts.add(i);
            }
        }
        if (starts.size() >= SEGMENTS_OF_BLOCKS) {
            int blocks = starts.size();
            int k = Math.min(SEGMENTS, blocks);
            int[] bounds = new int[k + 1];
            for (int g = 1; g < k; g++) {
                bounds[g] = starts.get((int) ((long) blocks * g / k));
            }
            bounds[k] = n;
            return bounds;
        }
        int k = Math.max(1, Math.min(SEGMENTS, n / SEGMENT_ROUNDS));
        int[] bounds = new int[k + 1];
        for (int g = 0; g <= k; g++) {
            bounds[g] = (int) ((long) n * g / k);
        }
        return bounds;
    }

    /** Segments of whole blocks are used from this many measured block starts on. */
    public static final int SEGMENTS_OF_BLOCKS = 3;
    /** A segment whose ratio is more than this factor off the median is a pause, not the run's cost. */
    static final double OUTLIER_FACTOR = 3;

    /**
     * The ratio of the sums (measured over predicted, {@code sums[g][at + 1] / sums[g][at]}) over the
     * segments whose own ratio is within {@link #OUTLIER_FACTOR} of the median ratio. Segments' costs are
     * lumpy (a block's start, a phase's), and only the sum over whole blocks is the run's; a pause of a
     * second (a collection, a compilation) lands in one segment and is left out (measured: a driver factor
     * of 6.8 from a ratio of sums over every segment of one probe, against 1.5 over the whole run).
     */
    static double trimmedRatio(double[] ratios, double[][] sums, int at) {
        double med = median(ratios);
        if (!Double.isFinite(med)) {
            return Double.NaN;
        }
        double predicted = 0;
        double measured = 0;
        for (int g = 0; g < ratios.length; g++) {
            double r = ratios[g];
            boolean kept = Double.isFinite(r) && (med <= 0 ? r <= 0 : r <= OUTLIER_FACTOR * med && r >= med / OUTLIER_FACTOR);
            if (kept) {
                predicted += sums[g][at];
                measured += sums[g][at + 1];
            }
        }
        return predicted > 0 ? measured / predicted : med;
    }

    /** The median of the finite values (NaN when none): of an even count, the mean of the middle two. */
    public static double median(double[] xs) {
        double[] v = java.util.Arrays.stream(xs).filter(Double::isFinite).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        int h = v.length / 2;
        return v.length % 2 == 1 ? v[h] : (v[h - 1] + v[h]) / 2;
    }

    private static double clamp(double f) {
        return Double.isFinite(f) ? Math.max(MIN_FACTOR, Math.min(MAX_FACTOR, f)) : 1;
    }

    /**
     * @param n      samples
     * @param chunks sample chunks (tasks)
     * @param batch  samples per batch inside a task
     * @param jobs   Spark jobs the run submits (1 when executor-resident)
     */
    public Prediction sampleParallel(RoundProfile p, long n, int chunks, int batch, int jobs) {
        int c = (int) Math.max(1, Math.min(chunks, n));
        long chunk = (n + c - 1) / c; // the largest chunk is the critical path
        int b = (int) Math.max(1, Math.min(batch, chunk));
        long full = chunk / b;
        int rest = (int) (chunk - full * b);
        double[] one = sampleBatch(p, b);
        double[] last = rest > 0 ? sampleBatch(p, rest) : new double[3];
        double hold = full * one[0] + last[0];
        double cpu = full * one[1] + last[1];
        double rounds = full * one[2] + last[2];
        int concurrent = Math.min(c, cal.slots);
        int waves = (c + cal.slots - 1) / cal.slots;
        double task = rounds <= 0 ? 0 : rounds * cycleTime(concurrent, hold / rounds, cpu / rounds, cal.clusterCores);
        // The resident run's one job is a DataFrame write (its planning and protocol calibrated); more jobs
        // would each start like an empty one.
        double start = cal.writeJob(concurrent) + Math.max(0, jobs - 1) * cal.emptyJob(concurrent);
        double total = start + waves * task;
        Map<String, Object> br = new LinkedHashMap<>();
        br.put("sparkJobs", jobs);
        br.put("jobSeconds", start);
        br.put("chunks", c);
        br.put("concurrentTasks", concurrent);
        br.put("waves", waves);
        br.put("samplesPerChunk", chunk);
        br.put("batchSize", b);
        br.put("roundsPerTask", Math.round(rounds));
        br.put("taskSeconds", task);
        br.put("taskHoldSeconds", hold);
        br.put("taskCpuSeconds", cpu);
        return new Prediction(p.sampler(), "samples", total, p.roundsPerBatch(), p.evaluationsPerSample(), br);
    }

    /** {hold beyond CPU, CPU, rounds} of one batch of {@code b} samples in a task. */
    private double[] sampleBatch(RoundProfile p, int b) {
        double[] r = sampleBatch(p, b, 0, p.stages());
        r[1] *= p.taskCpuFactor();
        return r;
    }

    /**
     * {hold beyond CPU, CPU, rounds} of blocks {@code from .. to - 1} of one batch of {@code b} samples in a
     * task, uncorrected.
     */
    private double[] sampleBatch(RoundProfile p, int b, int from, int to) {
        double hold = 0;
        double cpu = 0;
        double rounds = 0;
        // The probe's CPU of the scan in a task (every slot busy; per row and per sample and block) replaces
        // the pilot's CPU per row.
        Probe.Cost tc = p.taskCost();
        if (tc != null) {
            cpu += tc.perSampleBlock * b * Math.max(0, Math.min(to, p.stages()) - Math.max(0, from));
        }
        for (RoundProfile.PhaseRounds ph : p.phases()) {
            if (ph.stage < from || ph.stage >= to) {
                continue;
            }
            for (double w : ph.widths) {
                double rows = b * w;
                if (rows <= 0) {
                    continue;
                }
                double wall = cal.callWall(rows);
                double mc = cal.callCpu(rows);
                hold += Math.max(0, wall - mc);
                cpu += mc + (tc != null ? tc.perRow : p.samplerCpuPerRow()) * rows;
                rounds++;
            }
        }
        return new double[] {hold, cpu, rounds};
    }

    /**
     * Predicted wall seconds, inside one task, of blocks {@code from .. to - 1} of a batch of {@code b}
     * samples with {@code tasks} tasks running at once, uncorrected (the sample-parallel probe's prediction).
     */
    public double sampleStagesSeconds(RoundProfile p, int b, int from, int to, int tasks) {
        double[] r = sampleBatch(p, b, from, to);
        return r[2] <= 0 ? 0 : r[2] * cycleTime(Math.max(1, tasks), r[0] / r[2], r[1] / r[2], cal.clusterCores);
    }

    /** Bounds of the sample-parallel CPU correction: beyond them it is a failed measurement, not a correction. */
    static final double MIN_TASK_CPU_FACTOR = 0.5;
    static final double MAX_TASK_CPU_FACTOR = 4;

    /**
     * Corrects the CPU demand of sample-parallel tasks by what the probe measured: {@code tasks} tasks (every
     * slot) ran blocks {@code from .. to - 1} of a batch of {@code b} samples at once (after block 0 as a
     * warm-up, ResidentStageProbe), exactly as the run's tasks do, and their median wall time was
     * {@code measuredSeconds}. The factor f is the one for which the
     * queueing model (the same cycle time, the holds unchanged: they are the device's) gives that time, found
     * by bisection (the time grows with f). What it carries that the task probe's thread CPU misses: the
     * JVM's own threads (compilation, collection) on the same cores, and the memory traffic of every slot's
     * working set at once (measured: 1.25-1.65x the probe's CPU per task at N = 256 on this host).
     */
    public void fitSampleParallel(RoundProfile p, int b, int from, int to, int tasks, double measuredSeconds) {
        double[] r = sampleBatch(p, b, from, to);
        Map<String, Object> fit = new LinkedHashMap<>();
        fit.put("tasks", tasks);
        fit.put("batch", b);
        fit.put("firstBlock", from);
        fit.put("blocks", to - from);
        fit.put("measuredTaskSeconds", measuredSeconds);
        // The model's time of the probe's blocks with the tasks' CPU scaled by x (x = 1: the prediction).
        java.util.function.DoubleUnaryOperator t = x -> r[2] <= 0 ? 0
                : r[2] * cycleTime(Math.max(1, tasks), r[0] / r[2], x * r[1] / r[2], cal.clusterCores);
        fit.put("predictedTaskSeconds", t.applyAsDouble(1));
        double f = 1;
        if (r[2] > 0 && r[1] > 0 && Double.isFinite(measuredSeconds) && measuredSeconds > 0) {
            double lo = MIN_TASK_CPU_FACTOR;
            double hi = MAX_TASK_CPU_FACTOR;
            if (t.applyAsDouble(lo) >= measuredSeconds) {
                f = lo;
            } else if (t.applyAsDouble(hi) <= measuredSeconds) {
                f = hi;
            } else {
                for (int i = 0; i < 60; i++) {
                    double mid = 0.5 * (lo + hi);
                    if (t.applyAsDouble(mid) < measuredSeconds) {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                f = 0.5 * (lo + hi);
            }
        }
        fit.put("cpuFactor", f);
        p.withSampleParallelFit(f, fit);
    }

    /**
     * Mean cycle time of m customers alternating between a delay {@code z} and a CPU demand {@code d} at a
     * station of {@code c} servers: exact MVA with Seidmann's multi-server approximation (exact for c = 1).
     */
    static double cycleTime(int m, double z, double d, double c) {
        if (m < 1) {
            throw new IllegalArgumentException("customers must be >= 1, got " + m);
        }
        if (d <= 0) {
            return z;
        }
        double servers = Math.max(1e-9, c);
        double demand = d / servers;
        double extraDelay = servers > 1 ? d * (servers - 1) / servers : 0;
        double q = 0;
        double x = 0;
        for (int k = 1; k <= m; k++) {
            double r = demand * (1 + q);
            x = k / (z + extraDelay + r);
            q = x * r;
        }
        return m / x;
    }
}
