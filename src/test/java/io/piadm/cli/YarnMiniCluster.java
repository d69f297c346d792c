package io.piadm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The single-machine YARN + HDFS cluster of {@code scripts/yarn-minicluster.sh}, started and stopped through
 * the script (its own state directory under target/, so a cluster the user started is left alone), with
 * what the integration tests need to look at it: the Hadoop client configuration it wrote, its HDFS, the
 * ResourceManager's REST API, the container JVMs (children of the minicluster JVM) and their logs.
 */
final class YarnMiniCluster implements AutoCloseable {
    static final Path ROOT = Path.of("").toAbsolutePath();
    private static final ObjectMapper JSON = new ObjectMapper();

    final Path state;
    final Path conf;
    final long pid;
    final String defaultFs;
    final String webapp;
    final String user;
    final Path nmLogDir;
    final Configuration hadoopConf;
    private final int gpus;
    private final List<ProcessHandle> seen = new ArrayList<>();
    private FileSystem fs;

    YarnMiniCluster(Path state, int gpus) throws Exception {
        this.state = state;
        this.gpus = gpus;
        Process p = script("start").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) {
            script("stop").inheritIO().start().waitFor(120, TimeUnit.SECONDS);
            throw new IllegalStateException("yarn-minicluster.sh start failed:\n" + out);
        }
        // The contract: the last line of start is the export of the client configuration directory.
        String[] lines = out.strip().split("\n");
        Matcher m = Pattern.compile("^export HADOOP_CONF_DIR=(.+)$").matcher(lines[lines.length - 1]);
        if (!m.matches()) {
            close();
            throw new IllegalStateException("start did not end with 'export HADOOP_CONF_DIR=...':\n" + out);
        }
        this.conf = Path.of(m.group(1));
        this.pid = Long.parseLong(Files.readString(state.resolve("pids/minicluster.pid")).trim());
        Map<String, String> ready = new HashMap<>();
        for (String l : Files.readAllLines(conf.resolve("ready"))) {
            int eq = l.indexOf('=');
            ready.put(l.substring(0, eq), l.substring(eq + 1));
        }
        this.defaultFs = ready.get("fs.defaultFS");
        this.webapp = ready.get("yarn.resourcemanager.webapp.address");
        this.nmLogDir = Path.of(ready.get("nodemanager.log-dirs"));
        this.user = ready.get("user.home").replaceAll(".*/user/", "");
        this.hadoopConf = new Configuration(false);
        for (String f : new String[] {"core-site.xml", "hdfs-site.xml", "yarn-site.xml"}) {
            hadoopConf.addResource(new org.apache.hadoop.fs.Path(conf.resolve(f).toUri()));
        }
        ProcessHandle.of(pid).ifPresent(seen::add);
    }

    /** Stops a cluster an earlier, interrupted run of these tests left in their own state directory. */
    static void stopLeftover(Path state) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", ROOT.resolve("scripts/yarn-minicluster.sh").toString(), "stop")
                .directory(ROOT.toFile()).inheritIO();
        pb.environment().put("YARN_MINICLUSTER_DIR", state.toString());
        pb.start().waitFor(180, TimeUnit.SECONDS);
    }

    ProcessBuilder script(String... args) {
        List<String> cmd = new ArrayList<>(List.of("bash", ROOT.resolve("scripts/yarn-minicluster.sh").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile());
        pb.environment().put("YARN_MINICLUSTER_DIR", state.toString());
        pb.environment().put("NM_GPUS", String.valueOf(gpus));
        return pb;
    }

    synchronized FileSystem fs() throws IOException {
        if (fs == null) {
            fs = FileSystem.newInstance(URI.create(defaultFs), hadoopConf);
        }
        return fs;
    }

    /** Hadoop's FsShell through the script: {@code fs ARGS}. */
    String fsShell(String... args) throws Exception {
        List<String> a = new ArrayList<>(List.of("fs"));
        a.addAll(List.of(args));
        Process p = script(a.toArray(new String[0])).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("yarn-minicluster.sh fs " + String.join(" ", args) + " failed:\n" + out);
        }
        return out;
    }

    /** A GET on the ResourceManager's REST API, e.g. {@code /ws/v1/cluster/apps}. */
    JsonNode rest(String path) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + webapp + path))
                .header("Accept", "application/json").timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GET " + path + ": HTTP " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body());
    }

    /** The application submitted with {@code spark.yarn.tags=TAG}, if YARN knows it yet. */
    Optional<JsonNode> app(String tag) throws Exception {
        JsonNode apps = rest("/ws/v1/cluster/apps?applicationTags=" + tag).path("apps").path("app");
        return apps.isArray() && apps.size() > 0 ? Optional.of(apps.get(0)) : Optional.empty();
    }

    /** The java processes the NodeManager launched whose command line names {@code mainClass}. */
    List<ProcessHandle> containers(String mainClass) {
        List<ProcessHandle> out = new ArrayList<>();
        ProcessHandle.of(pid).ifPresent(mc -> mc.descendants().forEach(h -> {
            Optional<String> cmd = h.info().command();
            Optional<String[]> args = h.info().arguments();
            if (cmd.isPresent() && cmd.get().endsWith("/java") && args.isPresent()
                    && List.of(args.get()).contains(mainClass)) {
                out.add(h);
            }
        }));
        synchronized (seen) {
            seen.addAll(out);
        }
        return out;
    }

    /** The container id in a container JVM's command line (its log directory is named after it). */
    static String containerId(ProcessHandle h) {
        String all = String.join(" ", h.info().arguments().orElse(new String[0]));
        Matcher m = Pattern.compile("(container_[0-9]+_[0-9]+_[0-9]+_[0-9]+)").matcher(all);
        return m.find() ? m.group(1) : "?";
    }

    /** A container's log file (stdout or stderr) as the NodeManager kept it, or "" if absent. */
    String containerLog(String appId, String containerId, String file) throws IOException {
        Path f = nmLogDir.resolve(appId).resolve(containerId).resolve(file);
        return Files.exists(f) ? Files.readString(f) : "";
    }

    /** The ids of the containers an application had on the NodeManager (from its log directories). */
    List<String> containerIds(String appId) throws IOException {
        Path dir = nmLogDir.resolve(appId);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Override
    public void close() throws Exception {
        if (fs != null) {
            fs.close();
        }
        Process p = script("stop").inheritIO().start();
        p.waitFor(180, TimeUnit.SECONDS);
        List<ProcessHandle> all;
        synchronized (seen) {
            all = new ArrayList<>(seen);
        }
        for (ProcessHandle h : all) {
            h.onExit().get(60, TimeUnit.SECONDS);
        }
    }

    /**
     * target/piadm.jar as {@code mvn package} makes it (the jar submit-yarn.sh ships): built here when it is
     * missing or older than the compiled classes, since {@code mvn test} stops before the package phase.
     */
    static Path appJar() throws Exception {
        Path jar = ROOT.resolve("target/piadm.jar");
        long newest;
        try (Stream<Path> s = Files.walk(ROOT.resolve("target/classes"))) {
            newest = s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().lastModified()).max().orElse(0);
        }
        if (!Files.exists(jar) || jar.toFile().lastModified() < newest) {
            Process p = new ProcessBuilder("mvn", "-B", "-q", "-DskipTests", "package").directory(ROOT.toFile())
                    .inheritIO().start();
            if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("mvn -DskipTests package failed: no target/piadm.jar to submit");
            }
        }
        return jar;
    }
}
