package io.piadm.spark;

import org.apache.spark.api.java.JavaSparkContext;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The executors and task slots a run can use. On a cluster, executors register with the driver a few
 * seconds after the session starts (on a standalone cluster the first jobs may otherwise all run on the
 * first executor, and Spark's default parallelism reads 2 until then); {@link #await} waits until their
 * number has been stable for a while, so that the planner, the calibration and the score service see the
 * whole cluster.
 */
public final class ClusterSlots {
    /** How long the executor count must stay the same before it is taken as final. */
    static final long STABLE_MILLIS = 3_000;
    /** A session older than this is taken to have all its executors. */
    static final long SETTLED_MILLIS = 30_000;
    /** Longest wait for executors to register. */
    static final long MAX_WAIT_MILLIS = 90_000;

    private final int executors;
    private final int slots;
    private final boolean local;
    private final double waitedSeconds;

    ClusterSlots(int executors, int slots, boolean local, double waitedSeconds) {
        this.executors = executors;
        this.slots = slots;
        this.local = local;
        this.waitedSeconds = waitedSeconds;
    }

    /** Executors (1 for a local master, where the driver runs the tasks). */
    public int executors() {
        return executors;
    }

    /** Task slots of the whole cluster (Spark's default parallelism once the executors are in). */
    public int slots() {
        return slots;
    }

    /** Slots per executor (at least 1). */
    public int slotsPerExecutor() {
        return Math.max(1, slots / Math.max(1, executors));
    }

    public boolean local() {
        return local;
    }

    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("executors", executors);
        m.put("slots", slots);
        m.put("local", local);
        m.put("waitedForExecutorsSeconds", waitedSeconds);
        return m;
    }

    /** Waits (on a cluster) until the executor count is stable, then reports executors and slots. */
    public static ClusterSlots await(JavaSparkContext sc) {
        long t0 = System.currentTimeMillis();
        if (SparkSessions.isLocalMaster(sc.master())) {
            return new ClusterSlots(1, Math.max(1, sc.defaultParallelism()), true, 0);
        }
        int now0 = Math.max(0, sc.statusTracker().getExecutorInfos().length - 1);
        if (now0 > 0 && t0 - sc.startTime() > SETTLED_MILLIS) {
            // A session this old has its executors (workers register theirs within seconds of the start).
            return new ClusterSlots(now0, Math.max(1, sc.defaultParallelism()), false, 0);
        }
        int last = -1;
        long since = t0;
        while (true) {
            int n = Math.max(0, sc.statusTracker().getExecutorInfos().length - 1); // minus the driver
            long now = System.currentTimeMillis();
            if (n != last) {
                last = n;
                since = now;
            } else if (n > 0 && now - since >= STABLE_MILLIS) {
                break;
            }
            if (now - t0 > MAX_WAIT_MILLIS) {
                if (n == 0) {
                    throw new IllegalStateException("no executor registered with the driver within "
                            + MAX_WAIT_MILLIS / 1000 + " s (master " + sc.master() + "); are workers running?");
                }
                break;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for executors", e);
            }
        }
        return new ClusterSlots(last, Math.max(1, sc.defaultParallelism()), false,
                (System.currentTimeMillis() - t0) / 1e3);
    }
}
