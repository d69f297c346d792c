package io.piadm.sampler;

import io.piadm.eval.CountingEvaluator;
import io.piadm.eval.RoundInfo;
import io.piadm.noise.NoiseSource;
import io.piadm.schedule.Block;

import java.util.ArrayList;
import java.util.List;

/**
 * Wavefront Picard across blocks (Zhou and Sugiyama, ICML 2025, arXiv 2412.07435, Algorithm 1;
 * docs/ALGORITHMS.md section 6b): PIADM-SDE / PIADM-ODE whose blocks overlap in time. The phases of the
 * blockwise sampler form a chain of links (block 0's predictor, its corrector when on, block 1's
 * predictor, ...); link l starts once link l-1 has a first estimate of its end point, i.e. at round l+1,
 * from that estimate (all its points at it, the paper's initialisation). Every round:
 * <ol>
 *   <li>one evaluator call over the rows of every active link of every sample (so evaluators, Spark
 *       included, need no change);</li>
 *   <li>in chain order, each active link moves its start to its predecessor's end as just updated in this
 *       round (a corrector link's start is that end with the block's fixed fresh velocity), then takes one
 *       sweep of the {@link PicardKernel} from its own previous iterate: the scan, the residual, the window
 *       rule, and Anderson mixing whose sums run on along the chain;</li>
 *   <li>a link stops for a sample when its own residual is at most the tolerance and its predecessor had
 *       stopped before the round began (so its start, and the score at it, are final); until then it
 *       neither accepts points nor stops, and its sweeps do not count toward the cap.</li>
 * </ol>
 * With a final start a link is exactly the blockwise kernel: EXACT_PREFIX (or the frozen front) from there
 * on, so tolerance 0 or K = M sweeps after the start became final reproduce the sequential sampler bit for
 * bit, and the fixed-K mode means K sweeps per block once its start is final (the earlier sweeps are a warm
 * start).
 *
 * <p>Stages and checkpoints: blocks overlap, so no point between the first and last round has the whole
 * state in one block boundary. Like ParaDiGMS, the wavefront is therefore ONE stage over the whole grid:
 * the driver checkpoints after it, and a resumed run restarts the stage from its deterministic start, so
 * resumed samples equal uninterrupted ones. The stage's rounds are the length of its {@link RoundLog}
 * (one entry per round: the active blocks and their residuals), not the sum of its links' sweeps.
 */
final class WavefrontSampler implements Sampler {
    private final SamplerKind kind;
    private final SamplerConfig config;
    private final NoiseSource noise;

    WavefrontSampler(SamplerKind kind, SamplerConfig config) {
        if (kind.walk() != SamplerKind.Walk.PICARD_BLOCKS) {
            throw new IllegalArgumentException("the wavefront walks Picard blocks, not " + kind.id());
        }
        this.kind = kind;
        this.config = config;
        this.noise = config.noise();
    }

    @Override
    public SamplerKind kind() {
        return kind;
    }

    @Override
    public SamplerConfig config() {
        return config;
    }

    /** The chain: per block its predictor and (when on) its corrector, in the order the data flow. */
    private List<Phase> links(int d) {
        List<Phase> out = new ArrayList<>();
        CorrectorOptions co = config.corrector();
        for (Block b : config.schedule().blocks()) {
            out.add(new PredictorPhase(b, d, kind.integrator(), noise, "predictor"));
            if (co.enabled()) {
                out.add(new CorrectorPhase(b.index(), b.endTime(), d, co.steps(b.steps()), co.time(), co.friction(),
                        noise));
            }
        }
        return out;
    }

    private int blockOfLink(int l) {
        return config.corrector().enabled() ? l / 2 : l;
    }

    @Override
    public StageTrace runStage(int stage, long[] ids, double[] y, CountingEvaluator ev, SamplingListener listener) {
        int d = ev.dim();
        int n = ids.length;
        String name = kind.id();
        List<Phase> chain = links(d);
        int links = chain.size();
        PicardOptions po = config.picard();
        PicardKernel.Run[] runs = new PicardKernel.Run[links];
        boolean[][] wasActive = new boolean[links][n];
        List<int[]> logActive = new ArrayList<>();
        List<double[]> logResidual = new ArrayList<>();
        long rowsBefore = ev.rows();
        double[] x = new double[0];
        double[] t = new double[0];
        double[] g = new double[0];
        long[] rowIds = new long[0];
        int[] offset = new int[links];
        boolean[] fin = new boolean[n];
        int started = 0;
        for (int round = 1; ; round++) {
            // Link l joins at round l + 1: its predecessor has exactly one sweep behind it by then.
            if (started < links) {
                Phase ph = chain.get(started);
                double[] z = new double[n * ph.stateSize];
                for (int i = 0; i < n; i++) {
                    startOf(started, chain, runs, y, ids, i, z, i * ph.stateSize);
                }
                runs[started] = new PicardKernel.Run(ph, ids, z, PicardKernel.Plan.blockwise(ph.steps, po), name,
                        blockOfLink(started), null);
                started++;
            }
            int rows = 0;
            for (int l = 0; l < started; l++) {
                offset[l] = rows;
                rows += runs[l].anyActive() ? runs[l].prepare() : 0;
            }
            if (rows == 0) {
                if (started == links) {
                    break;
                }
                round--;
                continue;
            }
            if (x.length < rows * d) {
                x = new double[rows * d];
                g = new double[rows * d];
                t = new double[rows];
                rowIds = new long[rows];
            }
            boolean[] anyLink = new boolean[n];
            for (int l = 0; l < started; l++) {
                if (runs[l].anyActive()) {
                    runs[l].fill(x, t, rowIds, offset[l]);
                }
                for (int i = 0; i < n; i++) {
                    wasActive[l][i] = runs[l].active(i);
                    anyLink[i] |= wasActive[l][i];
                }
            }
            RoundInfo info = new RoundInfo(name, stage, "wavefront", round);
            ev.evaluate(info, x, t, rowIds, rows, g);
            TriangularAnderson.Carry carry = po.andersonActive() ? new TriangularAnderson.Carry(n, po.anderson()) : null;
            List<Integer> act = new ArrayList<>();
            List<Double> res = new ArrayList<>();
            double roundMax = 0.0;
            for (int l = 0; l < started; l++) {
                PicardKernel.Run r = runs[l];
                if (!r.anyActive()) {
                    continue;
                }
                if (l > 0) {
                    double[] buf = new double[r.ph.stateSize];
                    for (int i = 0; i < n; i++) {
                        if (r.active(i)) {
                            startOf(l, chain, runs, y, ids, i, buf, 0);
                            r.setStart(i, buf, 0);
                        }
                        fin[i] = !wasActive[l - 1][i];
                    }
                }
                r.absorb(g, offset[l], l == 0 ? null : fin, carry);
                act.add(l);
                res.add(r.lastSweepResidual());
                roundMax = Math.max(roundMax, r.lastSweepResidual());
                r.release();
            }
            int[] a = new int[act.size()];
            double[] rv = new double[act.size()];
            for (int k = 0; k < a.length; k++) {
                a[k] = act.get(k);
                rv[k] = res.get(k);
            }
            logActive.add(a);
            logResidual.add(rv);
            int activeSamples = 0;
            for (boolean b : anyLink) {
                activeSamples += b ? 1 : 0;
            }
            listener.onSweep(info, roundMax, activeSamples, rows);
        }
        Phase last = chain.get(links - 1);
        double[] buf = new double[last.stateSize];
        for (int i = 0; i < n; i++) {
            runs[links - 1].end(i, buf, 0);
            System.arraycopy(buf, 0, y, i * d, d);
        }
        List<PhaseTrace> traces = new ArrayList<>();
        int[] linkBlock = new int[links];
        String[] linkPhase = new String[links];
        long laidOut = 0;
        for (int l = 0; l < links; l++) {
            linkBlock[l] = blockOfLink(l);
            linkPhase[l] = chain.get(l).name;
            traces.add(runs[l].trace(linkPhase[l] + "[" + linkBlock[l] + "]"));
            laidOut += runs[l].rowsEvaluated();
        }
        if (ev.rows() - rowsBefore != laidOut) {
            throw new IllegalStateException("wavefront: " + (ev.rows() - rowsBefore) + " rows counted, " + laidOut
                    + " laid out");
        }
        RoundLog log = new RoundLog(linkBlock, linkPhase, logActive, logResidual);
        return new StageTrace(stage, config.schedule().concatenatedTimes(), traces, log);
    }

    /**
     * Sample i's start for link l: the initial state for link 0; the predecessor's current end (its x part)
     * for a predictor; for a corrector, that end with the block's fresh velocity v_0 (section 5).
     */
    private void startOf(int l, List<Phase> chain, PicardKernel.Run[] runs, double[] y, long[] ids, int i,
            double[] out, int off) {
        int d = chain.get(0).dim;
        Phase ph = chain.get(l);
        if (l == 0) {
            System.arraycopy(y, i * d, out, off, d);
            return;
        }
        double[] prev = new double[chain.get(l - 1).stateSize];
        runs[l - 1].end(i, prev, 0);
        System.arraycopy(prev, 0, out, off, d);
        if (ph instanceof CorrectorPhase c) {
            c.fillInitialVelocity(ids[i], out, off + d);
        }
    }

    @Override
    public long workingDoublesPerSample(int dim) {
        // Every link's ring, noise and rows may be alive at once (conservative: links release their rings
        // when they stop, but the batch is sized for the worst case).
        long sum = 0;
        for (Phase ph : links(dim)) {
            long slots = ph.steps + 1L;
            sum += slots * ph.stateSize + (long) ph.steps * ph.noiseSize + 2L * ph.steps * dim
                    + TriangularAnderson.doubles((int) slots, ph.stateSize,
                            config.picard().andersonActive() ? config.picard().anderson() : 0);
        }
        return sum + 2L * dim;
    }
}
