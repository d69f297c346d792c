package io.piadm.model;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.LockSupport;

/**
 * Accelerator emulation, for honest latency experiments on a CPU-only machine (issue 8): the spec modifier
 * {@code ,latency-ms=L[,per-row-us=R][,devices=K]} on any model. Each call computes the wrapped model's
 * exact score, then holds until {@code L ms + n R us} of wall time have passed since the call got its
 * device, as a GPU kernel launch of an n-row batch would. The hold parks the thread (no CPU is used while
 * waiting), so many emulated devices fit on few cores.
 *
 * <p>Devices. A call runs on one device and a device runs one call at a time. By default each calling
 * thread is its own device: a Spark task makes its model calls on its own thread (one evaluator thread
 * per task, the default with {@code spark.task.cpus = 1}), so there is one device per running task, i.e.
 * per task slot: 4 executors x 4 slots are 16 devices. {@code devices=K} instead gives each JVM a pool of K
 * devices shared by all its threads (a host with K GPUs): a call waits for a free one first.
 *
 * <p>Samples never change: the score is the wrapped model's, bit for bit; only wall time does. So every
 * report of a time measured with it must say the accelerator was emulated ({@link #describe()} carries
 * {@code emulated: true}; run.json and the benches print it).
 */
public final class EmulatedAccelerator implements ModelSpec {
    private static final long serialVersionUID = 1L;

    /** Largest latency accepted (one minute per call). */
    public static final double MAX_LATENCY_MS = 60_000;
    /** Largest per-row cost accepted (one second per row). */
    public static final double MAX_PER_ROW_US = 1_000_000;
    /** Largest device pool accepted. */
    public static final int MAX_DEVICES = 4096;

    private final ModelSpec base;
    private final double latencyMs;
    private final double perRowUs;
    /** Devices per JVM; 0: one per calling thread. */
    private final int devices;

    public EmulatedAccelerator(ModelSpec base, double latencyMs, double perRowUs, int devices) {
        if (!(latencyMs >= 0) || latencyMs > MAX_LATENCY_MS) {
            throw new IllegalArgumentException("latency must be in [0, " + MAX_LATENCY_MS + "] ms, got " + latencyMs);
        }
        if (!(perRowUs >= 0) || perRowUs > MAX_PER_ROW_US) {
            throw new IllegalArgumentException("per-row cost must be in [0, " + MAX_PER_ROW_US + "] us, got " + perRowUs);
        }
        if (devices < 0 || devices > MAX_DEVICES) {
            throw new IllegalArgumentException("devices must be in [0, " + MAX_DEVICES + "], got " + devices);
        }
        this.base = base;
        this.latencyMs = latencyMs;
        this.perRowUs = perRowUs;
        this.devices = devices;
    }

    /**
     * The model without the emulation (for a cheap pilot on the driver); itself when not emulated. The
     * emulation is the outermost wrapper (ModelSpecs; {@link #withInner} keeps it there).
     */
    public static ModelSpec strip(ModelSpec spec) {
        EmulatedAccelerator e = of(spec);
        return e == spec ? e.base : spec;
    }

    /** The emulation of {@code spec}, or null when it runs at its real speed. */
    public static EmulatedAccelerator of(ModelSpec spec) {
        return spec.unwrap(EmulatedAccelerator.class);
    }

    /** Looks through to the base (an ONNX network under the emulation is still found, issue 7). */
    @Override
    public <T> T unwrap(Class<T> type) {
        T self = ModelSpec.super.unwrap(type);
        return self != null ? self : base.unwrap(type);
    }

    /** The emulation stays outermost: wrappers added inside (class labels) go around the base. */
    @Override
    public ModelSpec withInner(java.util.function.UnaryOperator<ModelSpec> inner) {
        return new EmulatedAccelerator(base.withInner(inner), latencyMs, perRowUs, devices);
    }

    @Override
    public double[] trainingTimes() {
        return base.trainingTimes();
    }

    @Override
    public long[] rowShape() {
        return base.rowShape();
    }

    public ModelSpec base() {
        return base;
    }

    public double latencyMs() {
        return latencyMs;
    }

    public double perRowUs() {
        return perRowUs;
    }

    /** Devices per JVM; 0 means one device per calling thread. */
    public int devices() {
        return devices;
    }

    /** The hold of an n-row call, in nanoseconds: L ms + n R us. */
    public long holdNanos(int rows) {
        return Math.round(latencyMs * 1e6 + rows * perRowUs * 1e3);
    }

    @Override
    public int dim() {
        return base.dim();
    }

    @Override
    public ScoreModel build(ExecutionContext context) {
        return new Emulated(base.build(context), this, Clock.SYSTEM, pool(this));
    }

    /** Builds around an already built model with an explicit clock (tests). */
    ScoreModel wrap(ScoreModel built, Clock clock) {
        return new Emulated(built, this, clock, devices == 0 ? null : new Semaphore(devices, true));
    }

    @Override
    public String id() {
        return base.id() + ",latency-ms=" + latencyMs + ",per-row-us=" + perRowUs
                + (devices > 0 ? ",devices=" + devices : "");
    }

    /** One line for reports: "emulated accelerator: 20.0 ms + 0.0 us/row per call, one device per task thread". */
    public String summary() {
        return "emulated accelerator: " + latencyMs + " ms + " + perRowUs + " us/row per call, "
                + (devices > 0 ? devices + " devices per JVM" : "one device per calling thread (per task slot)");
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "emulated-accelerator");
        m.put("id", id());
        m.put("emulated", true);
        m.put("latency_ms", latencyMs);
        m.put("per_row_us", perRowUs);
        m.put("devices", devices > 0 ? devices : "one per calling thread");
        m.put("semantics", "exact score of the base model, then the call holds (parked, no CPU) until"
                + " latency_ms + rows * per_row_us have passed since it got its device; one call per device at a time");
        m.put("base", base.describe());
        return m;
    }

    @Override
    public String modelFile() {
        return base.modelFile();
    }

    @Override
    public AnalyticTarget analyticTarget() {
        return base.analyticTarget();
    }

    // ------------------------------------------------------------------ devices and time

    /** Per-JVM device pools, one per emulation id (so two specs never share devices by accident). */
    private static final ConcurrentHashMap<String, Semaphore> POOLS = new ConcurrentHashMap<>();

    private static Semaphore pool(EmulatedAccelerator e) {
        return e.devices == 0 ? null : POOLS.computeIfAbsent(e.id(), k -> new Semaphore(e.devices, true));
    }

    /** Wall time and waiting, injectable so tests check the holds without timing anything. */
    interface Clock {
        long nanoTime();

        /** Returns once {@link #nanoTime()} >= deadline, without spinning. */
        void sleepUntil(long deadline);

        Clock SYSTEM = new Clock() {
            @Override
            public long nanoTime() {
                return System.nanoTime();
            }

            @Override
            public void sleepUntil(long deadline) {
                for (long left = deadline - System.nanoTime(); left > 0; left = deadline - System.nanoTime()) {
                    LockSupport.parkNanos(left); // may return early (spurious wake-up): loop
                }
            }
        };
    }

    /** Executor-side emulated model. */
    static final class Emulated implements ScoreModel {
        private final ScoreModel inner;
        private final EmulatedAccelerator spec;
        private final Clock clock;
        private final Semaphore pool;

        Emulated(ScoreModel inner, EmulatedAccelerator spec, Clock clock, Semaphore pool) {
            this.inner = inner;
            this.spec = spec;
            this.clock = clock;
            this.pool = pool;
        }

        @Override
        public int dim() {
            return inner.dim();
        }

        @Override
        public void score(double[] x, double[] t, int from, int n, double[] out) {
            score(x, t, null, from, n, out);
        }

        @Override
        public void score(double[] x, double[] t, long[] ids, int from, int n, double[] out) {
            if (pool != null) {
                pool.acquireUninterruptibly();
            }
            try {
                long start = clock.nanoTime();
                inner.score(x, t, ids, from, n, out);
                clock.sleepUntil(start + spec.holdNanos(n));
            } finally {
                if (pool != null) {
                    pool.release();
                }
            }
        }

        @Override
        public void close() {
            inner.close();
        }
    }
}
