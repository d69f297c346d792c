package io.piadm.spark;

import io.piadm.eval.RoundInfo;
import io.piadm.model.ModelSpec;
import io.piadm.model.ScoreModel;
import io.piadm.plan.Calibration;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.api.java.function.VoidFunction;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/**
 * The short calibration behind the planner's predictions (issue 8, item 3): a few seconds of measurements
 * on the live cluster, before the run (the score service would otherwise hold every slot). Medians after
 * warm-ups; see {@link Calibration} for what each number is.
 */
public final class Calibrator {
    private Calibrator() {}

    /** Batch sizes of the model-call calibration (capped by the largest call the run makes and memory). */
    static final int[] CALL_BATCHES = {1, 16, 128, 1024, 4096};
    /** Largest x array one calibration call builds: 2^22 doubles (32 MiB). */
    static final long MAX_CALL_DOUBLES = 1L << 22;
    /** Wall window of the capacity measurement: each task (or driver thread) spins this long. */
    static final long SPIN_WALL_NANOS = 250_000_000L;

    /**
     * @param spec    the run's model (with its emulation, if any)
     * @param tiles   score-service tasks the run would use
     * @param maxRows the largest model call the run can make (rows), to bound the call calibration
     */
    public static Calibration run(JavaSparkContext sc, ModelSpec spec, ClusterSlots cluster, int tiles, long maxRows) {
        return run(sc, spec, cluster, tiles, maxRows, null, 0);
    }

    /**
     * @param taskPayload what a sample-parallel task's closure carries (the job), so that the all-slots job
     *                    latency includes shipping and deserialising it; null: an empty closure
     * @param driverFloor cores' worth of CPU the driver is known to get (a pilot's share of a core over its
     *                    whole run); the short spin measurement cannot go below it
     */
    public static Calibration run(JavaSparkContext sc, ModelSpec spec, ClusterSlots cluster, int tiles, long maxRows,
            java.io.Serializable taskPayload, double driverFloor) {
        return run(sc, spec, cluster, tiles, maxRows, taskPayload, driverFloor, null);
    }

    /**
     * @param stagingDir where the write-job calibration writes its small Parquet tables (a directory of its
     *                   own, removed after): the run's checkpoint directory, so that it is the file system the
     *                   resident run writes to, when it exists already; else (or null) a local temporary
     *                   directory (as a resident run without checkpoints stages its table)
     */
    public static Calibration run(JavaSparkContext sc, ModelSpec spec, ClusterSlots cluster, int tiles, long maxRows,
            java.io.Serializable taskPayload, double driverFloor, String stagingDir) {
        long t0 = System.nanoTime();
        int slots = cluster.slots();
        String prevDesc = sc.getLocalProperty("spark.job.description");
        sc.setJobDescription("piadm planner calibration");
        try {
            // Empty jobs: a fresh context's first jobs are several times slower, so warm up first.
            // A fresh context's first jobs are several times slower (PLATFORM-NOTES.md): warm up until the
            // latency stops falling (three jobs in a row within 25% of their minimum), at most 40 jobs.
            double[] recent = new double[3];
            for (int i = 0; i < 40; i++) {
                recent[i % 3] = emptyJob(sc, slots);
                if (i >= 5) {
                    double lo = Math.min(recent[0], Math.min(recent[1], recent[2]));
                    double hi = Math.max(recent[0], Math.max(recent[1], recent[2]));
                    if (hi <= 1.25 * lo) {
                        break;
                    }
                }
            }
            double job1 = median(7, () -> emptyJob(sc, 1));
            double jobSlots = median(7, () -> emptyJob(sc, slots, taskPayload));
            double writeSlots = writeJobs(sc, slots, spec.dim(), stagingDir);

            // Three windows (the first also warms the executors' JIT up), the best of the last two: the load
            // of other processes comes in bursts.
            clusterCores(sc, slots);
            double clusterCores = Math.min(slots, Math.max(clusterCores(sc, slots), clusterCores(sc, slots)));
            double driverCores = Math.max(Double.isFinite(driverFloor) ? driverFloor : 0,
                    Math.max(driverCores(), driverCores()));

            int[] batches = callBatches(spec.dim(), maxRows);
            double[] wallCpu = sc.parallelize(List.of(0), 1)
                    .mapPartitions(new CallBench(spec, batches, 5)).collect().get(0);
            double[] wall = new double[batches.length];
            double[] cpu = new double[batches.length];
            for (int i = 0; i < batches.length; i++) {
                wall[i] = wallCpu[2 * i];
                cpu[i] = wallCpu[2 * i + 1];
            }

            // The echo rounds hold each call for the model's own smallest-call wall time, then that hold is taken
            // off again: what remains is the channel as it behaves around a model of this latency (EchoSpec).
            double[] svc = serviceRounds(sc, spec.dim(), tiles, wall[0]);
            return new Calibration(cluster.executors(), slots, job1, jobSlots, writeSlots, svc[0], svc[1], svc[2], batches,
                    wall, cpu, clusterCores, driverCores, (System.nanoTime() - t0) / 1e9, spec.id());
        } finally {
            sc.setLocalProperty("spark.job.description", prevDesc);
        }
    }

    static int[] callBatches(int dim, long maxRows) {
        long cap = Math.max(1, Math.min(maxRows, MAX_CALL_DOUBLES / Math.max(1, dim)));
        List<Integer> b = new ArrayList<>();
        for (int x : CALL_BATCHES) {
            if (x < cap) {
                b.add(x);
            }
        }
        b.add((int) Math.min(cap, CALL_BATCHES[CALL_BATCHES.length - 1]));
        return b.stream().mapToInt(Integer::intValue).distinct().sorted().toArray();
    }

    private interface Timed {
        double seconds();
    }

    private static double median(int n, Timed f) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = f.seconds();
        }
        Arrays.sort(v);
        return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
    }

    /**
     * Median latency of a Parquet write of one row of dimension {@code dim} per task, as the executor-resident
     * job writes its samples (query planning, a Parquet writer per task, task and job commit), after one
     * write to warm up (a session's first DataFrame job loads and plans more). The tables go into a fresh
     * directory of their own under {@code stagingDir} (null: a local temporary directory), removed after.
     */
    private static double writeJobs(JavaSparkContext sc, int tasks, int dim, String stagingDir) {
        org.apache.hadoop.conf.Configuration conf = sc.hadoopConfiguration();
        org.apache.hadoop.fs.Path root;
        org.apache.hadoop.fs.FileSystem fs;
        try {
            org.apache.hadoop.fs.Path staging = stagingDir == null ? null : new org.apache.hadoop.fs.Path(stagingDir);
            // Only into a directory that already exists: one created here would outlive the run (the run's
            // cleanup removes only the directories it created itself).
            if (staging != null && staging.getFileSystem(conf).isDirectory(staging)) {
                root = new org.apache.hadoop.fs.Path(staging, "_piadm-planner-" + java.util.UUID.randomUUID());
            } else {
                root = new org.apache.hadoop.fs.Path(
                        java.nio.file.Files.createTempDirectory("piadm-planner-").toUri());
            }
            fs = root.getFileSystem(conf);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("planner write calibration: " + e.getMessage(), e);
        }
        try {
            double[] t = new double[4];
            for (int i = 0; i < t.length; i++) {
                t[i] = writeJob(sc, tasks, dim, new org.apache.hadoop.fs.Path(root, "t" + i).toString());
            }
            double[] timed = Arrays.copyOfRange(t, 1, t.length);
            Arrays.sort(timed);
            return timed[timed.length / 2];
        } finally {
            try {
                fs.delete(root, true);
            } catch (java.io.IOException e) {
                org.slf4j.LoggerFactory.getLogger(Calibrator.class).warn("could not remove {}: {}", root, e.toString());
            }
        }
    }

    private static double writeJob(JavaSparkContext sc, int tasks, int dim, String path) {
        org.apache.spark.sql.SparkSession spark = org.apache.spark.sql.SparkSession.active();
        List<Integer> idx = new ArrayList<>(tasks);
        for (int i = 0; i < tasks; i++) {
            idx.add(i);
        }
        long t0 = System.nanoTime();
        org.apache.spark.api.java.JavaRDD<org.apache.spark.sql.Row> rows = sc.parallelize(idx, tasks)
                .map(new OneRow(dim));
        spark.createDataFrame(rows, ParquetSamples.schema(io.piadm.io.SampleFormat.defaults())).write()
                .option("parquet.block.size", ResidentPlan.ROW_GROUP_BYTES).parquet(path);
        return (System.nanoTime() - t0) / 1e9;
    }

    /** One sample-shaped row (id, zeros). */
    static final class OneRow implements Function<Integer, org.apache.spark.sql.Row> {
        private static final long serialVersionUID = 1L;
        private final int dim;

        OneRow(int dim) {
            this.dim = dim;
        }

        @Override
        public org.apache.spark.sql.Row call(Integer i) {
            return org.apache.spark.sql.RowFactory.create((long) i, new double[dim]);
        }
    }

    private static double emptyJob(JavaSparkContext sc, int tasks) {
        return emptyJob(sc, tasks, null);
    }

    private static double emptyJob(JavaSparkContext sc, int tasks, java.io.Serializable payload) {
        List<Integer> idx = new ArrayList<>(tasks);
        for (int i = 0; i < tasks; i++) {
            idx.add(i);
        }
        long s = System.nanoTime();
        sc.parallelize(idx, tasks).foreach(new Nothing(payload));
        return (System.nanoTime() - s) / 1e9;
    }

    /**
     * Cores' worth of CPU the executors deliver with every slot busy: each of {@code slots} tasks spins for a
     * fixed wall window and reports the CPU it got; the sum over the window. (A fixed window rather than a
     * fixed amount of work: on a loaded machine the measurement then takes the same time, and it averages
     * the load over a quarter of a second rather than a few scheduler slices.)
     */
    private static double clusterCores(JavaSparkContext sc, int slots) {
        List<Integer> idx = new ArrayList<>(slots);
        for (int i = 0; i < slots; i++) {
            idx.add(i);
        }
        List<long[]> used = sc.parallelize(idx, slots).map(new Spin(SPIN_WALL_NANOS)).collect();
        double cpu = 0;
        double wall = 0;
        java.util.Map<Long, Long> hostProcessors = new java.util.HashMap<>();
        for (long[] u : used) {
            cpu += u[0] / 1e9;
            wall += u[1] / 1e9;
            hostProcessors.put(u[3], u[2]);
        }
        // Tasks that start one after another each get more than their share while the others have not
        // started yet, so CPU over mean wall time overstates the cluster (seen: 2.47 "cores" on a 2-core host):
        // no more than the processors of the hosts the tasks ran on.
        long processors = 0;
        for (long p : hostProcessors.values()) {
            processors += p;
        }
        return Math.min(processors, cpu / Math.max(1e-3, wall / used.size()));
    }

    /** The same for this JVM's threads (the driver's scan runs on them). */
    private static double driverCores() {
        int k = Runtime.getRuntime().availableProcessors();
        long[][] used = new long[k][];
        Thread[] th = new Thread[k];
        for (int i = 0; i < k; i++) {
            final int j = i;
            th[i] = new Thread(() -> used[j] = spin(SPIN_WALL_NANOS), "piadm-calibrate-driver");
            th[i].start();
        }
        for (Thread t : th) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted during calibration", e);
            }
        }
        double cpu = 0;
        double wall = 0;
        for (long[] u : used) {
            cpu += u[0] / 1e9;
            wall += u[1] / 1e9;
        }
        return Math.min(k, cpu / Math.max(1e-3, wall / k));
    }

    /** Spins for {@code wallNanos} of wall time; returns {CPU time this thread got, wall time spun}. */
    static long[] spin(long wallNanos) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        boolean cpuClock = mx.isCurrentThreadCpuTimeSupported();
        long c0 = cpuClock ? mx.getCurrentThreadCpuTime() : 0;
        long w0 = System.nanoTime();
        long x = 88172645463325252L;
        long w = 0;
        while (w < wallNanos) {
            for (int i = 0; i < 20_000; i++) {
                x ^= x << 13;
                x ^= x >>> 7;
                x ^= x << 17;
            }
            w = System.nanoTime() - w0;
        }
        if (x == 42) {
            System.out.print(""); // keep the loop from being optimised away
        }
        long c = cpuClock ? mx.getCurrentThreadCpuTime() - c0 : w;
        return new long[] {Math.min(c, w), w};
    }

    /**
     * Rounds through a score service with the copying {@link EchoSpec} holding each call for {@code hold}
     * seconds: its start (first round), then rounds of {@code tiles} rows and of about 8 MiB of states,
     * alternated; returns {fixed, per row, start} seconds, the hold taken off.
     */
    private static double[] serviceRounds(JavaSparkContext sc, int d, int tiles, double hold) {
        int small = Math.max(1, tiles);
        int large = (int) Math.max(4L * small, Math.min(1L << 16, (1L << 20) / Math.max(1, d)));
        double[] x = new double[large * d];
        double[] t = new double[large];
        for (int i = 0; i < x.length; i++) {
            x[i] = StrictMath.sin(i * 0.37);
        }
        Arrays.fill(t, 1.0);
        double[] out = new double[x.length];
        RoundInfo info = new RoundInfo("calibration", 0, "echo", 1);
        long holdNanos = (long) (Math.max(0, hold) * 1e9);
        try (SparkTimeEvaluator ev = new SparkTimeEvaluator(sc, new EchoSpec(d, holdNanos), tiles, 0)) {
            long s = System.nanoTime();
            ev.evaluate(info, x, t, small, out);
            double start = (System.nanoTime() - s) / 1e9;
            // A run's rounds go through JIT-compiled channel code on both ends, but a fresh session's first
            // rounds are interpreted (measured: 7.1 ms per small round cold against 1.6 ms warm, which made
            // every time-parallel prediction 30-40% high). Warm up in windows of 20 small rounds (and 5 large) until a
            // window's median small round is within 10% of the previous window's, at most 12 windows.
            double prev = Double.POSITIVE_INFINITY;
            for (int win = 0; win < 12; win++) {
                double[] wsmall = new double[20];
                for (int i = 0; i < wsmall.length; i++) {
                    long s0 = System.nanoTime();
                    ev.evaluate(info, x, t, small, out);
                    wsmall[i] = (System.nanoTime() - s0) / 1e9;
                    if (i % 4 == 0) {
                        ev.evaluate(info, x, t, large, out); // the large rounds' path warms up too
                    }
                }
                Arrays.sort(wsmall);
                double med = wsmall[wsmall.length / 2];
                if (win >= 1 && med >= 0.9 * prev) {
                    break;
                }
                prev = Math.min(prev, med);
            }
            double[] a = new double[9];
            double[] b = new double[9];
            for (int i = 0; i < 9; i++) {
                long s1 = System.nanoTime();
                ev.evaluate(info, x, t, small, out);
                a[i] = (System.nanoTime() - s1) / 1e9;
                long s2 = System.nanoTime();
                ev.evaluate(info, x, t, large, out);
                b[i] = (System.nanoTime() - s2) / 1e9;
            }
            Arrays.sort(a);
            Arrays.sort(b);
            double ta = a[4];
            double tb = b[4];
            double perRow = Math.max(0, (tb - ta) / (large - small));
            double fixed = Math.max(0, ta - holdNanos / 1e9 - perRow * small);
            return new double[] {fixed, perRow, Math.max(0, start - holdNanos / 1e9)};
        }
    }

    /**
     * Core-seconds of the sampler's scan inside a task with every slot busy: {@code slots} tasks run
     * {@link io.piadm.plan.Probe#measure} at a batch of {@code batch} at once, each timing its own thread's
     * CPU (the executors' cores are shared by then; the cost model shares them out, CostModel); the median
     * of the tasks' costs per row and per sample and block. With a {@code model} (null: none), each task also
     * runs the first real blocks on it (emulation stripped, Probe#realScanFactor) and the cost is scaled by
     * the median of the tasks' factors, kept within [1/4, 4] (beyond that it is not a correction but a failed
     * measurement). Null for samplers without a probe.
     */
    public static io.piadm.plan.Probe.Cost taskCost(JavaSparkContext sc, io.piadm.sampler.SamplerKind kind,
            io.piadm.sampler.SamplerConfig config, ModelSpec model, int dim, int slots, int batch) {
        if (kind.walk() == io.piadm.sampler.SamplerKind.Walk.SLIDING_WINDOW) {
            return null;
        }
        List<Integer> idx = new ArrayList<>(slots);
        for (int i = 0; i < slots; i++) {
            idx.add(i);
        }
        String prev = sc.getLocalProperty("spark.job.description");
        sc.setJobDescription("piadm planner probe (" + kind.id() + ", batch " + batch + ")");
        try {
            ModelSpec plain = model == null ? null : io.piadm.model.EmulatedAccelerator.strip(model);
            List<double[]> r = sc.parallelize(idx, slots).map(new TaskProbe(kind, config, dim, batch, plain))
                    .collect();
            double[] perRow = new double[r.size()];
            double[] perBlock = new double[r.size()];
            List<Double> factors = new ArrayList<>();
            for (int i = 0; i < perRow.length; i++) {
                perRow[i] = r.get(i)[0];
                perBlock[i] = r.get(i)[1];
                if (Double.isFinite(r.get(i)[2])) {
                    factors.add(r.get(i)[2]);
                }
            }
            Arrays.sort(perRow);
            Arrays.sort(perBlock);
            double f = 1;
            if (!factors.isEmpty()) {
                java.util.Collections.sort(factors);
                f = Math.max(0.25, Math.min(4, factors.get(factors.size() / 2)));
            }
            return new io.piadm.plan.Probe.Cost(f * perRow[perRow.length / 2], f * perBlock[perBlock.length / 2],
                    factors.isEmpty() ? Double.NaN : f);
        } finally {
            sc.setLocalProperty("spark.job.description", prev);
        }
    }

    static final class TaskProbe implements Function<Integer, double[]> {
        private static final long serialVersionUID = 1L;
        private final io.piadm.sampler.SamplerKind kind;
        private final io.piadm.sampler.SamplerConfig config;
        private final int dim;
        private final int batch;

        private final ModelSpec plainModel;

        TaskProbe(io.piadm.sampler.SamplerKind kind, io.piadm.sampler.SamplerConfig config, int dim, int batch,
                ModelSpec plainModel) {
            this.kind = kind;
            this.config = config;
            this.dim = dim;
            this.batch = batch;
            this.plainModel = plainModel;
        }

        @Override
        public double[] call(Integer i) {
            long first = io.piadm.plan.Probe.PROBE_IDS + (long) i * batch;
            io.piadm.plan.Probe.Cost c = io.piadm.plan.Probe.measure(kind, config, dim, first, batch, true);
            if (c == null) {
                return new double[] {Double.NaN, Double.NaN, Double.NaN};
            }
            double f = plainModel == null ? Double.NaN
                    : io.piadm.plan.Probe.realScanFactor(kind, config, plainModel, first + (1L << 21), batch, c);
            return new double[] {c.perRow, c.perSampleBlock, f};
        }
    }

    static final class Nothing implements VoidFunction<Integer> {
        private static final long serialVersionUID = 1L;
        /** Shipped with the task and deserialised on the executor, then unused. */
        private final java.io.Serializable payload;

        Nothing(java.io.Serializable payload) {
            this.payload = payload;
        }

        @Override
        public void call(Integer i) {
            // an empty task
        }
    }

    static final class Spin implements Function<Integer, long[]> {
        private static final long serialVersionUID = 1L;
        private final long nanos;

        Spin(long nanos) {
            this.nanos = nanos;
        }

        @Override
        public long[] call(Integer i) {
            long[] u = spin(nanos);
            String host;
            try {
                host = java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.io.IOException e) {
                host = "?";
            }
            // Plus this host's processors and a hash of its name: the cluster cannot do more CPU work than
            // its hosts have processors, however the tasks' start times overlap.
            return new long[] {u[0], u[1], Runtime.getRuntime().availableProcessors(), host.hashCode()};
        }
    }

    /** Executor side: medians of wall and thread-CPU time of model calls at each batch size. */
    static final class CallBench implements FlatMapFunction<Iterator<Integer>, double[]> {
        private static final long serialVersionUID = 1L;
        private final ModelSpec spec;
        private final int[] batches;
        private final int reps;

        CallBench(ModelSpec spec, int[] batches, int reps) {
            this.spec = spec;
            this.batches = batches;
            this.reps = reps;
        }

        @Override
        public Iterator<double[]> call(Iterator<Integer> ignored) {
            ScoreModel m = ExecutorModels.get(spec);
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            int d = spec.dim();
            int max = batches[batches.length - 1];
            double[] x = new double[max * d];
            double[] t = new double[max];
            for (int i = 0; i < x.length; i++) {
                x[i] = StrictMath.sin(i * 0.61 + 0.2);
            }
            for (int i = 0; i < max; i++) {
                t[i] = 0.05 + 4.0 * i / max;
            }
            // Rows carry sample ids, as in a run: a class-conditional model derives each row's label from its id.
            long[] ids = new long[max];
            for (int i = 0; i < max; i++) {
                ids[i] = i;
            }
            double[] out = new double[max * d];
            double[] res = new double[2 * batches.length];
            for (int k = 0; k < batches.length; k++) {
                int n = batches[k];
                for (int r = 0; r < 3; r++) {
                    m.score(x, t, ids, 0, n, out); // warm-up (a fresh executor's first calls are slow)
                }
                double[] w = new double[reps];
                double[] c = new double[reps];
                for (int r = 0; r < reps; r++) {
                    long c0 = mx.getCurrentThreadCpuTime();
                    long w0 = System.nanoTime();
                    m.score(x, t, ids, 0, n, out);
                    w[r] = (System.nanoTime() - w0) / 1e9;
                    c[r] = (mx.getCurrentThreadCpuTime() - c0) / 1e9;
                }
                Arrays.sort(w);
                Arrays.sort(c);
                res[2 * k] = w[reps / 2];
                res[2 * k + 1] = Math.min(c[reps / 2], w[reps / 2]);
            }
            List<double[]> one = new ArrayList<>();
            one.add(res);
            return one.iterator();
        }
    }
}
