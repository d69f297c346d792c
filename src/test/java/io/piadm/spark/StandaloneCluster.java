package io.piadm.spark;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * A master + N workers in separate JVMs started by {@code scripts/standalone-cluster.sh}, with fake GPUs
 * (a discovery script printing two addresses per worker), for the integration tests; stopped by PID.
 */
final class StandaloneCluster implements AutoCloseable {
    static final Path ROOT = Paths.get("").toAbsolutePath();
    final String master;
    final int port;
    final Path tmp;
    final Path appJar;

    StandaloneCluster(int workers) throws Exception {
        this.tmp = Files.createTempDirectory("piadm-cluster");
        this.port = freePort();
        Path fake = tmp.resolve("fake-gpus.sh");
        Files.writeString(fake, "#!/bin/sh\necho '{\"name\":\"gpu\",\"addresses\":[\"5\",\"7\"]}'\n");
        fake.toFile().setExecutable(true);
        ProcessBuilder pb = script("start", String.valueOf(workers));
        pb.environment().put("WORKER_GPUS", "2");
        pb.environment().put("WORKER_GPU_SCRIPT", fake.toString());
        Process p = pb.redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        if (!p.waitFor(200, TimeUnit.SECONDS) || p.exitValue() != 0) {
            close();
            throw new IllegalStateException("cluster did not start: " + out);
        }
        // The script prints the master URL on its last line; anything a tool printed before is ignored.
        java.util.regex.Matcher url = java.util.regex.Pattern.compile("spark://[0-9.]+:[0-9]+").matcher(out);
        String found = null;
        while (url.find()) {
            found = url.group();
        }
        if (found == null) {
            close();
            throw new IllegalStateException("cluster start printed no master URL: " + out);
        }
        this.master = found;
        this.appJar = buildAppJar(tmp.resolve("piadm-app.jar"));
    }

    private ProcessBuilder script(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add("bash");
        cmd.add(ROOT.resolve("scripts/standalone-cluster.sh").toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile());
        pb.environment().put("MASTER_PORT", String.valueOf(port));
        pb.environment().put("MASTER_UI_PORT", String.valueOf(freePort()));
        return pb;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** target/classes and target/test-classes in one jar, shipped to executors with spark.jars. */
    static Path buildAppJar(Path jar) throws IOException {
        try (OutputStream os = Files.newOutputStream(jar); JarOutputStream jos = new JarOutputStream(os)) {
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (String dir : new String[] {"target/classes", "target/test-classes"}) {
                Path base = ROOT.resolve(dir);
                try (Stream<Path> files = Files.walk(base)) {
                    for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                        String name = base.relativize(f).toString().replace(File.separatorChar, '/');
                        if (seen.add(name)) {
                            jos.putNextEntry(new JarEntry(name));
                            jos.write(Files.readAllBytes(f));
                            jos.closeEntry();
                        }
                    }
                }
            }
        }
        return jar;
    }

    long pid(String name) throws IOException {
        return Long.parseLong(Files.readString(ROOT.resolve("target/spark-home/pids/" + name + ".pid")).trim());
    }

    /** Executor JVMs: children of the worker processes. */
    List<ProcessHandle> executors() throws IOException {
        List<ProcessHandle> out = new ArrayList<>();
        for (int i = 1; ; i++) {
            Path f = ROOT.resolve("target/spark-home/pids/worker-" + i + ".pid");
            if (!Files.exists(f)) {
                break;
            }
            ProcessHandle.of(pid("worker-" + i)).ifPresent(w -> w.descendants().forEach(out::add));
        }
        return out;
    }

    /** Everything this cluster started (master, workers, their executors). */
    List<ProcessHandle> processes() throws IOException {
        List<ProcessHandle> out = new ArrayList<>(executors());
        Path pids = ROOT.resolve("target/spark-home/pids");
        if (Files.isDirectory(pids)) {
            try (Stream<Path> s = Files.list(pids)) {
                for (Path f : (Iterable<Path>) s::iterator) {
                    ProcessHandle.of(Long.parseLong(Files.readString(f).trim())).ifPresent(out::add);
                }
            }
        }
        return out;
    }

    /** Session options for this cluster: both workers' single cores, small executors. */
    SparkSessions.Options options() {
        return new SparkSessions.Options().master(master).ui(false).appName("piadm-it")
                .conf("spark.jars", appJar.toString())
                .conf("spark.executor.memory", "512m")
                .conf("spark.cores.max", "2")
                .conf("spark.executorEnv.SPARK_SCALA_VERSION", "2.13")
                .conf("spark.executorEnv.SPARK_LOCAL_IP", "127.0.0.1")
                .conf("spark.executor.extraJavaOptions", "-Dlog4j2.configurationFile="
                        + ROOT.resolve("conf/log4j2.properties"));
    }

    @Override
    public void close() throws Exception {
        List<ProcessHandle> before = processes();
        Process p = script("stop").inheritIO().start();
        p.waitFor(60, TimeUnit.SECONDS);
        for (ProcessHandle h : before) {
            h.onExit().get(30, TimeUnit.SECONDS);
        }
    }
}
