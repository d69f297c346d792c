package io.piadm.schedule;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The sampling schedule as data: outer blocks, each an array of forward times, from the horizon T down
 * to the early-stopping time eta (docs/ALGORITHMS.md section 3). Sequential baselines walk the concatenation of
 * the same grid, so parallel and sequential samplers always share one discretisation.
 */
public final class Schedule implements Serializable {
    private static final long serialVersionUID = 1L;

    private final List<Block> blocks;

    public Schedule(List<Block> blocks) {
        if (blocks.isEmpty()) {
            throw new IllegalArgumentException("a schedule needs at least one block");
        }
        for (int n = 0; n < blocks.size(); n++) {
            Block b = blocks.get(n);
            if (b.index() != n) {
                throw new IllegalArgumentException("block " + n + " carries index " + b.index());
            }
            if (n > 0 && Double.compare(blocks.get(n - 1).endTime(), b.startTime()) != 0) {
                throw new IllegalArgumentException("block " + n + " starts at " + b.startTime()
                        + " but block " + (n - 1) + " ends at " + blocks.get(n - 1).endTime());
            }
        }
        this.blocks = Collections.unmodifiableList(new ArrayList<>(blocks));
    }

    public List<Block> blocks() {
        return blocks;
    }

    public int blockCount() {
        return blocks.size();
    }

    public Block block(int n) {
        return blocks.get(n);
    }

    /** Forward time where sampling starts (from N(0, I)). */
    public double horizon() {
        return blocks.get(0).startTime();
    }

    /** Forward time where sampling stops; the target is p_eta. */
    public double eta() {
        return blocks.get(blocks.size() - 1).endTime();
    }

    /** Total number of inner steps over all blocks (the sequential sampler's rounds). */
    public int totalSteps() {
        int s = 0;
        for (Block b : blocks) {
            s += b.steps();
        }
        return s;
    }

    /** The whole grid as one array of forward times (length totalSteps + 1), block ends shared. */
    public double[] concatenatedTimes() {
        double[] out = new double[totalSteps() + 1];
        int k = 0;
        for (Block b : blocks) {
            for (int j = 0; j < b.steps(); j++) {
                out[k++] = b.time(j);
            }
        }
        out[k] = eta();
        return out;
    }

    @Override
    public String toString() {
        return "Schedule[T=" + horizon() + ", eta=" + eta() + ", blocks=" + blocks.size()
                + ", steps=" + totalSteps() + "]";
    }
}
