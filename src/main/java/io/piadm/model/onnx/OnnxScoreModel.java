package io.piadm.model.onnx;

import io.piadm.config.InvalidSettingException;
import io.piadm.model.LabelledScoreModel;
import io.piadm.process.OuProcess;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.platform.Fp16Conversions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Executor-side ONNX network as a score model: feeds the state x (float32 or float16, reshaped to the
 * network's [B, ...]), the network time of each row's OU time ({@link TimeMap}: a float, or for an integer
 * input the training step index), and a class label when the network takes one, to one {@link OrtSession},
 * and converts the output to the score ({@link Parameterisation}) in double precision.
 *
 * <p>Each instance owns one {@link OrtSession}, closed by {@link #close()}. OrtSession.run is thread-safe,
 * so the evaluators' threads share it.
 *
 * <p>Batch invariance: the network runs in float32 (or float16) and ONNX Runtime's CPU kernels choose their
 * code path, and so the summation order, from the batch size: unpadded, a row scored alone and the same row
 * inside a batch of 1000 differed by up to 4.7e-7 relative (MLP 8-128-128-128-8, this machine). Every call
 * is therefore padded to a multiple of {@link #PAD_ROWS} rows; with that the tests observe bit-identical
 * scores whatever the batch split or intra-op thread count (EpsMlpOnnxTest#batchInvariance), so the same
 * seed gives the same samples under any batching. GPU providers make no such promise.
 */
public final class OnnxScoreModel implements LabelledScoreModel {
    private static final Logger LOG = LoggerFactory.getLogger(OnnxScoreModel.class);

    /** Rows per ONNX Runtime call: bounds the buffers (4096 x d values each). */
    static final int MAX_ROWS_PER_RUN = 4096;

    /** Batches are padded to a multiple of this many rows (see {@link #run}). */
    static final int PAD_ROWS = 16;

    private final OrtEnvironment env;
    private final OrtSession session;
    private final String label;
    private final OnnxSignature sig;
    private final int d;
    private final Parameterisation param;
    private final TimeMap time;
    private final boolean integerSteps;
    private final Integer nullLabel;
    private final String device;
    private final AtomicBoolean warnedOffGrid = new AtomicBoolean();

    private OnnxScoreModel(OrtEnvironment env, OrtSession session, OnnxModelSpec spec, String device) {
        this.env = env;
        this.session = session;
        this.label = spec.label();
        this.sig = spec.signature();
        this.d = sig.d;
        this.param = spec.param();
        this.time = spec.timeMap();
        this.integerSteps = spec.integerSteps();
        this.nullLabel = spec.nullLabel();
        this.device = device;
    }

    /**
     * A new session for (spec, device, threads); {@code bytes} is the file content when the caller has
     * already read it (the driver's parse), else null (the file is read and its hash checked).
     * {@code enforceGpu} false is the driver's check, which runs on the CPU whatever requireGpu says.
     */
    static OnnxScoreModel open(OnnxModelSpec spec, String gpu, int threads, byte[] bytes, boolean enforceGpu) {
        boolean require = enforceGpu && spec.requireGpu();
        byte[] b = bytes;
        if (b == null) {
            b = readModel(spec.label(), spec.path());
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
    static byte[] readModel(String label, String p) {
        return ModelPaths.read(label, p);
    }

    /**
     * The signature declared in the model's graph, read from its protobuf (plain data: the generated
     * ONNX message classes, never Java deserialisation) before any session exists, so that e.g. a float64
     * network is named as such rather than failing in ONNX Runtime's kernel lookup.
     */
    static OnnxSignature signature(String label, OnnxModelSpec.Options o, byte[] bytes) {
        OnnxMl.ModelProto proto;
        try {
            proto = OnnxMl.ModelProto.parseFrom(bytes);
        } catch (com.google.protobuf.InvalidProtocolBufferException | RuntimeException e) {
            throw InvalidSettingException.model(label + ": " + o.path + " is not a valid ONNX model (not an ONNX"
                    + " protobuf: " + e.getMessage() + ")", e);
        }
        if (!proto.hasGraph() || proto.getGraph().getInputCount() == 0 || proto.getGraph().getOutputCount() == 0) {
            throw InvalidSettingException.model(label + ": " + o.path + " is not a valid ONNX model (no graph with"
                    + " inputs and outputs)");
        }
        return OnnxSignature.resolve(label, proto, o.names, o.shape, o.expectedDim);
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
        OnnxSignature sig = spec.signature();
        LOG.info("{}: loaded (x '{}' {} [B, {}], t '{}' {}, {}d={}, device {}, {} intra-op threads)", label, sig.xName,
                sig.xType.numpy, OnnxSignature.shapeText(sig.rowShape), sig.tName, sig.tType.numpy,
                sig.hasLabel() ? "label '" + sig.labelName + "', " : "", sig.d, device, threads);
        return new OnnxScoreModel(env, session, spec, device);
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

    public OnnxSignature signature() {
        return sig;
    }

    /**
     * Scores without a label: a class-conditional network then gets its null label (null-label=N), the
     * unconditional prediction; without one it cannot be run label-free.
     */
    @Override
    public void score(double[] x, double[] t, int from, int n, double[] out) {
        scoreWithLabels(x, t, null, from, n, out);
    }

    @Override
    public void scoreWithLabels(double[] x, double[] t, long[] labels, int from, int n, double[] out) {
        for (int r = from; r < from + n; r += MAX_ROWS_PER_RUN) {
            int m = Math.min(MAX_ROWS_PER_RUN, from + n - r);
            float[] o = run(x, t, labels, r, m);
            for (int i = 0; i < m; i++) {
                double tr = t[r + i];
                double alpha = OuProcess.alpha(tr);
                double sigma = OuProcess.sigma(tr);
                int base = (r + i) * d;
                for (int k = 0; k < d; k++) {
                    out[base + k] = param.toScore(o[i * d + k], x[base + k], alpha, sigma);
                }
            }
        }
    }

    /** The raw network output (before conversion) for rows {@code from .. from+n)}, without labels. */
    public float[] network(double[] x, double[] t, int from, int n) {
        return network(x, t, null, from, n);
    }

    /** The raw network output for rows {@code from .. from+n)} with their labels (null: the null label). */
    public float[] network(double[] x, double[] t, long[] labels, int from, int n) {
        float[] res = new float[n * d];
        for (int r = from; r < from + n; r += MAX_ROWS_PER_RUN) {
            int m = Math.min(MAX_ROWS_PER_RUN, from + n - r);
            float[] o = run(x, t, labels, r, m);
            System.arraycopy(o, 0, res, (r - from) * d, m * d);
        }
        return res;
    }

    /** The value fed to the time input for OU time t (a float index or time, or an integer step). */
    double networkInput(double t) {
        if (!(t > 0) || !Double.isFinite(t)) {
            throw InvalidSettingException.model(label + ": forward time must be finite and > 0, got " + t);
        }
        if (!integerSteps) {
            return time.networkTime(t);
        }
        int k = time.nearestStep(t);
        if (time.stepTime(k) != t && warnedOffGrid.compareAndSet(false, true)) {
            LOG.warn("{}: evaluated at t = {}, not a training step; rounded to step {} (t_k = {}). The sampling grid"
                    + " is snapped to training steps; this happens only for probes and benchmarks.", label, t, k,
                    time.stepTime(k));
        }
        return k;
    }

    private float[] run(double[] x, double[] t, long[] labels, int from, int n) {
        double[] tin = new double[n];
        for (int r = 0; r < n; r++) {
            tin[r] = networkInput(t[from + r]);
        }
        return runNetworkTimes(x, tin, labels, from, n);
    }

    /**
     * The raw output for rows {@code 0 .. n)} fed the given values of the time input directly (no time map):
     * the time-convention probe compares conventions on one session. At most {@link #MAX_ROWS_PER_RUN} rows.
     */
    float[] networkAtInputTimes(double[] x, double[] netTimes, long[] labels, int n) {
        if (n > MAX_ROWS_PER_RUN) {
            throw new IllegalArgumentException("at most " + MAX_ROWS_PER_RUN + " rows, got " + n);
        }
        return runNetworkTimes(x, java.util.Arrays.copyOf(netTimes, n), labels, 0, n);
    }

    private float[] runNetworkTimes(double[] x, double[] times, long[] labels, int from, int n) {
        // Pad to a whole number of PAD_ROWS rows: ONNX Runtime's CPU kernels pick their code path (and so
        // the float32 summation order) from the batch size, so a fixed set of sizes keeps results
        // independent of how rows are batched (see the class comment).
        int padded = ((n + PAD_ROWS - 1) / PAD_ROWS) * PAD_ROWS;
        double[] tin = java.util.Arrays.copyOf(times, padded);
        double padT = integerSteps ? time.nearestStep(1.0) : time.networkTime(1.0);
        for (int r = n; r < padded; r++) {
            tin[r] = padT; // padding rows: x = 0 at a harmless time; their outputs are dropped
        }
        long[] lab = null;
        if (sig.hasLabel()) {
            lab = new long[padded];
            for (int r = 0; r < padded; r++) {
                if (labels != null) {
                    lab[r] = labels[from + Math.min(r, n - 1)];
                } else if (nullLabel != null) {
                    lab[r] = nullLabel;
                } else {
                    throw new IllegalStateException(label + ": the network takes a class label ('" + sig.labelName
                            + "') and none was given: sample with class labels, or set null-label=N for unconditional"
                            + " scores");
                }
            }
        }
        long[] xShape = new long[sig.rowShape.length + 1];
        xShape[0] = padded;
        System.arraycopy(sig.rowShape, 0, xShape, 1, sig.rowShape.length);
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try (OnnxTensor xt = stateTensor(x, from, n, padded, xShape);
                OnnxTensor tt = timeTensor(tin);
                OnnxTensor lt = lab == null ? null : labelTensor(lab)) {
            inputs.put(sig.xName, xt);
            inputs.put(sig.tName, tt);
            if (lt != null) {
                inputs.put(sig.labelName, lt);
            }
            try (OrtSession.Result res = session.run(inputs, java.util.Set.of(sig.outName))) {
                OnnxValue v = res.get(sig.outName).orElseThrow();
                OnnxTensor ot = (OnnxTensor) v;
                long[] shape = ot.getInfo().getShape();
                long per = 1;
                for (int i = 1; i < shape.length; i++) {
                    per *= shape[i];
                }
                if (shape.length < 2 || shape[0] != padded || per != d) {
                    throw new IllegalStateException(label + ": output '" + sig.outName + "' has shape "
                            + java.util.Arrays.toString(shape) + " for a batch of " + padded + ", expected [" + padded
                            + ", ...] with " + d + " values per row");
                }
                float[] o = new float[n * d];
                if (ot.getInfo().type == OnnxJavaType.FLOAT16) {
                    ShortBuffer sb = ot.getShortBuffer();
                    for (int i = 0; i < n * d; i++) {
                        o[i] = Fp16Conversions.fp16ToFloat(sb.get(i));
                    }
                } else {
                    FloatBuffer fb = ot.getFloatBuffer(); // a copy, valid after the result is closed
                    fb.get(o, 0, n * d);
                }
                return o;
            }
        } catch (OrtException e) {
            throw new IllegalStateException(label + ": ONNX Runtime failed: " + e.getMessage(), e);
        }
    }

    private OnnxTensor stateTensor(double[] x, int from, int n, int padded, long[] shape) throws OrtException {
        int count = padded * d;
        if (sig.xType == OnnxSignature.ElemType.FLOAT16) {
            ByteBuffer bb = ByteBuffer.allocateDirect(count * 2).order(ByteOrder.nativeOrder());
            ShortBuffer sb = bb.asShortBuffer();
            for (int i = from * d; i < (from + n) * d; i++) {
                sb.put(Fp16Conversions.floatToFp16((float) x[i]));
            }
            return OnnxTensor.createTensor(env, bb, shape, OnnxJavaType.FLOAT16);
        }
        FloatBuffer xb = ByteBuffer.allocateDirect(count * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        for (int i = from * d; i < (from + n) * d; i++) {
            xb.put((float) x[i]);
        }
        xb.rewind();
        return OnnxTensor.createTensor(env, xb, shape);
    }

    private OnnxTensor timeTensor(double[] tin) throws OrtException {
        int n = tin.length;
        long[] shape = sig.tRank1 ? new long[] {n} : new long[] {n, 1};
        switch (sig.tType) {
            case INT64: {
                LongBuffer lb = ByteBuffer.allocateDirect(n * 8).order(ByteOrder.nativeOrder()).asLongBuffer();
                for (double v : tin) {
                    lb.put((long) v);
                }
                lb.rewind();
                return OnnxTensor.createTensor(env, lb, shape);
            }
            case INT32: {
                IntBuffer ib = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder()).asIntBuffer();
                for (double v : tin) {
                    ib.put((int) v);
                }
                ib.rewind();
                return OnnxTensor.createTensor(env, ib, shape);
            }
            case FLOAT16: {
                ByteBuffer bb = ByteBuffer.allocateDirect(n * 2).order(ByteOrder.nativeOrder());
                ShortBuffer sb = bb.asShortBuffer();
                for (double v : tin) {
                    sb.put(Fp16Conversions.floatToFp16((float) v));
                }
                return OnnxTensor.createTensor(env, bb, shape, OnnxJavaType.FLOAT16);
            }
            default: {
                FloatBuffer fb = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
                for (double v : tin) {
                    fb.put((float) v);
                }
                fb.rewind();
                return OnnxTensor.createTensor(env, fb, shape);
            }
        }
    }

    private OnnxTensor labelTensor(long[] lab) throws OrtException {
        int n = lab.length;
        if (sig.labelType == OnnxSignature.ElemType.INT32) {
            IntBuffer ib = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder()).asIntBuffer();
            for (long v : lab) {
                ib.put((int) v);
            }
            ib.rewind();
            return OnnxTensor.createTensor(env, ib, new long[] {n});
        }
        LongBuffer lb = ByteBuffer.allocateDirect(n * 8).order(ByteOrder.nativeOrder()).asLongBuffer();
        lb.put(lab);
        lb.rewind();
        return OnnxTensor.createTensor(env, lb, new long[] {n});
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
