package io.piadm.minicluster;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.security.UserGroupInformation;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;
import org.apache.hadoop.yarn.util.resource.ResourceUtils;

/**
 * A single-machine HDFS (NameNode + DataNode) and YARN (ResourceManager + NodeManager) in one JVM, from
 * Hadoop's own test minicluster ({@code org.apache.hadoop:hadoop-client-minicluster}). Started in the
 * background by {@code scripts/yarn-minicluster.sh}, which also compiles this file; it is not part of the
 * application jar nor of the runtime classpath.
 *
 * <p>Arguments: {@code WORK_DIR CONF_DIR NM_MEMORY_MB NM_VCORES GPUS}. Once everything is up it writes a
 * client {@code HADOOP_CONF_DIR} (core-site.xml, hdfs-site.xml, yarn-site.xml and, with GPUs,
 * resource-types.xml) with the real ports into CONF_DIR, then {@code CONF_DIR/ready}; it runs until it
 * gets SIGTERM, when a shutdown hook stops YARN (which kills its containers) and then HDFS.
 */
public final class YarnHdfsMiniCluster {
    private YarnHdfsMiniCluster() {
    }

    public static void main(String[] args) {
        try {
            run(args);
        } catch (Throwable t) {
            // HDFS and YARN leave non-daemon threads behind: exit explicitly (the shutdown hook stops them).
            t.printStackTrace();
            System.exit(1);
        }
    }

    private static volatile MiniDFSCluster dfs;
    private static volatile MiniYARNCluster yarn;

    private static void run(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: YarnHdfsMiniCluster WORK_DIR CONF_DIR NM_MEMORY_MB NM_VCORES GPUS");
            System.exit(2);
        }
        Path work = Paths.get(args[0]).toAbsolutePath();
        Path confDir = Paths.get(args[1]).toAbsolutePath();
        int memoryMb = Integer.parseInt(args[2]);
        int vcores = Integer.parseInt(args[3]);
        int gpus = Integer.parseInt(args[4]);
        String user = UserGroupInformation.getCurrentUser().getShortUserName();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                if (yarn != null) {
                    yarn.stop(); // the NodeManager kills its containers
                }
            } catch (RuntimeException e) {
                e.printStackTrace();
            }
            try {
                if (dfs != null) {
                    dfs.shutdown();
                }
            } catch (RuntimeException e) {
                e.printStackTrace();
            }
            stopped.countDown();
        }, "minicluster-stop"));

        // HDFS: one NameNode and one DataNode, replication 1, ephemeral ports.
        Configuration hdfsConf = new Configuration();
        hdfsConf.setInt("dfs.replication", 1);
        hdfsConf.set("dfs.namenode.rpc-address", "127.0.0.1:0");
        dfs = new MiniDFSCluster.Builder(hdfsConf, work.resolve("dfs").toFile())
                .numDataNodes(1).nameNodePort(0).format(true).build();
        dfs.waitActive();
        String defaultFs = "hdfs://127.0.0.1:" + dfs.getNameNodePort();

        // The submitting user's home (Spark stages its files under ~/.sparkStaging) and a shared /tmp.
        FileSystem fs = dfs.getFileSystem();
        org.apache.hadoop.fs.Path home = new org.apache.hadoop.fs.Path("/user/" + user);
        fs.mkdirs(home);
        fs.setOwner(home, user, null);
        fs.setPermission(home, new FsPermission((short) 0755));
        org.apache.hadoop.fs.Path tmp = new org.apache.hadoop.fs.Path("/tmp");
        fs.mkdirs(tmp);
        fs.setPermission(tmp, new FsPermission((short) 01777));

        YarnConfiguration yc = new YarnConfiguration();
        yc.set("fs.defaultFS", defaultFs);
        // As in Spark's BaseYarnClusterSuite: no disk-utilisation check, and the capacity-scheduler.xml that
        // hadoop-client-minicluster lacks, written as properties.
        yc.set("yarn.nodemanager.disk-health-checker.max-disk-utilization-per-disk-percentage", "100.0");
        yc.set("yarn.scheduler.capacity.root.queues", "default");
        yc.setInt("yarn.scheduler.capacity.root.default.capacity", 100);
        yc.setFloat("yarn.scheduler.capacity.root.default.user-limit-factor", 1);
        yc.setInt("yarn.scheduler.capacity.root.default.maximum-capacity", 100);
        yc.set("yarn.scheduler.capacity.root.default.state", "RUNNING");
        yc.set("yarn.scheduler.capacity.root.default.acl_submit_applications", "*");
        yc.set("yarn.scheduler.capacity.root.default.acl_administer_queue", "*");
        yc.setInt("yarn.scheduler.capacity.node-locality-delay", -1);
        // An AM may use the whole (small) cluster: the default 10% would leave a 1 GiB driver pending.
        yc.setFloat("yarn.scheduler.capacity.maximum-am-resource-percent", 1.0f);
        // Sized for a Spark driver (AM) plus two executors on a small machine: the NodeManager advertises
        // NM_MEMORY_MB / NM_VCORES whatever the hardware, containers are rounded up to 256 MiB only, and
        // the physical/virtual memory checks are off (a container JVM's virtual size is far above its heap).
        yc.setInt(YarnConfiguration.YARN_MINICLUSTER_NM_PMEM_MB, memoryMb);
        yc.setInt(YarnConfiguration.NM_PMEM_MB, memoryMb);
        yc.setInt(YarnConfiguration.NM_VCORES, vcores);
        yc.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, 256);
        yc.setInt(YarnConfiguration.RM_SCHEDULER_MAXIMUM_ALLOCATION_MB, memoryMb);
        yc.setInt(YarnConfiguration.RM_SCHEDULER_MAXIMUM_ALLOCATION_VCORES, vcores);
        yc.setBoolean(YarnConfiguration.NM_PMEM_CHECK_ENABLED, false);
        yc.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, false);
        // Re-attempts: YARN caps an application's spark.yarn.maxAppAttempts at this.
        yc.setInt(YarnConfiguration.RM_AM_MAX_ATTEMPTS, 4);
        // Keep finished containers' logs on the NodeManager's disk (no log aggregation), for a while.
        yc.setInt(YarnConfiguration.DEBUG_NM_DELETE_DELAY_SEC, 3600);
        if (gpus > 0) {
            // GPUs as YARN's countable resource type yarn.io/gpu (the name Spark maps
            // spark.executor.resource.gpu.amount to), advertised by the NodeManager from configuration
            // (no GPU plugin: nothing is isolated); the dominant-resource calculator makes the scheduler
            // count them, so a container asking for more GPUs than are free waits.
            yc.set(YarnConfiguration.RESOURCE_TYPES, "yarn.io/gpu");
            yc.setInt(YarnConfiguration.NM_RESOURCES_PREFIX + "yarn.io/gpu", gpus);
            yc.set("yarn.scheduler.capacity.resource-calculator",
                    "org.apache.hadoop.yarn.util.resource.DominantResourceCalculator");
            ResourceUtils.resetResourceTypes(yc);
        }

        // MiniYARNCluster keeps its directories under ./target/NAME: the script starts this JVM in WORK_DIR.
        yarn = new MiniYARNCluster("piadm-yarn", 1, 1, 1);
        yarn.init(yc);
        yarn.start();
        Configuration live = yarn.getConfig();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        // The RM publishes its real port into the configuration shortly after start() returns.
        while (live.get(YarnConfiguration.RM_ADDRESS).endsWith(":0")) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("ResourceManager did not publish its address");
            }
            Thread.sleep(100);
        }
        if (!yarn.waitForNodeManagersToConnect(60_000)) {
            throw new IllegalStateException("NodeManager did not register with the ResourceManager");
        }

        Files.createDirectories(confDir);
        Map<String, String> core = new LinkedHashMap<>();
        core.put("fs.defaultFS", defaultFs);
        writeXml(confDir.resolve("core-site.xml"), core);
        Map<String, String> hdfs = new LinkedHashMap<>();
        hdfs.put("dfs.replication", "1");
        writeXml(confDir.resolve("hdfs-site.xml"), hdfs);
        Map<String, String> site = new LinkedHashMap<>();
        for (String key : new String[] {YarnConfiguration.RM_ADDRESS, YarnConfiguration.RM_SCHEDULER_ADDRESS,
            YarnConfiguration.RM_RESOURCE_TRACKER_ADDRESS, YarnConfiguration.RM_ADMIN_ADDRESS,
            YarnConfiguration.RM_WEBAPP_ADDRESS}) {
            site.put(key, live.get(key));
        }
        site.put(YarnConfiguration.RM_AM_MAX_ATTEMPTS, live.get(YarnConfiguration.RM_AM_MAX_ATTEMPTS));
        writeXml(confDir.resolve("yarn-site.xml"), site);
        if (gpus > 0) {
            // Read by YARN clients (Spark's Client, its ApplicationMaster) to know the resource type.
            writeXml(confDir.resolve("resource-types.xml"), Map.of(YarnConfiguration.RESOURCE_TYPES, "yarn.io/gpu"));
        }
        String nm = yarn.getNodeManager(0).getNMContext().getNodeId().toString();
        String ready = "fs.defaultFS=" + defaultFs + "\n"
                + "yarn.resourcemanager.address=" + live.get(YarnConfiguration.RM_ADDRESS) + "\n"
                + "yarn.resourcemanager.webapp.address=" + live.get(YarnConfiguration.RM_WEBAPP_ADDRESS) + "\n"
                + "nodemanager=" + nm + " memory-mb=" + memoryMb + " vcores=" + vcores
                + (gpus > 0 ? " yarn.io/gpu=" + gpus : "") + "\n"
                + "nodemanager.log-dirs=" + yarn.getNodeManager(0).getConfig().get(YarnConfiguration.NM_LOG_DIRS) + "\n"
                + "user.home=" + defaultFs + home + "\n";
        writeAtomically(confDir.resolve("ready"), ready);
        System.out.println("minicluster ready\n" + ready);
        System.out.flush();
        stopped.await();
    }

    private static void writeXml(Path file, Map<String, String> props) throws IOException {
        Configuration c = new Configuration(false);
        props.forEach(c::set);
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        try (OutputStream os = Files.newOutputStream(tmp)) {
            c.writeXml(os);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void writeAtomically(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.write(tmp, text.getBytes(StandardCharsets.UTF_8));
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
