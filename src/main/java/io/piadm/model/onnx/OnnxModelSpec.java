package io.piadm.model.onnx;

import io.piadm.config.InvalidSettingException;
import io.piadm.config.Setting;
import io.piadm.model.LabelledModelSpec;
import io.piadm.model.ScoreModel;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code --model onnx:PATH[,param=eps|x0|v|score][,time=ou|ddpm-linear|ddpm-cosine][,steps=N][,shape=CxHxW]
 * [,inputs=X:T[:LABEL]][,output=NAME][,null-label=N][,timesteps=integer|continuous][,check=on|warn|off][,d=N]
 * [,threads=N][,gpu=ID][,requireGpu]}: a network read from a local or Hadoop-compatible path (anything with a
 * scheme, e.g. {@code hdfs://}, {@code s3a://}, {@code file:}, goes through Hadoop's FileSystem).
 *
 * <p>The spec is small (path, options, the model's SHA-256 and its resolved {@link OnnxSignature});
 * {@link #parse} reads the model once on the driver to check its signature, so that a bad model fails before
 * any job starts. Executors call {@link #build}, which reads the file again, checks that its hash is the
 * driver's, and opens a session.
 *
 * <ul>
 *   <li>{@code param}: what the network predicts (default eps), see {@link Parameterisation}.</li>
 *   <li>{@code time}: the network's time input, see {@link TimeMap}; {@code steps} (default 1000) is the DDPM
 *       step count. Default: {@code ou} for a float time input; for an integer time input (a DDPM step index)
 *       {@code ddpm-linear} with 1000 steps, the DDPM/diffusers default, reported as assumed.</li>
 *   <li>{@code timesteps}: {@code integer} snaps the sampling grid to the training steps (docs/ALGORITHMS.md
 *       section 9), always so for an integer time input; {@code continuous} (the default for a float input)
 *       feeds fractional step indices.</li>
 *   <li>{@code shape}: the per-row shape of x when the model leaves it dynamic; {@code d}: the same for a flat x.</li>
 *   <li>{@code inputs}, {@code output}: names, when they are not the recognised ones (see {@link OnnxSignature}).</li>
 *   <li>{@code null-label}: the unconditional label of a class-conditional network (classifier-free guidance);
 *       default: the {@code nullLabel} of the training report beside the model, if any.</li>
 *   <li>{@code check}: the time-convention probe before sampling ({@code on}: refuse a convention that clearly
 *       does not fit; {@code warn}: only warn; {@code off}); it never changes samples.</li>
 *   <li>{@code threads}: ONNX Runtime intra-op threads; {@code gpu}: a CUDA device id; {@code requireGpu}:
 *       fail instead of falling back to the CPU.</li>
 * </ul>
 */
public final class OnnxModelSpec implements LabelledModelSpec {
    private static final long serialVersionUID = 2L;

    public static final String PREFIX = "onnx:";
    static final String GRAMMAR = "onnx:PATH|\"PATH\"[,param=" + Parameterisation.choices()
            + "][,time=ou|ddpm-linear|ddpm-cosine][,steps=N][,shape=CxHxW][,inputs=X:T[:LABEL]][,output=NAME]"
            + "[,null-label=N][,timesteps=integer|continuous][,check=on|warn|off][,d=N][,threads=N][,gpu=ID][,requireGpu]";

    /** How strictly the time-convention probe acts (see {@code io.piadm.model.onnx.TimeConventionCheck}). */
    public enum Check { ON, WARN, OFF }

    /** The parsed options, shipped with the spec. */
    static final class Options implements Serializable {
        private static final long serialVersionUID = 1L;
        String path;
        Parameterisation param = Parameterisation.EPS;
        TimeMap.Kind time;
        Integer steps;
        Integer expectedDim;
        long[] shape;
        OnnxSignature.Names names = OnnxSignature.Names.defaults();
        Integer nullLabel;
        boolean nullLabelFromReport;
        Boolean integerSteps;
        Check check = Check.ON;
        int threads = 1;
        String gpu;
        boolean requireGpu;
    }

    private final String body;
    private final Options o;
    private final TimeMap.Kind time;
    private final int steps;
    private final boolean timeGiven;
    private final boolean integerSteps;
    private final OnnxSignature signature;
    private final String sha256;

    private OnnxModelSpec(String body, Options o, TimeMap.Kind time, int steps, boolean timeGiven,
            boolean integerSteps, OnnxSignature signature, String sha256) {
        this.body = body;
        this.o = o;
        this.time = time;
        this.steps = steps;
        this.timeGiven = timeGiven;
        this.integerSteps = integerSteps;
        this.signature = signature;
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
        Options o = new Options();
        if (given.isEmpty()) {
            throw InvalidSettingException.model(label + ": needs a model path first: " + GRAMMAR);
        }
        // A relative path that is not in the working directory is looked up in the project directory.
        o.path = ModelPaths.resolve(label, given);
        java.util.Set<String> seen = new java.util.HashSet<>();
        String inputs = null;
        String output = null;
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
                    o.param = value == null ? null : Parameterisation.fromOption(value);
                    if (o.param == null) {
                        throw InvalidSettingException.model(label + ": param must be one of "
                                + Parameterisation.choices() + ", got '" + value + "'");
                    }
                    break;
                case "time":
                    o.time = value == null ? null : TimeMap.Kind.fromOption(value);
                    if (o.time == null) {
                        throw InvalidSettingException.model(label
                                + ": time must be one of ou|ddpm-linear|ddpm-cosine, got '" + value + "'");
                    }
                    break;
                case "steps":
                    o.steps = intOption(label, "steps", value, 2, 1_000_000);
                    break;
                case "d":
                    o.expectedDim = intOption(label, "d", value, 1, Integer.MAX_VALUE);
                    break;
                case "shape":
                    o.shape = shapeOption(label, value);
                    break;
                case "inputs":
                    inputs = value;
                    break;
                case "output":
                    if (value == null || value.isEmpty()) {
                        throw InvalidSettingException.model(label + ": output must name the model's prediction output, got '"
                                + value + "'");
                    }
                    output = value;
                    break;
                case "null-label":
                    o.nullLabel = intOption(label, "null-label", value, 0, Integer.MAX_VALUE);
                    break;
                case "timesteps":
                    if ("integer".equalsIgnoreCase(value)) {
                        o.integerSteps = true;
                    } else if ("continuous".equalsIgnoreCase(value)) {
                        o.integerSteps = false;
                    } else {
                        throw InvalidSettingException.model(label + ": timesteps must be integer or continuous, got '"
                                + value + "'");
                    }
                    break;
                case "check":
                    o.check = value == null ? null : switch (value.toLowerCase(Locale.ROOT)) {
                        case "on" -> Check.ON;
                        case "warn" -> Check.WARN;
                        case "off" -> Check.OFF;
                        default -> null;
                    };
                    if (o.check == null) {
                        throw InvalidSettingException.model(label + ": check must be on, warn or off, got '" + value + "'");
                    }
                    break;
                case "threads":
                    o.threads = intOption(label, "threads", value, 1, 1024);
                    break;
                case "gpu":
                    if (value == null || !value.matches("\\d+")) {
                        throw InvalidSettingException.model(label
                                + ": gpu must be a CUDA device id (an integer >= 0), got '" + value + "'");
                    }
                    o.gpu = value;
                    break;
                case "requiregpu":
                    if (value != null && !value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
                        throw InvalidSettingException.model(label + ": requireGpu takes no value or true|false, got '"
                                + value + "'");
                    }
                    o.requireGpu = value == null || value.equalsIgnoreCase("true");
                    break;
                default:
                    throw InvalidSettingException.model(label + ": unknown option '" + key
                            + "'; the grammar is " + GRAMMAR + (value == null
                                    ? " (a path that holds commas must be quoted: onnx:\"PATH\",...)" : ""));
            }
        }
        o.names = names(label, inputs, output);
        byte[] bytes = OnnxScoreModel.readModel(label, o.path);
        String sha = io.piadm.io.Hashing.sha256Hex(bytes);
        OnnxSignature sig = OnnxScoreModel.signature(label, o, bytes);

        boolean timeGiven = o.time != null;
        TimeMap.Kind time = o.time;
        if (sig.tType.isInteger()) {
            if (time == TimeMap.Kind.OU) {
                throw InvalidSettingException.model(label + ": the time input '" + sig.tName + "' is " + sig.tType.numpy
                        + ", a DDPM step index, so time=ou cannot feed it: use time=ddpm-linear|ddpm-cosine[,steps=N]");
            }
            if (Boolean.FALSE.equals(o.integerSteps)) {
                throw InvalidSettingException.model(label + ": the time input '" + sig.tName + "' is " + sig.tType.numpy
                        + ": it takes integer steps only, not timesteps=continuous");
            }
            if (time == null) {
                time = TimeMap.Kind.DDPM_LINEAR; // the DDPM / diffusers default; reported as assumed
            }
        } else if (time == null) {
            time = TimeMap.Kind.OU;
        }
        if (o.steps != null && time == TimeMap.Kind.OU) {
            throw InvalidSettingException.model(label
                    + ": steps applies to time=ddpm-linear|ddpm-cosine only, not time=ou");
        }
        if (time == TimeMap.Kind.OU && Boolean.TRUE.equals(o.integerSteps)) {
            throw InvalidSettingException.model(label + ": timesteps=integer needs a DDPM time convention "
                    + "(time=ddpm-linear|ddpm-cosine), not time=ou");
        }
        if (o.nullLabel == null && sig.hasLabel()) {
            o.nullLabel = reportNullLabel(o.path); // the training report beside the model, if it names one
            o.nullLabelFromReport = o.nullLabel != null;
        }
        if (o.nullLabel != null && !sig.hasLabel()) {
            throw InvalidSettingException.model(label + ": null-label applies to a class-conditional network, but the"
                    + " model takes no label input (" + String.join(" or ", OnnxSignature.LABEL_NAMES) + ")");
        }
        int n = time == TimeMap.Kind.OU ? 0 : (o.steps == null ? TimeMap.DEFAULT_STEPS : o.steps);
        boolean integer = sig.tType.isInteger() || Boolean.TRUE.equals(o.integerSteps);
        OnnxModelSpec spec = new OnnxModelSpec(body, o, time, n, timeGiven, integer, sig, sha);
        // The driver checks that ONNX Runtime accepts the model, on the CPU (it may have no GPU).
        try (OnnxScoreModel model = OnnxScoreModel.open(spec, null, o.threads, bytes, false)) {
            if (model.dim() != sig.d) {
                throw new IllegalStateException(label + ": session dimension " + model.dim() + " != " + sig.d);
            }
        }
        return spec;
    }

    /**
     * The integer {@code nullLabel} of {@code <name>.report.json} beside a local model file (as the digits
     * notebook writes it), or null.
     */
    static Integer reportNullLabel(String path) {
        if (path.contains("://") && !path.startsWith("file:")) {
            return null;
        }
        try {
            java.nio.file.Path model = java.nio.file.Paths.get(path.startsWith("file:") ? java.net.URI.create(path).getPath() : path);
            String name = model.getFileName().toString().replaceFirst("\\.onnx$", "");
            java.nio.file.Path report = model.resolveSibling(name + ".report.json");
            if (!java.nio.file.Files.isReadable(report)) {
                return null;
            }
            com.fasterxml.jackson.databind.JsonNode n = io.piadm.io.RunJson.read(report).path("nullLabel");
            return n.isInt() && n.asInt() >= 0 ? n.asInt() : null;
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }

    private static OnnxSignature.Names names(String label, String inputs, String output) {
        if (inputs == null) {
            return new OnnxSignature.Names(null, null, null, output);
        }
        String[] p = inputs.split(":", -1);
        if (p.length < 2 || p.length > 3) {
            throw InvalidSettingException.model(label + ": inputs must be X:T or X:T:LABEL (the names of the state, time"
                    + " and label inputs), got '" + inputs + "'");
        }
        for (String s : p) {
            if (s.isBlank()) {
                throw InvalidSettingException.model(label + ": inputs must be X:T or X:T:LABEL with non-empty names, got '"
                        + inputs + "'");
            }
        }
        return new OnnxSignature.Names(p[0].trim(), p[1].trim(), p.length == 3 ? p[2].trim() : null, output);
    }

    private static long[] shapeOption(String label, String value) {
        String[] p = value == null ? new String[0] : value.split("x", -1);
        long[] s = new long[p.length];
        try {
            for (int i = 0; i < p.length; i++) {
                s[i] = Long.parseLong(p[i].trim());
                if (s[i] < 1 || s[i] > io.piadm.model.ModelSpecs.MAX_DIM) {
                    throw new NumberFormatException();
                }
            }
        } catch (NumberFormatException e) {
            s = new long[0];
        }
        if (s.length == 0) {
            throw InvalidSettingException.model(label + ": shape must be the per-row dims as positive integers joined"
                    + " by x (e.g. 1x8x8 or 64), got '" + value + "'");
        }
        return s;
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
        String device = o.gpu != null ? o.gpu : context.gpuAddress();
        int t = o.threads != 1 ? o.threads : Math.max(1, context.cores());
        return OnnxScoreModel.open(this, device, t, null, true);
    }

    /** This spec with other time options (the time-convention probe tries alternatives). */
    OnnxModelSpec withTime(TimeMap.Kind kind, int n, Parameterisation p) {
        Options c = copy();
        c.param = p;
        return new OnnxModelSpec(body, c, kind, kind == TimeMap.Kind.OU ? 0 : n, true, integerSteps && kind != TimeMap.Kind.OU,
                signature, sha256);
    }

    private Options copy() {
        Options c = new Options();
        c.path = o.path;
        c.param = o.param;
        c.time = o.time;
        c.steps = o.steps;
        c.expectedDim = o.expectedDim;
        c.shape = o.shape;
        c.names = o.names;
        c.nullLabel = o.nullLabel;
        c.nullLabelFromReport = o.nullLabelFromReport;
        c.integerSteps = o.integerSteps;
        c.check = o.check;
        c.threads = o.threads;
        c.gpu = o.gpu;
        c.requireGpu = o.requireGpu;
        return c;
    }

    @Override
    public int dim() {
        return signature.d;
    }

    public String path() {
        return o.path;
    }

    @Override
    public String modelFile() {
        return o.path;
    }

    public Parameterisation param() {
        return o.param;
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

    /** False when {@code time=} was omitted (the default was used). */
    public boolean timeGiven() {
        return timeGiven;
    }

    public Check check() {
        return o.check;
    }

    public OnnxSignature signature() {
        return signature;
    }

    public Integer expectedDim() {
        return o.expectedDim;
    }

    public int threads() {
        return o.threads;
    }

    public String gpu() {
        return o.gpu;
    }

    public boolean requireGpu() {
        return o.requireGpu;
    }

    /** SHA-256 of the model file read on the driver. */
    public String sha256() {
        return sha256;
    }

    /** True when every evaluation time must be a training step (integer time input, or timesteps=integer). */
    public boolean integerSteps() {
        return integerSteps;
    }

    /** The OU times of the training steps when the grid must be snapped to them (docs section 9), else null. */
    @Override
    public double[] trainingTimes() {
        return integerSteps ? timeMap().stepTimes() : null;
    }

    @Override
    public boolean hasLabelInput() {
        return signature.hasLabel();
    }

    @Override
    public Integer nullLabel() {
        return o.nullLabel;
    }

    @Override
    public long[] rowShape() {
        return signature.rowShape();
    }

    /** The text the user gave, for messages: {@code onnx:BODY}. */
    String label() {
        return PREFIX + body;
    }

    /** Options that change the numbers: param and time (with steps). */
    String modelOptions() {
        return "param=" + o.param.option() + "," + TimeMap.of(time, steps).describe();
    }

    @Override
    public String id() {
        StringBuilder s = new StringBuilder(PREFIX).append(o.path).append(',').append(modelOptions());
        if (o.names.x != null) {
            s.append(",inputs=").append(o.names.x).append(':').append(o.names.t);
            if (o.names.label != null) {
                s.append(':').append(o.names.label);
            }
        }
        if (o.names.output != null) {
            s.append(",output=").append(o.names.output);
        }
        if (o.shape != null) {
            s.append(",shape=").append(OnnxSignature.shapeText(o.shape));
        }
        if (o.nullLabel != null) {
            s.append(",null-label=").append(o.nullLabel);
        }
        if (integerSteps && !signature.tType.isInteger()) {
            s.append(",timesteps=integer");
        }
        if (o.expectedDim != null) {
            s.append(",d=").append(o.expectedDim);
        }
        if (o.threads != 1) {
            s.append(",threads=").append(o.threads);
        }
        if (o.gpu != null) {
            s.append(",gpu=").append(o.gpu);
        }
        if (o.requireGpu) {
            s.append(",requireGpu");
        }
        return s.toString();
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "onnx");
        m.put("path", o.path);
        m.put("sha256", sha256);
        m.put("dim", signature.d);
        m.put("shape", signature.rowShape());
        m.put("signature", signature.describe());
        m.put("param", o.param.option());
        m.put("time", time.option());
        if (time != TimeMap.Kind.OU) {
            m.put("steps", steps);
        }
        if (!timeGiven) {
            m.put("timeAssumed", signature.tType.isInteger()
                    ? "time= omitted: an integer step index, assumed time=ddpm-linear,steps=" + steps
                    + " (the DDPM default)"
                    : "time= omitted: the network is fed OU time (time=ou)");
        }
        m.put("timesteps", timestepsNote());
        if (o.nullLabel != null) {
            m.put("nullLabel", o.nullLabel);
            if (o.nullLabelFromReport) {
                m.put("nullLabelSource", "the model's report.json (nullLabel)");
            }
        }
        m.put("threads", o.threads);
        if (o.gpu != null) {
            m.put("gpu", o.gpu);
        }
        m.put("requireGpu", o.requireGpu);
        return m;
    }

    /** What run.json says about integer training steps (issue: a float t on a model trained on integers). */
    private String timestepsNote() {
        if (signature.tType.isInteger()) {
            return "integer: the network takes a " + signature.tType.numpy + " step index; every evaluation time is"
                    + " a training step t_k = -ln abar_k (grid snapped, docs/ALGORITHMS.md section 9)";
        }
        if (integerSteps) {
            return "integer: timesteps=integer snaps the grid to the training steps; the float input receives whole"
                    + " step indices";
        }
        if (time != TimeMap.Kind.OU) {
            return "continuous: the float input receives fractional DDPM step indices; a network trained on integer"
                    + " steps only is then evaluated between its training steps (timesteps=integer snaps the grid)";
        }
        return "continuous: OU time";
    }

    @Override
    public String toString() {
        return id();
    }
}
