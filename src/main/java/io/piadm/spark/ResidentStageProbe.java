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
 *
 * <p>Block 0 is a warm-up, not measured: it ran at 1.26x its prediction where blocks 1 .. 10 ran at
 * 0.97-0.77x (piadm-sde, batch 7, 16 tasks on 16 emulated 20 ms devices, 2 cores; the executors' first real
 * walk: compilation, the Workspace's first arrays). A probe of blocks 0 and 1 then fitted the CPU at 1.02x,
 * and its run of 64-sample chunks (10 batches of every block in a task, so block 0's cost is 1/210 of the
 * task's) came in at 0.76x the prediction. The measured blocks run to {@link #BUDGET_SECONDS}, so that
 * their mix of rows per block is nearer the run's (a Picard block's sweeps fall from 8 to 3 over the run).
 */
final class ResidentStageProbe {
    private ResidentStageProbe() {}

    /** The probe's measured blocks are chosen to take about this long by the cost model's own prediction. */
    static final double BUDGET_SECONDS = 3.0;
    /** Blocks run first and not measured (when the sampler has more blocks than this). */
    static final int WARMUP_BLOCKS = 1;
    /**
     * The probe does not run when its warm-up and first measured block are predicted over this: an ode block
     * at batch 64 on 16 emulated 20 ms devices is predicted 5.7 s and took 6.8 s.
     */
    static final double MAX_SECONDS = 3.0;

    /** The cost model's prediction (seconds, uncorrected) of blocks {@code from .. to - 1} in a task. */
    @FunctionalInterface
    interface StagesPrediction {
        double seconds(int from, int to);
    }
    /** First sample id: beside the other probes' ids, far from any run's. */
    static final long IDS = Probe.PROBE_IDS + (2L << 20);

    /** What the probe ran and measured. */
    static final class Measure {
        final int tasks;
        final int batch;
        /** The measured blocks: {@code firstBlock .. firstBlock + blocks - 1}. */
        final int firstBlock;
        final int blocks;
        /** Median over the tasks of the measured blocks' wall seconds. */
        final double medianTaskSeconds;

        Measure(int tasks, int batch, int firstBlock, int blocks, double medianTaskSeconds) {
            this.tasks = tasks;
            this.batch = batch;
            this.firstBlock = firstBlock;
            this.blocks = blocks;
            this.medianTaskSeconds = medianTaskSeconds;
        }
    }

    /**
     * The blocks the probe runs: {warm-up blocks, measured blocks}, or null when it does not run (the
     * warm-up and the first measured block predicted over {@link #MAX_SECONDS}). A warm-up block predicted
     * over half the budget is measured instead: a sequential block of 128 rounds is 2.9 s at batch 64 on 16
     * emulated 20 ms devices, and its own start-up is a small part of it.
     */
    static int[] blocks(int stageCount, StagesPrediction predicted) {
        int warm = stageCount > WARMUP_BLOCKS && predicted.seconds(0, WARMUP_BLOCKS) <= BUDGET_SECONDS / 2
                ? WARMUP_BLOCKS : 0;
        if (predicted.seconds(0, warm + 1) > MAX_SECONDS) {
            return null;
        }
        int measured = 1;
        while (warm + measured < stageCount && predicted.seconds(warm, warm + measured + 1) <= BUDGET_SECONDS) {
            measured++;
        }
        return new int[] {warm, measured};
    }

    /**
     * @param predicted the cost model's prediction (seconds, uncorrected) of a range of blocks in a task
     * @return the measurement, or null when not run (a sliding-window sampler, or {@link #blocks} refused)
     */
    static Measure run(JavaSparkContext sc, SamplerKind kind, SamplerConfig config, ModelSpec model, Integer threads,
            int tasks, int batch, int stageCount, StagesPrediction predicted) {
        int[] plan = kind.walk() == SamplerKind.Walk.SLIDING_WINDOW ? null : blocks(stageCount, predicted);
        if (plan == null) {
            return null;
        }
        int warm = plan[0];
        int blocks = plan[1];
        List<Integer> idx = new ArrayList<>(tasks);
        for (int i = 0; i < tasks; i++) {
            idx.add(i);
        }
        String prev = sc.getLocalProperty("spark.job.description");
        sc.setJobDescription("piadm planner sample-parallel probe (" + kind.id() + ", batch " + batch + ")");
        try {
            List<Double> walls = sc.parallelize(idx, tasks)
                    .map(new Task(kind, config, model, threads, batch, warm, blocks)).collect();
            double[] w = walls.stream().mapToDouble(Double::doubleValue).toArray();
            return new Measure(tasks, batch, warm, blocks, io.piadm.plan.CostModel.median(w));
        } finally {
            sc.setLocalProperty("spark.job.description", prev);
        }
    }

    /** One probe task: wall seconds of its measured blocks (after its warm-up blocks). */
    static final class Task implements Function<Integer, Double> {
        private static final long serialVersionUID = 1L;
        private final SamplerKind kind;
        private final SamplerConfig config;
        private final ModelSpec model;
        /** The run's evaluator threads, or null: the task's cores (as ResidentTask). */
        private final Integer threads;
        private final int batch;
        private final int warm;
        private final int blocks;

        Task(SamplerKind kind, SamplerConfig config, ModelSpec model, Integer threads, int batch, int warm,
                int blocks) {
            this.kind = kind;
            this.config = config;
            this.model = model;
            this.threads = threads;
            this.batch = batch;
            this.warm = warm;
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
                        for (int stage = 0; stage < warm; stage++) {
                            s.runStage(stage, ids, y, ev, SamplingListener.NONE);
                        }
                        long t0 = System.nanoTime();
                        for (int stage = warm; stage < warm + blocks; stage++) {
                            s.runStage(stage, ids, y, ev, SamplingListener.NONE);
                        }
                        return (System.nanoTime() - t0) / 1e9;
                    }
                });
            }
        }
    }
}
