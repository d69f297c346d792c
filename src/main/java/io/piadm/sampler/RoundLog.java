package io.piadm.sampler;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The per-round trace of a stage whose phases overlap in time (the wavefront, docs/ALGORITHMS.md section
 * 6b): the stage's phases ("links": block b's predictor, block b's corrector, ...) and, for every round,
 * which links were active and the largest scaled residual of each over the samples. Its length is the
 * stage's rounds. Two batches' logs merge round by round (union of the active links, largest residual), and
 * since every sample's path through the rounds depends only on the sample, the merged log does not depend
 * on the batch size.
 */
public final class RoundLog implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int[] linkBlock;
    private final String[] linkPhase;
    /** Per round: the active links, increasing. */
    private final List<int[]> active;
    /** Per round: the residual of each active link (same order). */
    private final List<double[]> residuals;

    public RoundLog(int[] linkBlock, String[] linkPhase, List<int[]> active, List<double[]> residuals) {
        if (linkBlock.length != linkPhase.length || active.size() != residuals.size()) {
            throw new IllegalArgumentException("round log: link table or rounds of unequal length");
        }
        for (int r = 0; r < active.size(); r++) {
            if (active.get(r).length != residuals.get(r).length) {
                throw new IllegalArgumentException("round log: round " + (r + 1) + " has "
                        + active.get(r).length + " links but " + residuals.get(r).length + " residuals");
            }
            for (int l : active.get(r)) {
                if (l < 0 || l >= linkBlock.length) {
                    throw new IllegalArgumentException("round log: round " + (r + 1) + " names link " + l);
                }
            }
        }
        this.linkBlock = linkBlock.clone();
        this.linkPhase = linkPhase.clone();
        List<int[]> a = new ArrayList<>();
        List<double[]> res = new ArrayList<>();
        for (int r = 0; r < active.size(); r++) {
            a.add(active.get(r).clone());
            res.add(residuals.get(r).clone());
        }
        this.active = Collections.unmodifiableList(a);
        this.residuals = Collections.unmodifiableList(res);
    }

    /** Rounds of the stage: one evaluator call each. */
    public int rounds() {
        return active.size();
    }

    public int links() {
        return linkBlock.length;
    }

    public int linkBlock(int link) {
        return linkBlock[link];
    }

    public String linkPhase(int link) {
        return linkPhase[link];
    }

    /** The active links of round r (0-based). */
    public int[] active(int r) {
        return active.get(r).clone();
    }

    public double[] residuals(int r) {
        return residuals.get(r).clone();
    }

    /** The log of two batches of the same stage. */
    public RoundLog merge(RoundLog o) {
        if (!Arrays.equals(linkBlock, o.linkBlock) || !Arrays.equals(linkPhase, o.linkPhase)) {
            throw new IllegalArgumentException("cannot merge round logs of different links");
        }
        int rounds = Math.max(rounds(), o.rounds());
        List<int[]> a = new ArrayList<>();
        List<double[]> res = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            double[] byLink = new double[links()];
            Arrays.fill(byLink, Double.NaN);
            for (RoundLog l : new RoundLog[] {this, o}) {
                if (r < l.rounds()) {
                    int[] act = l.active.get(r);
                    double[] rv = l.residuals.get(r);
                    for (int k = 0; k < act.length; k++) {
                        byLink[act[k]] = Double.isNaN(byLink[act[k]]) ? rv[k] : Math.max(byLink[act[k]], rv[k]);
                    }
                }
            }
            int c = 0;
            for (double v : byLink) {
                c += Double.isNaN(v) ? 0 : 1;
            }
            int[] act = new int[c];
            double[] rv = new double[c];
            for (int l = 0, k = 0; l < byLink.length; l++) {
                if (!Double.isNaN(byLink[l])) {
                    act[k] = l;
                    rv[k++] = byLink[l];
                }
            }
            a.add(act);
            res.add(rv);
        }
        return new RoundLog(linkBlock, linkPhase, a, res);
    }

    /** For run.json: one entry per round with the active blocks, their phases and residuals. */
    public List<Object> describe() {
        List<Object> out = new ArrayList<>();
        for (int r = 0; r < rounds(); r++) {
            int[] act = active.get(r);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("round", r + 1);
            int[] blocks = new int[act.length];
            String[] phases = new String[act.length];
            for (int k = 0; k < act.length; k++) {
                blocks[k] = linkBlock[act[k]];
                phases[k] = linkPhase[act[k]];
            }
            m.put("blocks", blocks);
            m.put("phases", phases);
            m.put("residuals", residuals.get(r).clone());
            out.add(m);
        }
        return out;
    }
}
