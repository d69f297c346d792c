package io.piadm.plan;

import io.piadm.eval.CountingEvaluator;
import io.piadm.eval.LocalEvaluator;
import io.piadm.model.ModelSpec;
import io.piadm.model.ScoreModel;
import io.piadm.sampler.PicardOptions;
import io.piadm.sampler.Sampler;
import io.piadm.sampler.SamplerConfig;
import io.piadm.sampler.SamplerKind;
import io.piadm.sampler.SamplingDriver;
import io.piadm.sampler.SamplingListener;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * A short probe of the sampler's own cost at the batch size a placement will use: the first block of a
 * batch of b samples, with two fixed Picard sweeps (a sequential sampler: its block as it is), on the model
 * without emulation. The pilot runs one sample at a time, whose working set fits in cache; a batch's
 * M x d x b working set does not, and its per-row cost can be several times the pilot's (measured: about
 * 7x for piadm-sde at d = 1024 and 16 samples per task on the build machine). Ids are far from the run's,
 * so nothing is shared with it.
 */
public final class Probe {
    private Probe() {}

    /**
     * First sample id of the probes: near the top of the noise's id range [0, 2^32), far from any run's
     * samples (the probes' results are thrown away; they only take time).
     */
    public static final long PROBE_IDS = (1L << 32) - (1L << 24);

    /** The sampler and config a probe runs: two fixed sweeps per Picard phase. */
    public static Sampler sampler(SamplerKind kind, SamplerConfig config, int dim) {
        SamplerConfig c = kind.walk() == SamplerKind.Walk.PICARD_BLOCKS ? config.withPicard(PicardOptions.fixed(2))
                : config;
        return kind.create(c, dim);
    }

    /** {wall seconds, thread CPU seconds, rows} of the probe on this thread (plus the evaluator's threads). */
    public static double[] run(SamplerKind kind, SamplerConfig config, ModelSpec plainModel, long firstId, int batch,
            int threads) {
        int d = plainModel.dim();
        Sampler s = sampler(kind, config, d);
        long[] ids = new long[batch];
        for (int i = 0; i < batch; i++) {
            ids[i] = firstId + i;
        }
        double[] y = SamplingDriver.initialState(config.noise(), firstId, batch, d);
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        boolean cpuClock = mx.isCurrentThreadCpuTimeSupported();
        try (ScoreModel m = plainModel.build(); LocalEvaluator le = new LocalEvaluator(m, threads)) {
            CountingEvaluator ev = CountingEvaluator.of(le);
            long c0 = cpuClock ? mx.getCurrentThreadCpuTime() : 0;
            long w0 = System.nanoTime();
            s.runStage(0, ids, y, ev, SamplingListener.NONE);
            double wall = (System.nanoTime() - w0) / 1e9;
            double cpu = cpuClock ? (mx.getCurrentThreadCpuTime() - c0) / 1e9 : wall;
            return new double[] {wall, cpu, ev.rows()};
        }
    }

    /**
     * Driver wall seconds per row at a batch of {@code batch} (the driver's threads, its load), without the
     * model: in a time-parallel run the executors score. The probe's rows do not depend on the scores (fixed
     * sweeps), so it scores with zeros.
     */
    public static double driverRowSeconds(SamplerKind kind, SamplerConfig config, int dim, int batch) {
        if (kind.walk() == SamplerKind.Walk.SLIDING_WINDOW) {
            return Double.NaN; // one stage is the whole run: no short probe
        }
        ModelSpec zero = new Zero(dim);
        run(kind, config, zero, PROBE_IDS, Math.min(batch, 2), 1); // JIT warm-up of the hot loops
        double[] r = run(kind, config, zero, PROBE_IDS, batch, 1);
        return r[2] == 0 ? Double.NaN : r[0] / r[2];
    }

    /** A model scoring zero everywhere (serialisable, for tasks). */
    public static ModelSpec zero(int dim) {
        return new Zero(dim);
    }

    /** A model scoring zero everywhere: the scan's cost without the model's. */
    static final class Zero implements ModelSpec {
        private static final long serialVersionUID = 1L;
        private final int dim;

        Zero(int dim) {
            this.dim = dim;
        }

        @Override
        public int dim() {
            return dim;
        }

        @Override
        public ScoreModel build(io.piadm.model.ExecutionContext context) {
            return new ScoreModel() {
                @Override
                public int dim() {
                    return dim;
                }

                @Override
                public void score(double[] x, double[] t, int from, int n, double[] out) {
                    java.util.Arrays.fill(out, from * dim, (from + n) * dim, 0.0);
                }
            };
        }

        @Override
        public String id() {
            return "zero:d=" + dim;
        }

        @Override
        public java.util.Map<String, Object> describe() {
            return java.util.Map.of("type", "zero", "d", dim);
        }
    }
}
