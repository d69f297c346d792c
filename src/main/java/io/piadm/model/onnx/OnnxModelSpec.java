package io.piadm.model.onnx;

import io.piadm.config.InvalidSettingException;
import io.piadm.config.Setting;

import io.piadm.model.ModelSpec;
import io.piadm.model.ScoreModel;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code --model onnx:PATH[,param=eps|x0|v|score][,time=ou|ddpm-linear|ddpm-cosine][,steps=N][,d=N]
 * [,threads=N][,gpu=ID][,requireGpu]}: a network read from a local or Hadoop-compatible path (anything
 * with a scheme, e.g. {@code hdfs://}, {@code s3a://}, {@code file:}, goes through Hadoop's FileSystem).
 *
 * <p>The spec is small (path, options, the model's SHA-256 and d); {@link #parse} reads the model once on
 * the driver to check its signature (inputs {@code x} [B, d] and {@code t} [B] or [B, 1], float32; one
 * output [B, d]) so that a bad model fails before any job starts. Executors call {@link #build} (or
 * {@link #build(String, int)} with their GPU address and task cores), which reads the file again, checks
 * that its hash is the driver's, and caches one session per JVM.
 *
 * <ul>
 *   <li>{@code param}: what the network predicts (default eps), see {@link Parameterisation}.</li>
 *   <li>{@code time}: the network's time input (default ou), see {@link TimeMap}; {@code steps} (default
 *       1000) is the DDPM step count and applies to the ddpm conventions only.</li>
 *   <li>{@code d}: the expected dimension; required when the model leaves x's last axis dynamic.</li>
 *   <li>{@code threads}: ONNX Runtime intra-op threads (default 1: the evaluators already run one model
 *       call per core; Spark tasks pass their own core count).</li>
 *   <li>{@code gpu}: a CUDA device id; {@code requireGpu}: fail instead of falling back to the CPU.</li>
 * </ul>
 */
public final class OnnxModelSpec implements ModelSpec {
    private static final long serialVersionUID = 1L;

    public static final String PREFIX = "onnx:";
    static final String GRAMMAR = "onnx:PATH|\"PATH\"[,param=" + Parameterisation.choices()
            + "][,time=ou|ddpm-linear|ddpm-cosine][,steps=N][,d=N][,threads=N][,gpu=ID][,requireGpu]";

    private final String body;
    private final String path;
    private final Parameterisation param;
    private final TimeMap.Kind time;
    private final int steps;
    private final Integer expectedDim;
    private final int threads;
    private final String gpu;
    private final boolean requireGpu;
    private final int dim;
    private final String sha256;

    private OnnxModelSpec(String body, String path, Parameterisation param, TimeMap.Kind time, int steps,
            Integer expectedDim, int threads, String gpu, boolean requireGpu, int dim, String sha256) {
        this.body = body;
        this.path = path;
        this.param = param;
        this.time = time;
        this.steps = steps;
        this.expectedDim = expectedDim;
        this.threads = threads;
        this.gpu = gpu;
        this.requireGpu = requireGpu;
        this.dim = dim;
        this.sha256 = sha256;
    }

    /**
     * Parses the text after {@code onnx:} and checks the model file. Every problem is an
     * InvalidSettingException of the model setting whose message names {@code onnx:BODY}.
     */
    public static OnnxModelSpec parse(String body) {
        String label = PREFIX + body;
        if (body == null || body.isBlank()) {
            throw new InvalidSettingException("{0} onnx: needs a model path: " + GRAMMAR, Setting.MODEL);
        }
        // Commas inside a double-quoted path do not split (onnx:"runs/a,b/m.onnx",param=eps).
        String[] parts = io.piadm.model.ModelSpecs.splitOutsideQuotes(body).toArray(new String[0]);
        String given = ModelPaths.unquote(label, parts[0]);
        if (given.isEmpty()) {
            throw InvalidSettingException.model(label + ": needs a model path first: " + GRAMMAR);
        }
        // A relative path that is not in the working directory is looked up in the project directory.
        String path = ModelPaths.resolve(label, given);
        Parameterisation param = Parameterisation.EPS;
        TimeMap.Kind time = TimeMap.Kind.OU;
        Integer steps = null;
        Integer d = null;
        int threads = 1;
        String gpu = null;
        boolean requireGpu = false;
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 1; i < parts.length; i++) {
            String opt = parts[i].trim();
            int eq = opt.indexOf('=');
            String key = (eq < 0 ? opt : opt.substring(0, eq)).trim();
            String value = eq < 0 ? null : opt.substring(eq + 1).trim();
            if (!seen.add(key.toLowerCase(Locale.ROOT))) {
                throw InvalidSettingException.model(label + ": option '" + key + "' is given twice");
            }
            switch (key.toLowerCase(Locale.ROOT)) {
                case "param":
                    param = value == null ? null : Parameterisation.fromOption(value);
                    if (param == null) {
                        throw InvalidSettingException.model(label + ": param must be one of "
                                + Parameterisation.choices() + ", got '" + value + "'");
                    }
                    break;
                case "time":
                    time = value == null ? null : TimeMap.Kind.fromOption(value);
                    if (time == null) {
                        throw InvalidSettingException.model(label
                                + ": time must be one of ou|ddpm-linear|ddpm-cosine, got '" + value + "'");
                    }
                    break;
                case "steps":
                    steps = intOption(label, "steps", value, 2, 1_000_000);
                    break;
                case "d":
                    d = intOption(label, "d", value, 1, Integer.MAX_VALUE);
                    break;
                case "threads":
                    threads = intOption(label, "threads", value, 1, 1024);
                    break;
                case "gpu":
                    if (value == null || !value.matches("\\d+")) {
                        throw InvalidSettingException.model(label
                                + ": gpu must be a CUDA device id (an integer >= 0), got '" + value + "'");
                    }
                    gpu = value;
                    break;
                case "requiregpu":
                    if (value != null && !value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
                        throw InvalidSettingException.model(label + ": requireGpu takes no value or true|false, got '"
                                + value + "'");
                    }
                    requireGpu = value == null || value.equalsIgnoreCase("true");
                    break;
                default:
                    throw InvalidSettingException.model(label + ": unknown option '" + key
                            + "'; the grammar is " + GRAMMAR + (value == null
                                    ? " (a path that holds commas must be quoted: onnx:\"PATH\",...)" : ""));
            }
        }
        if (steps != null && time == TimeMap.Kind.OU) {
            throw InvalidSettingException.model(label
                    + ": steps applies to time=ddpm-linear|ddpm-cosine only, not time=ou");
        }
        int n = time == TimeMap.Kind.OU ? 0 : (steps == null ? TimeMap.DEFAULT_STEPS : steps);
        OnnxModelSpec probe = new OnnxModelSpec(body, path, param, time, n, d, threads, gpu, requireGpu, -1, null);
        byte[] bytes = OnnxScoreModel.readModel(probe);
        String sha = io.piadm.io.Hashing.sha256Hex(bytes);
        OnnxModelSpec withHash = new OnnxModelSpec(body, path, param, time, n, d, threads, gpu, requireGpu, -1, sha);
        // The driver checks the signature on the CPU (it may have no GPU); executors build their own.
        int dim;
        try (OnnxScoreModel model = OnnxScoreModel.open(withHash, null, threads, bytes, false)) {
            dim = model.dim();
        }
        return new OnnxModelSpec(body, path, param, time, n, d, threads, gpu, requireGpu, dim, sha);
    }

    private static int intOption(String label, String key, String value, int min, int max) {
        try {
            int v = Integer.parseInt(value == null ? "" : value);
            if (v >= min && v <= max) {
                return v;
            }
        } catch (NumberFormatException e) {
            // fall through to the message
        }
        throw InvalidSettingException.model(label + ": " + key + " must be an integer in [" + min + ", "
                + (max == Integer.MAX_VALUE ? "2^31-1" : Integer.toString(max)) + "], got '" + value + "'");
    }

    /**
     * A new session (the caller closes it): on the spec's own gpu option, else the context's GPU (a Spark
     * task's resource address), else the CPU; intra-op threads from the spec's threads option when given,
     * else the context's cores.
     */
    @Override
    public ScoreModel build(io.piadm.model.ExecutionContext context) {
        String device = gpu != null ? gpu : context.gpuAddress();
        int t = threads != 1 ? threads : Math.max(1, context.cores());
        return OnnxScoreModel.open(this, device, t, null, true);
    }

    @Override
    public int dim() {
        return dim;
    }

    public String path() {
        return path;
    }

    @Override
    public String modelFile() {
        return path;
    }

    public Parameterisation param() {
        return param;
    }

    public TimeMap timeMap() {
        return TimeMap.of(time, steps);
    }

    public TimeMap.Kind time() {
        return time;
    }

    public int steps() {
        return steps;
    }

    public Integer expectedDim() {
        return expectedDim;
    }

    public int threads() {
        return threads;
    }

    public String gpu() {
        return gpu;
    }

    public boolean requireGpu() {
        return requireGpu;
    }

    /** SHA-256 of the model file read on the driver (null before parse has read it). */
    public String sha256() {
        return sha256;
    }

    /** The text the user gave, for messages: {@code onnx:BODY}. */
    String label() {
        return PREFIX + body;
    }

    /** Options that change the numbers: param and time (with steps). */
    String modelOptions() {
        return "param=" + param.option() + "," + TimeMap.of(time, steps).describe();
    }

    @Override
    public String id() {
        StringBuilder s = new StringBuilder(PREFIX).append(path).append(',').append(modelOptions());
        if (expectedDim != null) {
            s.append(",d=").append(expectedDim);
        }
        if (threads != 1) {
            s.append(",threads=").append(threads);
        }
        if (gpu != null) {
            s.append(",gpu=").append(gpu);
        }
        if (requireGpu) {
            s.append(",requireGpu");
        }
        return s.toString();
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "onnx");
        m.put("path", path);
        m.put("sha256", sha256);
        m.put("dim", dim);
        m.put("param", param.option());
        m.put("time", time.option());
        if (time != TimeMap.Kind.OU) {
            m.put("steps", steps);
        }
        m.put("threads", threads);
        if (gpu != null) {
            m.put("gpu", gpu);
        }
        m.put("requireGpu", requireGpu);
        return m;
    }

    @Override
    public String toString() {
        return id();
    }
}
