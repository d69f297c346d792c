package io.piadm.model.onnx;

import io.piadm.process.OuProcess;
import io.piadm.config.InvalidSettingException;
import io.piadm.config.Setting;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.ValueInfo;
import io.piadm.model.ScoreModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Executor-side ONNX network as a {@link ScoreModel}: feeds {@code x} (float32 [B, d]) and the network
 * time of each row's OU time ({@link TimeMap}) to one cached {@link OrtSession} and converts the output
 * to the score ({@link Parameterisation}) in double precision.
 *
 * <p>Each instance owns one {@link OrtSession}, closed by {@link #close()}; executors keep one model per
 * JVM ({@code io.piadm.spark.ExecutorModels}). OrtSession.run is thread-safe, so the evaluators' threads
 * share it.
 *
 * <p>Batch invariance: the network runs in float32 and ONNX Runtime's CPU kernels choose their code path,
 * and so the summation order, from the batch size: unpadded, a row scored alone and the same row inside a
 * batch of 1000 differed by up to 4.7e-7 relative (MLP 8-128-128-128-8, this machine). Every call is
 * therefore padded to a multiple of {@link #PAD_ROWS} rows; with that the tests observe bit-identical
 * scores whatever the batch split or intra-op thread count (EpsMlpOnnxTest#batchInvariance), so the same
 * seed gives the same samples under any batching. GPU providers make no such promise.
 */
public final class OnnxScoreModel implements ScoreModel {
    private static final Logger LOG = LoggerFactory.getLogger(OnnxScoreModel.class);

    /** Rows per ONNX Runtime call: bounds the float buffers (4096 x d floats each). */
    static final int MAX_ROWS_PER_RUN = 4096;

    /** Batches are padded to a multiple of this many rows (see {@link #run}). */
    static final int PAD_ROWS = 16;

    private final OrtEnvironment env;
    private final OrtSession session;
    private final String label;
    private final int d;
    private final boolean timeRank1;
    private final String outputName;
    private final Parameterisation param;
    private final TimeMap time;
    private final String device;

    private OnnxScoreModel(OrtEnvironment env, OrtSession session, String label, int d, boolean timeRank1,
            String outputName, Parameterisation param, TimeMap time, String device) {
        this.env = env;
        this.session = session;
        this.label = label;
        this.d = d;
        this.timeRank1 = timeRank1;
        this.outputName = outputName;
        this.param = param;
        this.time = time;
        this.device = device;
    }

    /**
     * A new session for (spec, device, threads); {@code bytes} is the file content when the caller has
     * already read it (the driver's parse), else null (the file is read and its hash checked).
     * {@code enforceGpu} false is the driver's signature check, which runs on the CPU whatever requireGpu
     * says (the driver of a cluster job need not have the executors' GPUs).
     */
    static OnnxScoreModel open(OnnxModelSpec spec, String gpu, int threads, byte[] bytes, boolean enforceGpu) {
        boolean require = enforceGpu && spec.requireGpu();
        byte[] b = bytes;
        if (b == null) {
            b = readModel(spec);
            String sha = io.piadm.io.Hashing.sha256Hex(b);
            if (spec.sha256() != null && !spec.sha256().equals(sha)) {
                throw new IllegalStateException(spec.label() + ": the file at " + spec.path()
                        + " has changed since the driver read it (SHA-256 " + sha + ", expected "
                        + spec.sha256() + ")");
            }
        }
        return load(spec, b, gpu, threads, require);
    }

    /** Reads the model file: a plain local path directly, anything with a URI scheme through Hadoop. */
    static byte[] readModel(OnnxModelSpec spec) {
        return ModelPaths.read(spec.label(), spec.path());
    }

    private static OnnxScoreModel load(OnnxModelSpec spec, byte[] bytes, String gpu, int threads, boolean require) {
        String label = spec.label();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
        String device = "cpu";
        try {
            opts.setIntraOpNumThreads(threads);
            opts.setInterOpNumThreads(1);
            if (gpu != null) {
                try {
                    opts.addCUDA(Integer.parseInt(gpu));
                    device = "cuda:" + gpu;
                } catch (OrtException | RuntimeException | LinkageError e) {
                    String why = "the CUDA execution provider is not available for GPU " + gpu + " ("
                            + e.getMessage() + "); it needs the -Pgpu build (onnxruntime_gpu) and CUDA 12 + cuDNN 9";
                    if (require) {
                        throw new IllegalStateException(label + ": requireGpu is set but " + why);
                    }
                    LOG.warn("{}: {}; running on the CPU", label, why);
                }
            } else if (require) {
                throw new IllegalStateException(label + ": requireGpu is set but no GPU was given "
                        + "(gpu=ID option, or a Spark task GPU resource)");
            }
        } catch (OrtException e) {
            throw new IllegalStateException(label + ": cannot configure ONNX Runtime: " + e.getMessage(), e);
        }
        OrtSession session;
        try {
            session = env.createSession(bytes, opts);
        } catch (OrtException e) {
            throw InvalidSettingException.model(label + ": " + spec.path() + " is not a valid ONNX model ("
                    + e.getMessage().trim() + ")", e);
        }
        try {
            Signature sig = checkSignature(label, session, spec.expectedDim());
            LOG.info("{}: loaded (d={}, t {}, device {}, {} intra-op threads)", label, sig.d,
                    sig.timeRank1 ? "[B]" : "[B, 1]", device, threads);
            return new OnnxScoreModel(env, session, label, sig.d, sig.timeRank1, sig.output, spec.param(),
                    spec.timeMap(), device);
        } catch (RuntimeException | OrtException e) {
            try {
                session.close();
            } catch (OrtException ignored) {
                // the signature error is the one to report
            }
            if (e instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(label + ": cannot read the model's signature: " + e.getMessage(), e);
        }
    }

    private static final class Signature {
        int d;
        boolean timeRank1;
        String output;
    }

    /** Checks names, types, ranks and d; every problem found goes into one message. */
    private static Signature checkSignature(String label, OrtSession s, Integer expectedDim) throws OrtException {
        Map<String, NodeInfo> in = s.getInputInfo();
        Map<String, NodeInfo> out = s.getOutputInfo();
        String declared = "the model declares inputs " + describe(in) + " and outputs " + describe(out);
        List<String> problems = new ArrayList<>();
        Signature sig = new Signature();
        if (in.size() != 2 || !in.containsKey("x") || !in.containsKey("t")) {
            throw InvalidSettingException.model(label + ": the model must have exactly two inputs, 'x' [B, d] and "
                    + "'t' [B] or [B, 1] (float32); " + declared);
        }
        TensorInfo x = tensor(in.get("x"));
        String dText = expectedDim == null ? "d" : Integer.toString(expectedDim);
        int d = -1;
        if (x == null || x.type != OnnxJavaType.FLOAT || x.getShape().length != 2 || x.getShape()[0] > 0
                || (expectedDim != null && x.getShape()[1] > 0 && x.getShape()[1] != expectedDim)) {
            problems.add("input 'x' must have shape [B, " + dText + "] (float32, B dynamic), the model declares "
                    + describe(in.get("x")));
        } else if (x.getShape()[1] > 0) {
            d = (int) x.getShape()[1];
        } else if (expectedDim != null) {
            d = expectedDim;
        } else {
            problems.add("input 'x' leaves d dynamic (" + describe(in.get("x")) + "): give the dimension as d=N");
        }
        TensorInfo t = tensor(in.get("t"));
        if (t == null || t.type != OnnxJavaType.FLOAT || t.getShape().length < 1 || t.getShape().length > 2
                || t.getShape()[0] > 0 || (t.getShape().length == 2 && t.getShape()[1] > 1)) {
            problems.add("input 't' must have shape [B] or [B, 1] (float32, B dynamic), the model declares "
                    + describe(in.get("t")));
        } else {
            sig.timeRank1 = t.getShape().length == 1;
        }
        if (out.size() != 1) {
            problems.add("the model must have exactly one output [B, " + dText + "], it declares " + describe(out));
        } else {
            NodeInfo o = out.values().iterator().next();
            sig.output = o.getName();
            TensorInfo ot = tensor(o);
            long od = ot == null || ot.getShape().length != 2 ? -2 : ot.getShape()[1];
            if (ot == null || ot.type != OnnxJavaType.FLOAT || ot.getShape().length != 2
                    || (d > 0 && od > 0 && od != d)) {
                problems.add("output '" + o.getName() + "' must have shape [B, " + (d > 0 ? d : dText)
                        + "] (float32), the model declares " + describe(o));
            }
        }
        if (!problems.isEmpty()) {
            throw InvalidSettingException.model(label + ": " + String.join("; ", problems));
        }
        sig.d = d;
        return sig;
    }

    private static TensorInfo tensor(NodeInfo n) {
        ValueInfo v = n.getInfo();
        return v instanceof TensorInfo ti ? ti : null;
    }

    private static String describe(Map<String, NodeInfo> m) {
        List<String> s = new ArrayList<>();
        for (NodeInfo n : m.values()) {
            s.add("'" + n.getName() + "' " + describe(n));
        }
        return String.join(", ", s);
    }

    private static String describe(NodeInfo n) {
        TensorInfo t = tensor(n);
        if (t == null) {
            return "(not a tensor: " + n.getInfo() + ")";
        }
        long[] shape = t.getShape();
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) {
                s.append(", ");
            }
            s.append(shape[i] >= 0 ? Long.toString(shape[i]) : (i == 0 ? "B" : "?"));
        }
        return s.append("] (").append(t.type.toString().toLowerCase(java.util.Locale.ROOT)).append(")").toString();
    }

    @Override
    public int dim() {
        return d;
    }

    /** Where the session runs: {@code cpu} or {@code cuda:ID}. */
    public String device() {
        return device;
    }

    public Parameterisation param() {
        return param;
    }

    public TimeMap timeMap() {
        return time;
    }

    @Override
    public void score(double[] x, double[] t, int from, int n, double[] out) {
        for (int r = from; r < from + n; r += MAX_ROWS_PER_RUN) {
            int m = Math.min(MAX_ROWS_PER_RUN, from + n - r);
            runChunk(x, t, r, m, out);
        }
    }

    /** The raw network output (float32, before conversion) for rows {@code from .. from+n)}. */
    public float[] network(double[] x, double[] t, int from, int n) {
        float[] res = new float[n * d];
        for (int r = from; r < from + n; r += MAX_ROWS_PER_RUN) {
            int m = Math.min(MAX_ROWS_PER_RUN, from + n - r);
            FloatBuffer fb = run(x, t, r, m);
            fb.get(res, (r - from) * d, m * d);
        }
        return res;
    }

    private void runChunk(double[] x, double[] t, int from, int n, double[] out) {
        FloatBuffer o = run(x, t, from, n);
        for (int r = 0; r < n; r++) {
            double tr = t[from + r];
            double alpha = OuProcess.alpha(tr);
            double sigma = OuProcess.sigma(tr);
            int base = (from + r) * d;
            for (int i = 0; i < d; i++) {
                out[base + i] = param.toScore(o.get(r * d + i), x[base + i], alpha, sigma);
            }
        }
    }

    private FloatBuffer run(double[] x, double[] t, int from, int n) {
        // Pad to a whole number of PAD_ROWS rows: ONNX Runtime's CPU kernels pick their code path (and so
        // the float32 summation order) from the batch size, so a fixed set of sizes keeps results
        // independent of how rows are batched (see the class comment).
        int padded = ((n + PAD_ROWS - 1) / PAD_ROWS) * PAD_ROWS;
        FloatBuffer xb = ByteBuffer.allocateDirect(padded * d * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        FloatBuffer tb = ByteBuffer.allocateDirect(padded * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        for (int i = from * d; i < (from + n) * d; i++) {
            xb.put((float) x[i]);
        }
        for (int r = from; r < from + n; r++) {
            double tr = t[r];
            if (!(tr > 0) || !Double.isFinite(tr)) {
                throw InvalidSettingException.model(label + ": forward time must be finite and > 0, got " + tr);
            }
            tb.put((float) time.networkTime(tr));
        }
        float padTime = (float) time.networkTime(1.0);
        for (int r = n; r < padded; r++) {
            tb.put(padTime); // padding rows: x = 0 at a harmless time; their outputs are dropped
        }
        n = padded;
        xb.rewind();
        tb.rewind();
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try (OnnxTensor xt = OnnxTensor.createTensor(env, xb, new long[] {n, d});
                OnnxTensor tt = OnnxTensor.createTensor(env, tb, timeRank1 ? new long[] {n} : new long[] {n, 1})) {
            inputs.put("x", xt);
            inputs.put("t", tt);
            try (OrtSession.Result res = session.run(inputs)) {
                OnnxValue v = res.get(outputName).orElseThrow();
                OnnxTensor ot = (OnnxTensor) v;
                long[] shape = ot.getInfo().getShape();
                if (shape.length != 2 || shape[0] != n || shape[1] != d) { // n is the padded count here
                    throw new IllegalStateException(label + ": output '" + outputName + "' has shape "
                            + java.util.Arrays.toString(shape) + " for a batch of " + n + ", expected [" + n + ", " + d + "]");
                }
                FloatBuffer fb = ot.getFloatBuffer(); // a copy, valid after the result is closed
                fb.rewind();
                return fb;
            }
        } catch (OrtException e) {
            throw new IllegalStateException(label + ": ONNX Runtime failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            LOG.warn("{}: closing the ONNX session failed: {}", label, e.getMessage());
        }
    }

    @Override
    public String toString() {
        return label + " (" + device + ")";
    }
}
