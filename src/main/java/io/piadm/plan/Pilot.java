package io.piadm.plan;

import io.piadm.eval.RoundInfo;
import io.piadm.eval.ScoreEvaluator;
import io.piadm.model.DiagonalGaussian;
import io.piadm.model.EmulatedAccelerator;
import io.piadm.model.ModelSpec;
import io.piadm.model.ScoreModel;
import io.piadm.sampler.SamplerConfig;
import io.piadm.sampler.SamplerKind;
import io.piadm.sampler.SamplingDriver;
import io.piadm.sampler.SamplingListener;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A cheap pilot of a sampler on the driver, to learn the shape of its rounds before choosing a placement
 * (how many Picard sweeps each block needs is known only by running it). The first {@code k} samples of
 * the run itself (same seed, same ids), one at a time on this thread:
 * <ul>
 *   <li>models with a known law (analytic targets): the exact model with any accelerator emulation
 *       stripped, so the pilot samples are those of the run and the sweeps are exact for them;</li>
 *   <li>other models (networks): a Gaussian surrogate N(0, I) of dimension d, whose second moment d is the
 *       one the schedule assumes for a model without a known law (ScheduleConfig), so the pilot costs
 *       no network load and no GPU; its sweeps are an estimate of the network's.</li>
 * </ul>
 * With k samples the sweeps of a batch are estimated by the most any of them needed; in high dimension a
 * sample's scaled residual concentrates (it is a mean over d coordinates), so samples need nearly the
 * same sweeps.
 */
public final class Pilot {
    private Pilot() {}

    /** The model a pilot runs for {@code spec}, and a sentence saying which, for run.json. */
    public static final class PilotModel {
        public final ModelSpec spec;
        public final String description;

        PilotModel(ModelSpec spec, String description) {
            this.spec = spec;
            this.description = description;
        }
    }

    public static PilotModel modelFor(ModelSpec spec) {
        ModelSpec plain = EmulatedAccelerator.strip(spec);
        if (plain.analyticTarget() != null) {
            return new PilotModel(plain, "exact model " + plain.id()
                    + (plain == spec ? "" : " (accelerator emulation stripped)") + "; the run's first samples");
        }
        int d = spec.dim();
        return new PilotModel(DiagonalGaussian.isotropic(d, 0, 1), "Gaussian surrogate N(0, I_" + d + ") of second"
                + " moment d (the schedule's assumption for a model without a known law) instead of " + plain.id());
    }

    /** Records the rows of every round and the model's CPU time. */
    private static final class Recorder implements ScoreEvaluator {
        final ScoreModel model;
        final ThreadMXBean mx;
        final List<Object[]> calls = new ArrayList<>(); // {stage, phase, sweep, rows}
        long modelCpuNanos;
        long rows;

        Recorder(ScoreModel model, ThreadMXBean mx) {
            this.model = model;
            this.mx = mx;
        }

        @Override
        public int dim() {
            return model.dim();
        }

        @Override
        public void evaluate(RoundInfo round, double[] x, double[] t, long[] ids, int n, double[] out) {
            long c0 = cpu(mx);
            model.score(x, t, ids, 0, n, out);
            modelCpuNanos += cpu(mx) - c0;
            rows += n;
            calls.add(new Object[] {round.stage(), round.phase(), round.sweep(), n});
        }

        @Override
        public String describe() {
            return "pilot";
        }
    }

    private static long cpu(ThreadMXBean mx) {
        return mx != null ? mx.getCurrentThreadCpuTime() : System.nanoTime();
    }

    /**
     * Runs {@code samples} pilot samples (ids {@code firstSample, firstSample + 1, ...}) of {@code kind}.
     */
    public static RoundProfile run(SamplerKind kind, SamplerConfig config, ModelSpec spec, long firstSample,
            int samples) {
        if (samples < 1) {
            throw new IllegalArgumentException("a pilot needs >= 1 sample, got " + samples);
        }
        PilotModel pm = modelFor(spec);
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        if (!mx.isCurrentThreadCpuTimeSupported()) {
            mx = null;
        } else if (!mx.isThreadCpuTimeEnabled()) {
            mx.setThreadCpuTimeEnabled(true);
        }
        long w0 = System.nanoTime();
        long c0 = cpu(mx);
        long modelCpu = 0;
        long rows = 0;
        // (stage, phase) -> per sample, rows of each sweep
        Map<String, List<List<Integer>>> byPhase = new LinkedHashMap<>();
        Map<String, Object[]> keys = new LinkedHashMap<>();
        try (ScoreModel model = pm.spec.build()) {
            for (int i = 0; i < samples; i++) {
                Recorder rec = new Recorder(model, mx);
                new SamplingDriver(kind.create(config, spec.dim()), rec, 1).run(firstSample + i, 1, SamplingListener.NONE);
                modelCpu += rec.modelCpuNanos;
                rows += rec.rows;
                for (Object[] c : rec.calls) {
                    String key = c[0] + "/" + c[1];
                    keys.putIfAbsent(key, new Object[] {c[0], c[1]});
                    List<List<Integer>> per = byPhase.computeIfAbsent(key, k -> new ArrayList<>());
                    while (per.size() <= i) {
                        per.add(new ArrayList<>());
                    }
                    per.get(i).add((Integer) c[3]);
                }
            }
        }
        long cpuTotal = cpu(mx) - c0;
        double wall = (System.nanoTime() - w0) / 1e9;
        List<RoundProfile.PhaseRounds> phases = new ArrayList<>();
        for (Map.Entry<String, List<List<Integer>>> e : byPhase.entrySet()) {
            int sweeps = 0;
            for (List<Integer> s : e.getValue()) {
                sweeps = Math.max(sweeps, s.size());
            }
            double[] widths = new double[sweeps];
            for (List<Integer> s : e.getValue()) {
                for (int k = 0; k < s.size(); k++) {
                    widths[k] += s.get(k) / (double) samples;
                }
            }
            Object[] k = keys.get(e.getKey());
            phases.add(new RoundProfile.PhaseRounds((Integer) k[0], (String) k[1], widths));
        }
        double samplerCpu = rows == 0 ? 0 : Math.max(0, cpuTotal - modelCpu) / 1e9 / rows;
        double modelPerRow = rows == 0 ? 0 : modelCpu / 1e9 / rows;
        return new RoundProfile(kind.id(), phases, samplerCpu, modelPerRow, samples, wall, pm.description)
                .withPilotCpu(mx != null ? cpuTotal / 1e9 : Double.NaN);
    }
}
