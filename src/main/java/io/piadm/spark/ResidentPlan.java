package io.piadm.spark;

import io.piadm.checkpoint.ChunkCheckpoints;
import io.piadm.config.InvalidSettingException;
import io.piadm.config.Setting;
import io.piadm.job.MemoryFit;
import io.piadm.job.SampleJob;
import io.piadm.sampler.Sampler;
import io.piadm.sampler.Subsample;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.network.util.JavaUtils;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The sizes of an executor-resident run, fixed before it starts: the chunking ({@code --partitions}
 * chunks, else enough chunks for 8 MiB of state each and at least {@value #WAVES} per task slot of the
 * cluster; stored in the checkpoint directory, so a resume on any cluster finds the same chunks), the
 * batch size inside a task, and the memory estimate of a task and of the driver. A default batch size is lowered until a task fits; a run that still cannot fit is refused in one
 * line naming the settings that set its size.
 */
final class ResidentPlan {
    /** Default chunk state: 2^20 doubles (8 MiB), so a task's chunk is small next to any executor heap. */
    static final long TARGET_CHUNK_DOUBLES = 1L << 20;
    /**
     * At least this many chunks per task slot by default (when there are that many samples): every slot
     * busy, the stragglers of uneven chunks balanced, and a lost executor costs a fraction of the run.
     */
    static final int WAVES = 4;
    /** Parquet row group of the samples table (parquet.block.size): what a writing task buffers. */
    static final long ROW_GROUP_BYTES = 16 * MemoryFit.MIB;
    /**
     * A default batch inside a task keeps its working memory below this (32 MiB): larger batches save little
     * per evaluator call, and every task slot of an executor holds one.
     */
    static final long DEFAULT_TASK_BATCH_BYTES = 32 * MemoryFit.MIB;

    final ChunkCheckpoints.Layout layout;
    final int batchSize;
    final int subsampleRows;
    final MemoryFit task;
    final MemoryFit driver;
    final Cluster cluster;

    private ResidentPlan(ChunkCheckpoints.Layout layout, int batchSize, int subsampleRows, MemoryFit task,
            MemoryFit driver, Cluster cluster) {
        this.layout = layout;
        this.batchSize = batchSize;
        this.subsampleRows = subsampleRows;
        this.task = task;
        this.driver = driver;
        this.cluster = cluster;
    }

    /**
     * Default chunks of {@code n} samples of dimension {@code d} on {@code slots} task slots: 8 MiB of state
     * each at most, and at least {@value #WAVES} per slot.
     */
    static int defaultChunks(long n, int d, int slots) {
        long perChunk = Math.max(1, TARGET_CHUNK_DOUBLES / Math.max(1, d));
        long byMemory = (n + perChunk - 1) / perChunk;
        long bySlots = (long) WAVES * Math.max(1, slots);
        return (int) Math.min(n, Math.min(Integer.MAX_VALUE, Math.max(byMemory, bySlots)));
    }

    /** What the JVMs that run the tasks have: heap and concurrent tasks, and whether the driver is one of them. */
    static final class Cluster {
        final boolean driverRunsTasks;
        final long executorHeap;
        final int slotsPerExecutor;
        final long driverHeap;
        final String how;

        Cluster(boolean driverRunsTasks, long executorHeap, int slotsPerExecutor, long driverHeap, String how) {
            this.driverRunsTasks = driverRunsTasks;
            this.executorHeap = executorHeap;
            this.slotsPerExecutor = Math.max(1, slotsPerExecutor);
            this.driverHeap = driverHeap;
            this.how = how;
        }

        private static final Pattern LOCAL = Pattern.compile("local(?:\\[(\\*|\\d+)(?:,\\d+)?])?");
        private static final Pattern LOCAL_CLUSTER = Pattern.compile("local-cluster\\[(\\d+), *(\\d+), *(\\d+)]");

        static Cluster of(JavaSparkContext sc) {
            String master = sc.master();
            long driverHeap = Runtime.getRuntime().maxMemory();
            Matcher m = LOCAL.matcher(master);
            if (m.matches()) {
                int slots = m.group(1) == null ? 1 : m.group(1).equals("*")
                        ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(m.group(1));
                return new Cluster(true, driverHeap, slots, driverHeap, master + ": the driver JVM runs " + slots
                        + " tasks at once");
            }
            SparkConf c = sc.getConf();
            int taskCpus = Math.max(1, c.getInt("spark.task.cpus", 1));
            Matcher lc = LOCAL_CLUSTER.matcher(master);
            if (lc.matches()) {
                int slots = Integer.parseInt(lc.group(2)) / taskCpus;
                return new Cluster(false, Long.parseLong(lc.group(3)) * MemoryFit.MIB, slots, driverHeap,
                        "local-cluster executors of " + lc.group(3) + " MiB, " + slots + " tasks each");
            }
            long heap = JavaUtils.byteStringAsBytes(c.get("spark.executor.memory", "1g"));
            int slots;
            String why;
            if (c.contains("spark.executor.cores")) {
                slots = Math.max(1, c.getInt("spark.executor.cores", 1) / taskCpus);
                why = "spark.executor.cores";
            } else {
                int executors = Math.max(1, sc.statusTracker().getExecutorInfos().length - 1);
                slots = Math.max(1, (sc.defaultParallelism() + executors - 1) / executors / taskCpus);
                why = sc.defaultParallelism() + " cores over " + executors + " executors";
            }
            return new Cluster(false, heap, slots, driverHeap, "executors of " + MemoryFit.size(heap)
                    + " (spark.executor.memory), " + slots + " tasks each (" + why + ")");
        }
    }

    /**
     * @param partitionsAsked chunks asked for ({@code --partitions}); 0: the default
     * @param stored          the layout of the interrupted run being resumed, or null
     */
    static ResidentPlan make(SampleJob job, Sampler sampler, int partitionsAsked, ChunkCheckpoints.Layout stored,
            Cluster cluster, int slots) {
        long n = job.samples();
        int d = job.dim();
        ChunkCheckpoints.Layout layout;
        if (stored != null) {
            if (partitionsAsked > 0 && Math.min(partitionsAsked, n) != stored.chunks()) {
                throw new InvalidSettingException("{0} " + partitionsAsked + " differs from the " + stored.chunks()
                        + " sample chunks of the interrupted run being resumed; resume with {0} " + stored.chunks()
                        + " or without {0}", Setting.PARTITIONS);
            }
            layout = stored;
        } else {
            int p = partitionsAsked > 0 ? (int) Math.min(partitionsAsked, n) : defaultChunks(n, d, slots);
            layout = new ChunkCheckpoints.Layout(job.firstSample(), n, p);
        }
        int chunk = layout.maxCount();
        int k = Subsample.size(n, d);

        // The driver: the subsample the tasks send (preallocated), its ids, and after the job the metrics'
        // three copies of it and the row group a streaming pass over the table reads at a time.
        long driverAvail = MemoryFit.usable(cluster.driverHeap, MemoryFit.SPARK_BASE);
        MemoryFit drv = new MemoryFit("on the driver", driverAvail, "max heap " + MemoryFit.size(cluster.driverHeap)
                + " x " + MemoryFit.USABLE + " - " + MemoryFit.size(MemoryFit.SPARK_BASE) + " for Spark");
        long sub = MemoryFit.doubles(k, d) + 16L * k + 64L * layout.chunks();
        drv.need("subsample (" + k + " rows)", sub);
        drv.need("metrics (3 copies of the subsample)", MemoryFit.doubles(k, d) * 3);
        drv.need("Parquet reader (2 row groups)", 2 * ROW_GROUP_BYTES);
        drv.check("lower {0} (the subsample is min(N, " + Subsample.MAX_ROWS + ", " + Subsample.MAX_DOUBLES
                + "/d) rows) or give the driver more heap (-Xmx, spark.driver.memory)", Setting.SAMPLES);

        // A task: the chunk's state twice (its rows and the working copy), a batch's working memory, the row
        // group its Parquet writer buffers, its share of the subsample.
        long taskAvail;
        String why;
        if (cluster.driverRunsTasks) {
            taskAvail = Math.max(0, driverAvail - sub) / cluster.slotsPerExecutor;
            why = cluster.how + ": (max heap " + MemoryFit.size(cluster.driverHeap) + " x " + MemoryFit.USABLE + " - "
                    + MemoryFit.size(MemoryFit.SPARK_BASE) + " for Spark - " + MemoryFit.size(sub)
                    + " subsample) / " + cluster.slotsPerExecutor;
        } else {
            taskAvail = MemoryFit.usable(cluster.executorHeap, MemoryFit.SPARK_BASE) / cluster.slotsPerExecutor;
            why = cluster.how + ": (" + MemoryFit.size(cluster.executorHeap) + " x " + MemoryFit.USABLE + " - "
                    + MemoryFit.size(MemoryFit.SPARK_BASE) + " for Spark) / " + cluster.slotsPerExecutor;
        }
        long state = MemoryFit.doubles(chunk, d) * 2;
        long writer = 2 * Math.min(ROW_GROUP_BYTES, MemoryFit.doubles(chunk, d) + 16L * chunk);
        long share = 2 * MemoryFit.doubles((long) Math.ceil((double) chunk * k / n), d);
        long perSample = MemoryFit.doubles(1, sampler.workingDoublesPerSample(d) + 2L * d);
        long fixed = state + writer + share;
        int batch = job.batchSize();
        if (job.batchSizeIsDefault()) {
            long room = Math.max(perSample, Math.min(taskAvail - fixed, DEFAULT_TASK_BATCH_BYTES));
            batch = (int) Math.max(1, Math.min(batch, room / Math.max(1, perSample)));
        }
        batch = Math.max(1, Math.min(batch, chunk));
        MemoryFit t = new MemoryFit("per task", taskAvail, why);
        t.need("chunk state (2 x " + chunk + " x " + d + " doubles)", state);
        t.need("batch working memory (" + batch + " samples x " + (perSample / 8) + " doubles)", perSample * batch);
        t.need("Parquet writer", writer);
        t.need("subsample share", share);
        t.check("raise {0} (more, smaller chunks), lower {1}, or lower {2} (it sets a Picard sweep's working memory"
                + " per sample), or give executors more memory (spark.executor.memory; -Xmx in local mode)",
                Setting.PARTITIONS, Setting.BATCH_SIZE, Setting.STEPS_PER_BLOCK);
        t.set("chunks", layout.chunks()).set("samplesPerChunk", chunk).set("batchSize", batch);
        return new ResidentPlan(layout, batch, k, t, drv, cluster);
    }

    Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", task.describe());
        m.put("driver", driver.describe());
        return m;
    }
}
