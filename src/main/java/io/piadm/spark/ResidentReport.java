package io.piadm.spark;

import io.piadm.sampler.StageTrace;

import org.apache.spark.util.AccumulatorV2;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What the tasks of an executor-resident run send back to the driver, merged like an aggregator (cf. MLlib's
 * GaussianMixture aggregating sufficient statistics): per chunk its stage traces, where it resumed from,
 * its task attempt, and its rows of the run's subsample. On the driver the reports are folded in as they
 * arrive, into per-stage merged traces ({@link StageTrace#merge}), O(chunks) of metadata and the
 * preallocated subsample rows, so the driver never holds O(N x d).
 *
 * <p>Spark merges the accumulator update of a successful task once per partition of a result stage and
 * drops those of failed attempts (AccumulatorV2 docs: updates in actions are applied exactly once), so a
 * retried chunk is counted once. Excluded from heartbeats: a running task's subsample rows are not
 * metrics.
 */
public final class ResidentReport extends AccumulatorV2<ResidentReport.Chunk, ResidentReport> {
    private static final long serialVersionUID = 1L;

    /** One chunk's report, built by its task. */
    public static final class Chunk implements Serializable {
        private static final long serialVersionUID = 1L;
        final int index;
        /** First stage the chunk ran in this attempt (0: from the start; stageCount: all done before). */
        final int resumedAt;
        final int attempt;
        final String executor;
        final List<StageTrace> traces;
        final long[] subsampleIds;
        final double[] subsampleRows;
        final double seconds;
        final double checkpointSeconds;

        Chunk(int index, int resumedAt, int attempt, String executor, List<StageTrace> traces, long[] subsampleIds,
                double[] subsampleRows, double seconds, double checkpointSeconds) {
            this.checkpointSeconds = checkpointSeconds;
            this.index = index;
            this.resumedAt = resumedAt;
            this.attempt = attempt;
            this.executor = executor;
            this.traces = new ArrayList<>(traces);
            this.subsampleIds = subsampleIds;
            this.subsampleRows = subsampleRows;
            this.seconds = seconds;
        }
    }

    /** Driver side: the merged result; null in the copies tasks fill. */
    private transient Summary summary;
    /** Task side: the reports of this task's chunks. */
    private final ArrayList<Chunk> pending = new ArrayList<>();

    private ResidentReport() {}

    /** The driver's accumulator of a run with {@code chunks} chunks, {@code stages} stages, and its subsample. */
    static ResidentReport forDriver(int chunks, int stages, long[] subsampleIds, int dim) {
        ResidentReport r = new ResidentReport();
        r.summary = new Summary(chunks, stages, subsampleIds, dim);
        return r;
    }

    /** The merged reports. */
    public static final class Summary {
        final StageTrace[] stages;
        /** Per chunk: the stage it resumed at in its successful attempt (-1: no report yet). */
        final int[] resumedAt;
        final int[] attempt;
        final String[] executor;
        final long[] subsampleIds;
        final double[] subsampleRows;
        final int dim;
        int reported;
        int duplicates;
        double taskSeconds;
        double checkpointSeconds;

        Summary(int chunks, int stages, long[] subsampleIds, int dim) {
            this.stages = new StageTrace[stages];
            this.resumedAt = new int[chunks];
            Arrays.fill(resumedAt, -1);
            this.attempt = new int[chunks];
            this.executor = new String[chunks];
            this.subsampleIds = subsampleIds;
            this.subsampleRows = new double[subsampleIds.length * dim];
            this.dim = dim;
        }

        void fold(Chunk c) {
            if (resumedAt[c.index] >= 0) {
                duplicates++; // the same chunk from a second successful attempt: identical bits, count once
                return;
            }
            if (c.traces.size() != stages.length) {
                throw new IllegalStateException("chunk " + c.index + " reported " + c.traces.size() + " stage traces, expected "
                        + stages.length);
            }
            for (int s = 0; s < stages.length; s++) {
                StageTrace t = c.traces.get(s);
                stages[s] = stages[s] == null ? t : stages[s].merge(t);
            }
            resumedAt[c.index] = c.resumedAt;
            attempt[c.index] = c.attempt;
            executor[c.index] = c.executor;
            taskSeconds += c.seconds;
            checkpointSeconds += c.checkpointSeconds;
            for (int i = 0; i < c.subsampleIds.length; i++) {
                int at = Arrays.binarySearch(subsampleIds, c.subsampleIds[i]);
                if (at < 0) {
                    throw new IllegalStateException("chunk " + c.index + " sent id " + c.subsampleIds[i]
                            + ", which is not in the subsample");
                }
                System.arraycopy(c.subsampleRows, i * dim, subsampleRows, at * dim, dim);
            }
            reported++;
        }
    }

    public Summary summary() {
        return summary;
    }

    @Override
    public boolean isZero() {
        return pending.isEmpty() && (summary == null || summary.reported == 0);
    }

    @Override
    public ResidentReport copy() {
        ResidentReport r = new ResidentReport();
        r.pending.addAll(pending);
        return r;
    }

    @Override
    public void reset() {
        pending.clear();
    }

    @Override
    public void add(Chunk c) {
        if (summary != null) {
            summary.fold(c);
        } else {
            pending.add(c);
        }
    }

    @Override
    public void merge(AccumulatorV2<Chunk, ResidentReport> other) {
        for (Chunk c : ((ResidentReport) other).pending) {
            add(c);
        }
    }

    @Override
    public ResidentReport value() {
        return this;
    }

    @Override
    public boolean excludeFromHeartbeat() {
        return true;
    }
}
