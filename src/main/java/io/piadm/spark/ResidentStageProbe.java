package io.piadm.spark;

import io.piadm.eval.CountingEvaluator;
import io.piadm.eval.LocalEvaluator;
import io.piadm.model.ModelSpec;
import io.piadm.plan.Probe;
import io.piadm.sampler.Sampler;
import io.piadm.sampler.SamplerConfig;
import io.piadm.sampler.SamplerKind;
import io.piadm.sampler.SamplingDriver;
import io.piadm.sampler.SamplingListener;
import io.piadm.sampler.Workspace;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;

import java.util.ArrayList;
import java.util.List;

/**
 * The planner's sample-parallel probe: one task per slot, all at once, each running the first blocks of a
 * batch of {@code batch} samples exactly as a resident chunk runs them (the run's model, emulation included,
 * on the task's own threads, its working arrays reused: ResidentTask), on sample ids far from the run's
 * (results thrown away). The median of the tasks' wall times corrects the cost model's CPU demand of a task
 * (CostModel#fitSampleParallel): the task probe times one thread's CPU, and a run's tasks also pay for
 * what runs beside them on the same cores.
 */
final class ResidentStageProbe {
    private ResidentStageProbe() {}

    /** The probe's blocks are chosen to take about this long by the cost model's own prediction. */
    static final double BUDGET_SECONDS = 1.5;
    /** First sample id: beside the other probes' ids, far from any run's. */
    static final long IDS = Probe.PROBE_IDS + (2L << 20);

    /** What the probe ran and measured. */
    static final class Measure {
        final int tasks;
        final int batch;
        final int blocks;
        final double medianTaskSeconds;

        Measure(int tasks, int batch, int blocks, double medianTaskSeconds) {
            this.tasks = tasks;
            this.batch = batch;
            this.blocks = blocks;
            this.medianTaskSeconds = medianTaskSeconds;
        }
    }

    /**
     * @param predictedStages the cost model's prediction (seconds, uncorrected) of blocks 0 .. s-1 in a task
     * @return the measurement, or null when not run (a sliding-window sampler, or its first block alone
     *         predicted over twice the budget)
     */
    static Measure run(JavaSparkContext sc, SamplerKind kind, SamplerConfig config, ModelSpec model, Integer threads,
            int tasks, int batch, int stageCount, java.util.function.IntToDoubleFunction predictedStages) {
        if (kind.walk() == SamplerKind.Walk.SLIDING_WINDOW || predictedStages.applyAsDouble(1) > 2 * BUDGET_SECONDS) {
            return null;
        }
        int blocks = 1;
        while (blocks < stageCount && predictedStages.applyAsDouble(blocks + 1) <= BUDGET_SECONDS) {
            blocks++;
        }
        List<Integer> idx = new ArrayList<>(tasks);
        for (int i = 0; i < tasks; i++) {
            idx.add(i);
        }
        String prev = sc.getLocalProperty("spark.job.description");
        sc.setJobDescription("piadm planner sample-parallel probe (" + kind.id() + ", batch " + batch + ")");
        try {
            List<Double> walls = sc.parallelize(idx, tasks)
                    .map(new Task(kind, config, model, threads, batch, blocks)).collect();
            double[] w = walls.stream().mapToDouble(Double::doubleValue).toArray();
            return new Measure(tasks, batch, blocks, io.piadm.plan.CostModel.median(w));
        } finally {
            sc.setLocalProperty("spark.job.description", prev);
        }
    }

    /** One probe task: wall seconds of its blocks. */
    static final class Task implements Function<Integer, Double> {
        private static final long serialVersionUID = 1L;
        private final SamplerKind kind;
        private final SamplerConfig config;
        private final ModelSpec model;
        /** The run's evaluator threads, or null: the task's cores (as ResidentTask). */
        private final Integer threads;
        private final int batch;
        private final int blocks;

        Task(SamplerKind kind, SamplerConfig config, ModelSpec model, Integer threads, int batch, int blocks) {
            this.kind = kind;
            this.config = config;
            this.model = model;
            this.threads = threads;
            this.batch = batch;
            this.blocks = blocks;
        }

        @Override
        public Double call(Integer i) {
            int d = model.dim();
            long first = IDS + (long) i * batch;
            long[] ids = Probe.ids(first, batch);
            double[] y = SamplingDriver.initialState(config.noise(), first, batch, d);
            Sampler s = kind.create(config, d);
            int t = threads != null ? threads : ExecutorModels.taskContext().cores();
            try (LocalEvaluator le = new LocalEvaluator(ExecutorModels.get(model), t)) {
                CountingEvaluator ev = CountingEvaluator.of(le);
                return SamplingDriver.onOwnThreads(t, () -> {
                    try (Workspace.Scope ws = Workspace.open()) {
                        long t0 = System.nanoTime();
                        for (int stage = 0; stage < blocks; stage++) {
                            s.runStage(stage, ids, y, ev, SamplingListener.NONE);
                        }
                        return (System.nanoTime() - t0) / 1e9;
                    }
                });
            }
        }
    }
}
