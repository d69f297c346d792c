package io.piadm.schedule;

import java.io.Serializable;
import java.util.Arrays;

/**
 * One outer block of the reverse-time schedule: the forward times {@code t_0 > t_1 > ... > t_M} of its
 * inner grid (docs/ALGORITHMS.md section 3). {@code t_0} is where the block starts (far from the data) and
 * {@code t_M} where it ends; step j has reverse length {@code e_j = t_j - t_{j+1}} and evaluates the score
 * at its left end {@code t_j}.
 */
public final class Block implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int index;
    private final double[] forwardTimes;

    public Block(int index, double[] forwardTimes) {
        if (forwardTimes.length < 2) {
            throw new IllegalArgumentException("a block needs at least one step (two grid times)");
        }
        for (int j = 0; j + 1 < forwardTimes.length; j++) {
            if (!(forwardTimes[j + 1] < forwardTimes[j]) || !(forwardTimes[j + 1] > 0)) {
                throw new IllegalArgumentException("block " + index
                        + ": forward times must be positive and strictly decreasing, got "
                        + Arrays.toString(forwardTimes));
            }
        }
        this.index = index;
        this.forwardTimes = forwardTimes.clone();
    }

    public int index() {
        return index;
    }

    /** Number of inner steps M (score evaluations of one sequential pass). */
    public int steps() {
        return forwardTimes.length - 1;
    }

    /** Forward time of grid point j, 0 <= j <= M. */
    public double time(int j) {
        return forwardTimes[j];
    }

    /** Reverse length of step j: {@code t_j - t_{j+1}}. */
    public double stepLength(int j) {
        return forwardTimes[j] - forwardTimes[j + 1];
    }

    public double startTime() {
        return forwardTimes[0];
    }

    public double endTime() {
        return forwardTimes[forwardTimes.length - 1];
    }

    /** Reverse-time length of the block. */
    public double length() {
        return startTime() - endTime();
    }

    public double[] forwardTimes() {
        return forwardTimes.clone();
    }

    @Override
    public String toString() {
        return "Block" + index + "[" + startTime() + " -> " + endTime() + ", M=" + steps() + "]";
    }
}
