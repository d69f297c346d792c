package io.piadm.train;

import io.piadm.eval.LocalEvaluator;
import io.piadm.metrics.Mmd;
import io.piadm.model.DiagonalGaussian;
import io.piadm.model.ScoreModel;
import io.piadm.model.onnx.GaussianOnnxGraph;
import io.piadm.model.onnx.OnnxModelSpec;
import io.piadm.sampler.SamplerConfig;
import io.piadm.sampler.SamplerKind;
import io.piadm.sampler.SamplingDriver;
import io.piadm.sampler.SamplingListener;
import io.piadm.sampler.SamplingResult;
import io.piadm.schedule.Schedule;
import io.piadm.schedule.ScheduleConfig;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * End-to-end acceptance measurement of the ONNX path (run once by hand, not a unit test):
 * <ol>
 *   <li>the committed two-moons model sampled with sde, ode, piadm-sde, piadm-ode on one grid: MMD^2 of
 *       2000 samples against fresh two-moons data, rounds and evaluations;</li>
 *   <li>the exact-Gaussian ONNX graph against DiagonalGaussian: same seed, same sampler, largest sample
 *       difference.</li>
 * </ol>
 * Usage: {@code OnnxAcceptance [MODEL] [STEPS_PER_BLOCK] [COUNT]}.
 */
public final class OnnxAcceptance {
    public static void main(String[] args) throws Exception {
        String model = args.length > 0 ? args[0] : "models/two-moons.onnx";
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 32;
        int count = args.length > 2 ? Integer.parseInt(args[2]) : 2000;
        long seed = 7;
        int threads = Runtime.getRuntime().availableProcessors();

        OnnxModelSpec spec = OnnxModelSpec.parse(model);
        ScoreModel net = spec.build();
        Schedule schedule = new ScheduleConfig(2).stepsPerBlock(steps).build();
        ToyDataset moons = ToyDataset.parse("two-moons");
        double[] fresh = moons.sample(987654321L, count);
        double[] fresh2 = moons.sample(123456789L, count);
        System.out.printf("model %s (sha256 %s), grid: %d blocks x %d steps, %d samples, seed %d%n",
                spec.id(), spec.sha256(), schedule.blocks().size(), steps, count, seed);
        // One Gaussian kernel for every comparison: the median-heuristic bandwidth of two fresh data sets.
        // Two kernels: the median-heuristic bandwidth of two fresh data sets (~1.1, sees the global shape)
        // and 0.1 (the moons' width: sees samples that fall between the arcs).
        double h = Mmd.medianBandwidth(fresh, count, fresh2, count, 2);
        double fine = 0.1;
        System.out.printf("MMD^2 (metrics.Mmd, all %d points) between two fresh two-moons sets: %.3e (h=%.3f), %.3e (h=%.1f)%n",
                count, Mmd.mmd2(fresh, count, fresh2, count, 2, h, count).mmd2, h,
                Mmd.mmd2(fresh, count, fresh2, count, 2, fine, count).mmd2, fine);
        try (LocalEvaluator ev = new LocalEvaluator(net, threads)) {
            for (String name : new String[] {"sde", "ode", "piadm-sde", "piadm-ode"}) {
                SamplerConfig cfg = SamplerConfig.of(schedule, seed);
                SamplingDriver drv = new SamplingDriver(SamplerKind.of(name).create(cfg, 2), ev, count);
                SamplingResult r = drv.run(0, count, SamplingListener.NONE);
                double mmd = Mmd.mmd2(r.samples(), count, fresh, count, 2, h, count).mmd2;
                double mmdFine = Mmd.mmd2(r.samples(), count, fresh, count, 2, fine, count).mmd2;
                System.out.printf("%-10s rounds %5d  evals/sample %7.1f  wall %6.2f s  MMD^2 %.3e (h=%.3f)  %.3e (h=%.1f)%n",
                        name, r.rounds(), r.evaluationsPerSample(), r.wallSeconds(), mmd, h, mmdFine, fine);
                if (args.length > 3) {
                    StringBuilder csv = new StringBuilder("x,y\n");
                    for (int i = 0; i < count; i++) {
                        csv.append(r.samples()[2 * i]).append(',').append(r.samples()[2 * i + 1]).append('\n');
                    }
                    Files.writeString(Path.of(args[3], name + ".csv"), csv);
                }
            }
        }

        // Exact-Gaussian graph vs the analytic model: same sampler, seed and grid.
        int d = 4;
        double[] mu = {1.0, -0.5, 0.25, 2.0};
        double[] sd = {0.5, 0.5, 0.5, 0.5};
        Path g = Files.createTempFile("gaussian-eps", ".onnx");
        Files.write(g, new GaussianOnnxGraph(mu, sd).toBytes());
        ScoreModel onnxG = OnnxModelSpec.parse(g + ",param=eps").build();
        DiagonalGaussian exact = new DiagonalGaussian(mu, sd);
        Schedule gs = new ScheduleConfig(d).stepsPerBlock(steps).build();
        for (String name : new String[] {"sde", "ode", "piadm-sde", "piadm-ode"}) {
            SamplerConfig cfg = SamplerConfig.of(gs, seed);
            SamplingResult a;
            SamplingResult b;
            try (LocalEvaluator ea = new LocalEvaluator(onnxG, threads);
                    LocalEvaluator eb = new LocalEvaluator(exact, threads)) {
                a = new SamplingDriver(SamplerKind.of(name).create(cfg, d), ea, count).run(0, count, SamplingListener.NONE);
                b = new SamplingDriver(SamplerKind.of(name).create(cfg, d), eb, count).run(0, count, SamplingListener.NONE);
            }
            double worst = 0;
            for (int i = 0; i < count * d; i++) {
                worst = Math.max(worst, Math.abs(a.samples()[i] - b.samples()[i]));
            }
            System.out.printf("gaussian %-10s max |onnx - analytic| over %d samples: %.2e (rounds %d vs %d)%n",
                    name, count, worst, a.rounds(), b.rounds());
        }
        Files.deleteIfExists(g);
    }
}
