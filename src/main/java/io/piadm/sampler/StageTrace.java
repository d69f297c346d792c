package io.piadm.sampler;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The trace of one stage (an outer block, or the whole grid for samplers without blocks): the forward
 * times of its grid points and its phases (predictor, corrector, ...). Rounds of the stage are the sum of
 * its phases' sweeps.
 */
public final class StageTrace implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int stage;
    private final double[] forwardTimes;
    private final List<PhaseTrace> phases;
    /** Rounds of phases that overlap in time (the wavefront); null when phases run one after another. */
    private final RoundLog roundLog;

    public StageTrace(int stage, double[] forwardTimes, List<PhaseTrace> phases) {
        this(stage, forwardTimes, phases, null);
    }

    /** @param roundLog the per-round trace when the phases overlap in time (then it counts the rounds) */
    public StageTrace(int stage, double[] forwardTimes, List<PhaseTrace> phases, RoundLog roundLog) {
        this.stage = stage;
        this.forwardTimes = forwardTimes.clone();
        this.phases = Collections.unmodifiableList(new ArrayList<>(phases));
        this.roundLog = roundLog;
    }

    /** The per-round trace of overlapping phases, or null. */
    public RoundLog roundLog() {
        return roundLog;
    }

    public int stage() {
        return stage;
    }

    public double[] forwardTimes() {
        return forwardTimes.clone();
    }

    public List<PhaseTrace> phases() {
        return phases;
    }

    /** Rounds of the stage: its phases' sweeps one after another, or the round log's length when they overlap. */
    public int rounds() {
        if (roundLog != null) {
            return roundLog.rounds();
        }
        int r = 0;
        for (PhaseTrace p : phases) {
            r += p.sweeps();
        }
        return r;
    }

    public long pointsEvaluated() {
        long s = 0;
        for (PhaseTrace p : phases) {
            s += p.pointsEvaluated();
        }
        return s;
    }

    /** Combines the traces of two sample batches of the same stage. */
    public StageTrace merge(StageTrace other) {
        if (other.stage != stage || other.phases.size() != phases.size()
                || (roundLog == null) != (other.roundLog == null)) {
            throw new IllegalArgumentException("cannot merge traces of different stages");
        }
        List<PhaseTrace> m = new ArrayList<>();
        for (int i = 0; i < phases.size(); i++) {
            m.add(phases.get(i).merge(other.phases.get(i)));
        }
        return new StageTrace(stage, forwardTimes, m, roundLog == null ? null : roundLog.merge(other.roundLog));
    }

    @Override
    public String toString() {
        return "Stage" + stage + phases;
    }
}
