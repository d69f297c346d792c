package io.piadm.schedule;

import io.piadm.config.InvalidSettingException;
import io.piadm.config.Setting;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Settings of a {@link Schedule}, with defaults derived from the dimension d and a target accuracy delta
 * (docs/ALGORITHMS.md section 3). Every derived value can be overridden; {@link #build()} validates and lays out
 * the grid.
 *
 * <ul>
 *   <li>horizon {@code T = max(2, ln(max(d, E|X_0|^2) / delta^2))}: the OU flow contracts KL to N(0, I)
 *       like e^{-T} from a start of order max(d, E|X_0|^2), so this T makes the initialisation error
 *       O(delta^2). E|X_0|^2 is used when the model knows it (reference models).</li>
 *   <li>{@code eta = 1e-3}: early stopping; the target is p_eta.</li>
 *   <li>block length {@code h = 1} far from the data (forward time above 1); below forward time 1 block
 *       ends fall geometrically, at most halving per block, down to eta. N = O(log(d / delta^2)).</li>
 *   <li>steps per block {@code M = clamp(ceil(4 sqrt(d) * 0.1 / delta), 64, 1024)}: a practical choice,
 *       below the O~(d) of the SDE theory; far blocks are uniform in reverse time, near blocks geometric
 *       in forward time, so step sizes shrink like min(1, t) toward the data.</li>
 * </ul>
 */
public final class ScheduleConfig {
    public static final double DEFAULT_ACCURACY = 0.1;
    public static final double DEFAULT_ETA = 1e-3;
    public static final double DEFAULT_BLOCK_LENGTH = 1.0;
    /** Floor of the default M: at 8 steps the 2-D mixture's log p was measurably biased, and below 64 steps Picard saves less than 5x in rounds; low d makes more steps cheap. */
    public static final int MIN_DEFAULT_STEPS = 64;

    /**
     * Most outer blocks a grid may have. The defaults give about 15-25 (N = O(log(d / delta^2))); far more
     * means a horizon far beyond the point where N(0, I) is already the start law to double precision
     * (at T = 75, e^{-T/2} < 1e-16) or a tiny block length, and such a grid only burns time and memory.
     */
    public static final int MAX_BLOCKS = 10_000;
    /**
     * Most grid steps in all (blocks x M): every forward time is held, hashed into the run identity and
     * listed in run.json; the defaults stay below 25,000.
     */
    public static final long MAX_TOTAL_STEPS = 1_000_000;

    private final int dim;
    private double accuracy = DEFAULT_ACCURACY;
    private Double horizon;
    private Double eta;
    private Double blockLength;
    private Integer stepsPerBlock;
    private double dataSecondMoment = Double.NaN;
    private StiffnessSplit stiffness = StiffnessSplit.off();
    /** OU times of a network's training steps (ascending) when the grid must use only them; null: any time. */
    private double[] trainingTimes;
    /** Steps per block of the last snapped build (for describe()). */
    private int[] snappedSteps;

    public ScheduleConfig(int dim) {
        if (dim <= 0) {
            throw new IllegalArgumentException("dimension d must be a positive integer, got " + dim);
        }
        this.dim = dim;
    }

    public ScheduleConfig accuracy(double delta) {
        this.accuracy = delta;
        return this;
    }

    public ScheduleConfig horizon(Double t) {
        this.horizon = t;
        return this;
    }

    public ScheduleConfig eta(Double e) {
        this.eta = e;
        return this;
    }

    public ScheduleConfig blockLength(Double h) {
        this.blockLength = h;
        return this;
    }

    /**
     * {@code E|X_0|^2} of the data when known (reference models): the default horizon then becomes
     * {@code ln(max(d, E|X_0|^2) / delta^2)}, since the initialisation error is about
     * e^{-T} KL(data || N(0, I)) and that KL grows with the data's second moment. Unknown: d (unit scale).
     */
    public ScheduleConfig dataSecondMoment(double m2) {
        this.dataSecondMoment = m2;
        return this;
    }

    /**
     * Splits stiff blocks after laying out the grid (docs/ALGORITHMS.md section 6d); off unless set. The
     * forward times stay the same, so every sampler sees the same grid.
     */
    public ScheduleConfig stiffness(StiffnessSplit split) {
        this.stiffness = split == null ? StiffnessSplit.off() : split;
        return this;
    }

    /**
     * Snaps the grid to a network's training times {@code t_0 < ... < t_{N-1}} (an integer DDPM step index,
     * docs/ALGORITHMS.md section 9): every grid time, block ends included, becomes one of them. Null: off.
     */
    public ScheduleConfig trainingTimes(double[] ascending) {
        if (ascending != null) {
            if (ascending.length < 2) {
                throw new IllegalArgumentException("training times: need at least two, got " + ascending.length);
            }
            for (int k = 0; k < ascending.length; k++) {
                if (!(ascending[k] > 0) || !Double.isFinite(ascending[k]) || (k > 0 && !(ascending[k] > ascending[k - 1]))) {
                    throw new IllegalArgumentException("training times must be finite, positive and increasing");
                }
            }
        }
        this.trainingTimes = ascending == null ? null : ascending.clone();
        return this;
    }

    public ScheduleConfig stepsPerBlock(Integer m) {
        this.stepsPerBlock = m;
        return this;
    }

    public int dim() {
        return dim;
    }

    public double accuracy() {
        return accuracy;
    }

    public double resolvedHorizon() {
        double scale = Double.isFinite(dataSecondMoment) ? Math.max(dim, dataSecondMoment) : dim;
        double t = horizon != null ? horizon : Math.max(2.0, Math.log(scale / (accuracy * accuracy)));
        if (horizon == null && trainingTimes != null) {
            t = Math.min(t, trainingTimes[trainingTimes.length - 1]); // the default stays within the training steps
        }
        return t;
    }

    public double resolvedEta() {
        double e = eta != null ? eta : DEFAULT_ETA;
        if (eta == null && trainingTimes != null) {
            e = Math.max(e, trainingTimes[0]);
        }
        return e;
    }

    public double resolvedBlockLength() {
        return blockLength != null ? blockLength : DEFAULT_BLOCK_LENGTH;
    }

    public int resolvedStepsPerBlock() {
        if (stepsPerBlock != null) {
            return stepsPerBlock;
        }
        long m = (long) Math.ceil(4.0 * Math.sqrt(dim) * (0.1 / accuracy));
        return (int) Math.max(MIN_DEFAULT_STEPS, Math.min(1024, m));
    }

    /** Checks every setting; messages name the option and its allowed range. */
    public void validate() {
        if (!(accuracy > 0) || !Double.isFinite(accuracy)) {
            throw new InvalidSettingException("{0} must be a finite number > 0, got " + accuracy, Setting.ACCURACY);
        }
        double t = resolvedHorizon();
        double e = resolvedEta();
        double h = resolvedBlockLength();
        if (!(e > 0) || !Double.isFinite(e)) {
            throw new InvalidSettingException("{0} must be a finite number > 0, got " + e, Setting.ETA);
        }
        if (horizon == null && !Double.isFinite(t)) {
            throw new InvalidSettingException("{0} " + accuracy + " makes the default horizon ln(max(d, E|X_0|^2) / "
                    + "delta^2) infinite; use a larger {0} (e.g. 1e-6 gives T = " + String.format(java.util.Locale.ROOT,
                    "%.3g", Math.log(dim / 1e-12)) + " for d = " + dim + ") or set {1}", Setting.ACCURACY, Setting.HORIZON);
        }
        if (!Double.isFinite(t) || !(t > e)) {
            throw new InvalidSettingException("{0} must be a finite number greater than {1} (" + e
                    + "), got " + t, Setting.HORIZON, Setting.ETA);
        }
        if (!(h > 0) || !Double.isFinite(h)) {
            throw new InvalidSettingException("{0} must be a finite number > 0, got " + h, Setting.BLOCK_LENGTH);
        }
        if (stepsPerBlock != null && (stepsPerBlock < 1 || stepsPerBlock > 1_000_000)) {
            throw new InvalidSettingException("{0} must be an integer in [1, 1000000], got "
                    + stepsPerBlock, Setting.STEPS_PER_BLOCK);
        }
        // The size of the grid, before laying it out: a huge horizon or a tiny block length would
        // otherwise allocate blocks until memory runs out (--horizon 1e308) or silently run 10^5 blocks.
        double far = farBlockCount(t, e, h);
        double near = nearBlockCount(t, e);
        double blocks = far + near;
        if (blocks > MAX_BLOCKS) {
            throw new InvalidSettingException("{0} T = " + t + " with {1} h = " + h + " and {2} " + e
                    + " gives " + count(blocks) + " blocks; at most "
                    + MAX_BLOCKS + " are allowed: lower {0} (the default for d = " + dim + " is "
                    + String.format(java.util.Locale.ROOT, "%.4g", defaultHorizon()) + ") or raise {1}"
                    + (horizon == null ? " (T is the default from {3} " + accuracy + ")" : ""),
                    Setting.HORIZON, Setting.BLOCK_LENGTH, Setting.ETA, Setting.ACCURACY);
        }
        double steps = blocks * resolvedStepsPerBlock();
        if (steps > MAX_TOTAL_STEPS) {
            throw new InvalidSettingException("{0} M = " + resolvedStepsPerBlock() + " times "
                    + count(blocks) + " blocks gives "
                    + count(steps) + " grid steps; at most " + MAX_TOTAL_STEPS
                    + " are allowed: lower {0}, or use fewer blocks ({1}, {2})"
                    + (stepsPerBlock == null || horizon == null ? " (M and T default from {3} " + accuracy + ")" : ""),
                    Setting.STEPS_PER_BLOCK, Setting.HORIZON, Setting.BLOCK_LENGTH, Setting.ACCURACY);
        }
        if (trainingTimes != null) {
            double first = trainingTimes[0];
            double last = trainingTimes[trainingTimes.length - 1];
            // Half a step of slack: a time that rounds to the first or last training step is accepted.
            double slackHi = last + 0.5 * (last - trainingTimes[trainingTimes.length - 2]);
            double slackLo = first * 0.5;
            if (t > slackHi) {
                throw new InvalidSettingException("{0} must be at most " + last + " for a network trained on "
                        + trainingTimes.length + " integer steps (its last step sits at OU time -ln abar_N-1 = "
                        + last + "), got " + t, Setting.HORIZON);
            }
            if (e < slackLo) {
                throw new InvalidSettingException("{0} must be at least " + first + " for a network trained on "
                        + "integer steps (its first step sits at OU time -ln abar_0 = " + first + "), got " + e,
                        Setting.ETA);
            }
            if (nearest(trainingTimes, t) <= nearest(trainingTimes, e)) {
                throw new InvalidSettingException("{0} and {1} round to the same training step (" + t + ", " + e
                        + "): the grid snapped to training steps would be empty", Setting.HORIZON, Setting.ETA);
            }
        }
    }

    /** A whole count for a message: digits up to 10^12, else three significant figures. */
    private static String count(double n) {
        return String.format(java.util.Locale.ROOT, n < 1e12 ? "%.0f" : "%.3g", n);
    }

    /** The default horizon for this d, delta and data scale (ignoring an explicit horizon). */
    private double defaultHorizon() {
        double scale = Double.isFinite(dataSecondMoment) ? Math.max(dim, dataSecondMoment) : dim;
        return Math.max(2.0, Math.log(scale / (accuracy * accuracy)));
    }

    /** Far-region blocks (forward time above max(1, eta)), as {@link #build()} lays them out; a double, so it cannot overflow. */
    private static double farBlockCount(double t, double eta, double h) {
        double farEnd = Math.max(1.0, eta);
        return t > farEnd ? Math.ceil((t - farEnd) / h - 1e-12) : 0;
    }

    /** Near-region blocks (each at most halving the forward time down to eta). */
    private static double nearBlockCount(double t, double eta) {
        double nearStart = Math.min(t, 1.0);
        return nearStart > eta ? Math.max(1, Math.ceil(Math.log(nearStart / eta) / Math.log(2.0) - 1e-12)) : 0;
    }

    /** Index of the training time nearest to t (ties to the lower one). */
    static int nearest(double[] times, double t) {
        int i = java.util.Arrays.binarySearch(times, t);
        if (i >= 0) {
            return i;
        }
        int hi = -i - 1;
        if (hi == 0) {
            return 0;
        }
        if (hi == times.length) {
            return times.length - 1;
        }
        return t - times[hi - 1] <= times[hi] - t ? hi - 1 : hi;
    }

    /**
     * The continuous grid moved onto the training times (docs/ALGORITHMS.md section 9): each block end goes
     * to its nearest training time, so blocks still chain; a block whose two ends meet (it spanned less than
     * one training step) is dropped, so every block keeps at least one step. Inside a block each grid time
     * goes to its nearest training time strictly between the block's ends, and repeats are removed. Rounding
     * to the nearest time is monotone, so the times stay strictly decreasing. When a block holds fewer
     * training steps than its M - 1 interior points, it uses every one of them: fewer than M steps.
     */
    private Schedule snap(Schedule continuous) {
        double[] tk = trainingTimes;
        List<Block> out = new ArrayList<>();
        for (Block b : continuous.blocks()) {
            int kStart = nearest(tk, b.startTime());
            int kEnd = nearest(tk, b.endTime());
            if (kStart <= kEnd) {
                continue;
            }
            List<Integer> ks = new ArrayList<>();
            ks.add(kStart);
            for (int j = 1; j < b.steps(); j++) {
                int k = nearest(tk, b.time(j));
                if (k < ks.get(ks.size() - 1) && k > kEnd) {
                    ks.add(k);
                }
            }
            ks.add(kEnd);
            double[] times = new double[ks.size()];
            for (int j = 0; j < times.length; j++) {
                times[j] = tk[ks.get(j)];
            }
            out.add(new Block(out.size(), times));
        }
        snappedSteps = new int[out.size()];
        for (int n = 0; n < out.size(); n++) {
            snappedSteps[n] = out.get(n).steps();
        }
        return new Schedule(out);
    }

    /** Lays out the grid (see class comment). */
    public Schedule build() {
        validate();
        double t = resolvedHorizon();
        double eta = resolvedEta();
        double h = resolvedBlockLength();
        int m = resolvedStepsPerBlock();
        List<Block> blocks = new ArrayList<>();
        // Far region: forward times from T down to max(1, eta), blocks of (nearly) equal length <= h.
        double farEnd = Math.max(1.0, eta);
        if (t > farEnd) {
            int n = (int) Math.ceil((t - farEnd) / h - 1e-12);
            double len = (t - farEnd) / n;
            for (int b = 0; b < n; b++) {
                double start = t - b * len;
                double end = b == n - 1 ? farEnd : t - (b + 1) * len;
                double[] times = new double[m + 1];
                for (int j = 0; j <= m; j++) {
                    times[j] = start - (start - end) * j / m;
                }
                times[0] = start;
                times[m] = end;
                blocks.add(new Block(blocks.size(), times));
            }
        }
        // Near region: forward times from min(T, 1) down to eta, each block at most halving the time,
        // with equal ratios; inside a block the grid is geometric in forward time.
        double nearStart = Math.min(t, 1.0);
        if (nearStart > eta) {
            int n = Math.max(1, (int) Math.ceil(Math.log(nearStart / eta) / Math.log(2.0) - 1e-12));
            double logRatio = Math.log(eta / nearStart) / n;
            double prevEnd = nearStart;
            for (int b = 0; b < n; b++) {
                double start = prevEnd;
                double end = b == n - 1 ? eta : nearStart * Math.exp(logRatio * (b + 1));
                double[] times = new double[m + 1];
                double lr = Math.log(end / start);
                for (int j = 0; j <= m; j++) {
                    times[j] = start * Math.exp(lr * j / m);
                }
                times[0] = start;
                times[m] = end;
                blocks.add(new Block(blocks.size(), times));
                prevEnd = end;
            }
        }
        Schedule continuous = new Schedule(blocks);
        Schedule grid = trainingTimes == null ? continuous : snap(continuous);
        // Stiff blocks are cut at grid points after snapping, so every grid time stays a training time.
        return new Schedule(stiffness.apply(grid.blocks()));
    }

    /** Resolved settings, for run.json. */
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("accuracy", accuracy);
        if (Double.isFinite(dataSecondMoment)) {
            m.put("dataSecondMoment", dataSecondMoment);
        }
        m.put("horizon", resolvedHorizon());
        m.put("eta", resolvedEta());
        m.put("blockLength", resolvedBlockLength());
        m.put("stepsPerBlock", resolvedStepsPerBlock());
        m.put("stiffness", stiffness.describe());
        if (trainingTimes != null) {
            Map<String, Object> g = new LinkedHashMap<>();
            g.put("snappedToTrainingSteps", trainingTimes.length);
            g.put("rule", "every grid time is a training step t_k = -ln abar_k: block ends and inner points moved to"
                    + " the nearest t_k, repeats removed; a block with fewer training steps than M uses all of them"
                    + " (docs/ALGORITHMS.md section 9)");
            if (snappedSteps != null) {
                g.put("stepsPerBlock", snappedSteps.clone());
            }
            m.put("trainingGrid", g);
        }
        return m;
    }
}
