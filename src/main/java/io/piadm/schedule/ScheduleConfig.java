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

    private final int dim;
    private double accuracy = DEFAULT_ACCURACY;
    private Double horizon;
    private Double eta;
    private Double blockLength;
    private Integer stepsPerBlock;
    private double dataSecondMoment = Double.NaN;
    private StiffnessSplit stiffness = StiffnessSplit.off();

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
        return horizon != null ? horizon : Math.max(2.0, Math.log(scale / (accuracy * accuracy)));
    }

    public double resolvedEta() {
        return eta != null ? eta : DEFAULT_ETA;
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
        return new Schedule(stiffness.apply(blocks));
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
        return m;
    }
}
