package io.piadm.schedule;

import io.piadm.config.InvalidSettingException;
import io.piadm.config.Setting;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;

/**
 * Shorter blocks where the score is stiff (docs/ALGORITHMS.md section 6d; Zhou and Sugiyama, Remark 5.7:
 * Picard contracts when the score's Lipschitz constant L times the block length h is small). For every
 * block the discretised {@code L h = sum_j e_j L(t_j)} over its steps (L at each step's evaluation time,
 * e_j its length) is computed from the model's known Lipschitz constant; a block whose L h exceeds the bound
 * is cut at grid points into the fewest pieces of L h at most the bound, of about equal L h. The forward
 * times are unchanged, so every sampler (sequential ones included) walks the same grid; the pieces are
 * blocks of their own (their noise is keyed by the new block index). Without a known L nothing changes.
 */
public final class StiffnessSplit {
    /**
     * Default bound on a block's L h. On the default grid L h stays below about 1.6 (far blocks of length 1
     * have L <= 1/sigma^2(1) = 1.58; near blocks at most halve the time, so their L h <= ln 2 for any
     * Gaussian), so the default never splits a default grid; measured in README ("stiff targets").
     */
    public static final double DEFAULT_MAX_STIFFNESS = 4.0;

    private final DoubleUnaryOperator lipschitz;
    private final double max;
    private final String inactiveReason;
    private final List<Map<String, Object>> splits = new ArrayList<>();
    private double largest = Double.NaN;

    private StiffnessSplit(DoubleUnaryOperator lipschitz, double max, String inactiveReason) {
        this.lipschitz = lipschitz;
        this.max = max;
        this.inactiveReason = inactiveReason;
    }

    /** No splitting. */
    public static StiffnessSplit off() {
        return new StiffnessSplit(null, 0.0, "off");
    }

    /**
     * @param lipschitz {@code t -> L(t)} (NaN where unknown), or null when the model gives none
     * @param max       the bound on L h, null for the default, 0 for never
     */
    public static StiffnessSplit of(DoubleUnaryOperator lipschitz, Double max) {
        double m = max == null ? DEFAULT_MAX_STIFFNESS : max;
        if (!(m >= 0) || !Double.isFinite(m)) {
            throw InvalidSettingException.range(Setting.BLOCK_STIFFNESS, "a finite number >= 0 (0: never split)", m);
        }
        if (m == 0) {
            return off();
        }
        if (lipschitz == null || !Double.isFinite(lipschitz.applyAsDouble(1.0))) {
            return new StiffnessSplit(null, m, "the model gives no Lipschitz constant");
        }
        return new StiffnessSplit(lipschitz, m, null);
    }

    /** {@code sum_j e_j L(t_j)} over the steps of {@code b}. */
    public double stiffness(Block b) {
        double sum = 0.0;
        for (int j = 0; j < b.steps(); j++) {
            sum += b.stepLength(j) * lipschitz.applyAsDouble(b.time(j));
        }
        return sum;
    }

    /** The blocks, split where stiff and renumbered; records what it did for {@link #describe()}. */
    List<Block> apply(List<Block> blocks) {
        splits.clear();
        if (lipschitz == null) {
            return blocks;
        }
        List<Block> out = new ArrayList<>();
        largest = 0.0;
        for (Block b : blocks) {
            double lh = stiffness(b);
            if (!Double.isFinite(lh)) {
                throw new IllegalStateException("block " + b.index() + ": L h is not finite (" + lh + ")");
            }
            int pieces = (int) Math.min(b.steps(), Math.ceil(lh / max - 1e-12));
            if (pieces <= 1) {
                largest = Math.max(largest, lh);
                out.add(new Block(out.size(), b.forwardTimes()));
                continue;
            }
            // Cut where the running L h crosses k / pieces of the block's total; at least one step each.
            double[] times = b.forwardTimes();
            List<Integer> cuts = new ArrayList<>();
            double run = 0.0;
            int k = 1;
            for (int j = 0; j < b.steps() && k < pieces; j++) {
                run += b.stepLength(j) * lipschitz.applyAsDouble(b.time(j));
                int last = cuts.isEmpty() ? 0 : cuts.get(cuts.size() - 1);
                if (run >= lh * k / pieces && j + 1 > last && j + 1 < b.steps()) {
                    cuts.add(j + 1);
                    k++;
                }
            }
            cuts.add(b.steps());
            int from = 0;
            List<Double> pieceLh = new ArrayList<>();
            for (int c : cuts) {
                double[] pt = new double[c - from + 1];
                System.arraycopy(times, from, pt, 0, pt.length);
                Block piece = new Block(out.size(), pt);
                double plh = stiffness(piece);
                pieceLh.add(plh);
                largest = Math.max(largest, plh);
                out.add(piece);
                from = c;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("block", b.index());
            m.put("startTime", b.startTime());
            m.put("endTime", b.endTime());
            m.put("lipschitzTimesLength", lh);
            m.put("pieces", cuts.size());
            m.put("pieceLipschitzTimesLength", pieceLh);
            splits.add(m);
        }
        return out;
    }

    /** Blocks split by the last {@link #apply}. */
    public List<Map<String, Object>> splits() {
        return new ArrayList<>(splits);
    }

    /** For run.json (schedule settings): the rule, the bound, the largest L h left, and every split. */
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rule", "split blocks with sum_j e_j L(t_j) > maxLipschitzTimesLength");
        m.put("maxLipschitzTimesLength", max);
        if (inactiveReason != null) {
            m.put("active", false);
            m.put("reason", inactiveReason);
            return m;
        }
        m.put("active", true);
        m.put("largestLipschitzTimesLength", largest);
        m.put("splits", splits());
        return m;
    }
}
