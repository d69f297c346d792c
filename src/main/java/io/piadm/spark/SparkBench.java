package io.piadm.spark;

import io.piadm.eval.LocalEvaluator;
import io.piadm.eval.RoundInfo;
import io.piadm.model.DiagonalGaussian;
import io.piadm.model.ModelSpec;
import io.piadm.sampler.SamplerConfig;
import io.piadm.sampler.SamplerKind;
import io.piadm.sampler.SamplingDriver;
import io.piadm.sampler.SamplingListener;

import org.apache.spark.api.java.JavaSparkContext;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Latency measurements of the time-parallel evaluator: the two ways to ship a round
 * ({@link #shipping}) and Spark's overhead over the local evaluator on the same job ({@link #overhead}).
 * Medians of per-round wall times after a warm-up (a fresh SparkContext's first jobs are ~3x slower).
 */
public final class SparkBench {
    private SparkBench() {}

    /** Median of a list of nanosecond durations, in milliseconds. */
    static double medianMs(List<Long> nanos) {
        long[] a = nanos.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(a);
        if (a.length == 0) {
            return Double.NaN;
        }
        double m = a.length % 2 == 1 ? a[a.length / 2] : 0.5 * (a[a.length / 2 - 1] + a[a.length / 2]);
        return m / 1e6;
    }

    /**
     * Rounds of {@code rows} rows with each shipping mode, alternated in slices of 20 rounds so both see
     * the same machine load; returns median ms per round by mode.
     */
    public static Map<String, Double> shipping(JavaSparkContext sc, ModelSpec spec, int rows, int partitions,
            int warmup, int rounds) {
        int d = spec.dim();
        double[] x = new double[rows * d];
        double[] t = new double[rows];
        for (int i = 0; i < x.length; i++) {
            x[i] = StrictMath.sin(i);
        }
        for (int i = 0; i < rows; i++) {
            t[i] = 0.05 + 2.0 * i / rows;
        }
        double[] out = new double[rows * d];
        SparkTimeEvaluator.Shipping[] modes = SparkTimeEvaluator.Shipping.values();
        List<List<Long>> times = new ArrayList<>();
        List<SparkTimeEvaluator> evs = new ArrayList<>();
        for (SparkTimeEvaluator.Shipping m : modes) {
            times.add(new ArrayList<>());
            evs.add(new SparkTimeEvaluator(sc, spec, partitions, m, 1));
        }
        RoundInfo info = new RoundInfo("bench", 0, "shipping", 1);
        for (int w = 0; w < warmup; w++) {
            evs.get(w % modes.length).evaluate(info, x, t, rows, out);
        }
        int slice = 20;
        for (int done = 0; done < rounds; done += slice) {
            for (int k = 0; k < modes.length; k++) {
                for (int r = 0; r < Math.min(slice, rounds - done); r++) {
                    long s = System.nanoTime();
                    evs.get(k).evaluate(info, x, t, rows, out);
                    times.get(k).add(System.nanoTime() - s);
                }
            }
        }
        Map<String, Double> res = new LinkedHashMap<>();
        for (int k = 0; k < modes.length; k++) {
            res.put(modes[k].name().toLowerCase(), medianMs(times.get(k)));
        }
        return res;
    }

    /** Result of {@link #overhead}: median ms per round of each evaluator on the same job. */
    public static final class Overhead {
        /** Median ms per round of the Spark evaluator, by transport, in the order measured. */
        public final Map<SparkTimeEvaluator.Transport, Double> sparkMsPerRound;
        public final Map<SparkTimeEvaluator.Transport, String> sparkEvaluator;
        public final double localMsPerRound;
        public final long roundsPerRun;
        public final int runs;
        public final String localEvaluator;

        Overhead(Map<SparkTimeEvaluator.Transport, Double> spark, Map<SparkTimeEvaluator.Transport, String> se,
                double local, long rounds, int runs, String le) {
            this.sparkMsPerRound = spark;
            this.sparkEvaluator = se;
            this.localMsPerRound = local;
            this.roundsPerRun = rounds;
            this.runs = runs;
            this.localEvaluator = le;
        }

        /** What Spark adds per round with {@code t}: its median minus the local evaluator's. */
        public double differenceMs(SparkTimeEvaluator.Transport t) {
            return sparkMsPerRound.get(t) - localMsPerRound;
        }

        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("localEvaluator", localEvaluator);
            m.put("runs", runs);
            m.put("roundsPerRun", roundsPerRun);
            m.put("localMedianMsPerRound", localMsPerRound);
            for (SparkTimeEvaluator.Transport t : sparkMsPerRound.keySet()) {
                String k = t.name().toLowerCase();
                m.put(k + "Evaluator", sparkEvaluator.get(t));
                m.put(k + "MedianMsPerRound", sparkMsPerRound.get(t));
                m.put(k + "DifferenceMsPerRound", differenceMs(t));
            }
            return m;
        }
    }

    /**
     * The same sampling job run {@code warmupRuns + runs} times with the time-parallel Spark evaluator in
     * each of {@code transports} and with the local evaluator, interleaved run by run so all see the same
     * machine load; medians over the rounds of the measured runs. Also checks that every evaluator gives
     * bitwise the same samples (a benchmark of a wrong result is worthless).
     */
    public static Overhead overhead(JavaSparkContext sc, ModelSpec spec, String sampler, SamplerConfig cfg,
            long first, int count, int partitions, int threads, int warmupRuns, int runs,
            List<SparkTimeEvaluator.Transport> transports) {
        int stages = SamplerKind.of(sampler).create(cfg, spec.dim()).stageCount();
        // A fresh evaluator per run and transport, closed before the next: a live score service holds every
        // task slot, so no other job could run beside it (and each real run starts its own service too;
        // its start-up falls on the first round of a run, which the median over rounds does not see).
        List<List<Long>> nanos = new ArrayList<>();
        List<String> desc = new ArrayList<>();
        for (int k = 0; k < transports.size(); k++) {
            nanos.add(new ArrayList<>());
            desc.add(null);
        }
        io.piadm.eval.TimedEvaluator local = new io.piadm.eval.TimedEvaluator(new LocalEvaluator(spec.build(), threads));
        long rounds = 0;
        try {
            for (int r = 0; r < warmupRuns + runs; r++) {
                if (r == warmupRuns) {
                    for (List<Long> n : nanos) {
                        n.clear();
                    }
                    local.clear();
                }
                var res = new SamplingDriver(SamplerKind.of(sampler).create(cfg, spec.dim()), local, count)
                        .run(first, count, SamplingListener.NONE);
                rounds = res.rounds();
                for (int k = 0; k < transports.size(); k++) {
                    io.piadm.eval.TimedEvaluator s = new io.piadm.eval.TimedEvaluator(new SparkTimeEvaluator(sc, spec, partitions,
                            SparkTimeEvaluator.Shipping.PARTITIONS, stages, transports.get(k)));
                    double[] a;
                    try {
                        a = new SamplingDriver(SamplerKind.of(sampler).create(cfg, spec.dim()), s, count)
                                .run(first, count, SamplingListener.NONE).samples();
                    } finally {
                        s.inner().close();
                    }
                    nanos.get(k).addAll(s.nanos);
                    desc.set(k, s.describe());
                    if (!Arrays.equals(a, res.samples())) {
                        throw new IllegalStateException(s.describe() + " and the local evaluator gave different samples");
                    }
                }
            }
        } finally {
            local.inner().close();
        }
        Map<SparkTimeEvaluator.Transport, Double> ms = new LinkedHashMap<>();
        Map<SparkTimeEvaluator.Transport, String> descs = new LinkedHashMap<>();
        for (int k = 0; k < transports.size(); k++) {
            ms.put(transports.get(k), medianMs(nanos.get(k)));
            descs.put(transports.get(k), desc.get(k));
        }
        return new Overhead(ms, descs, medianMs(local.nanos), rounds, runs, local.describe());
    }

    /**
     * {@code java ... io.piadm.spark.SparkBench [rows] [partitions] [rounds]}: the shipping comparison in
     * local[2]; {@code SparkBench overhead}: the Spark-vs-local overhead on a small piadm-sde job.
     */
    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("overhead")) {
            var session = SparkSessions.getOrCreate(new SparkSessions.Options().master("local[2]").ui(false));
            try {
                ModelSpec spec = DiagonalGaussian.isotropic(16, 0.5, 0.8);
                SamplerConfig cfg = SamplerConfig.of(new io.piadm.schedule.ScheduleConfig(16).stepsPerBlock(32)
                        .build(), 1).withPicard(io.piadm.sampler.PicardOptions.fixed(4));
                Overhead o = overhead(SparkSessions.javaContext(session), spec, "piadm-sde", cfg, 0, 2,
                        args.length > 3 ? Integer.parseInt(args[3]) : 2, 1,
                        args.length > 1 ? Integer.parseInt(args[1]) : 3, args.length > 2 ? Integer.parseInt(args[2]) : 5,
                        List.of(SparkTimeEvaluator.Transport.values()));
                System.out.println("overhead " + o.toMap());
            } finally {
                session.stop();
            }
            return;
        }
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 256;
        int parts = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        var session = SparkSessions.getOrCreate(new SparkSessions.Options().master("local[2]").ui(false));
        try {
            ModelSpec spec = DiagonalGaussian.isotropic(16, 0.5, 0.8);
            int n = args.length > 2 ? Integer.parseInt(args[2]) : 300;
            Map<String, Double> r = shipping(SparkSessions.javaContext(session), spec, rows, parts, n, n);
            System.out.println("shipping local[2], gaussian d=16, rows=" + rows + ", partitions=" + parts
                    + ", median ms/round: " + r);
        } finally {
            session.stop();
        }
    }
}
