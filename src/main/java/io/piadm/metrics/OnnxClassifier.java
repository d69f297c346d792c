package io.piadm.metrics;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.Set;

/**
 * A small image classifier for sample-quality metrics (issue 11: "the penultimate layer of a small classifier
 * trained once and committed", models/digits-classifier.onnx): one float32 input [B, ...] and two outputs,
 * {@code logits} [B, K] and {@code features} [B, F] (the penultimate layer, for a Frechet distance in feature
 * space). Runs on the driver's CPU; the metrics it feeds never change a sample.
 */
public final class OnnxClassifier implements AutoCloseable {
    public static final String LOGITS = "logits";
    public static final String FEATURES = "features";
    private static final int CHUNK = 1024;

    private final String path;
    private final OrtEnvironment env;
    private final OrtSession session;
    private final String input;
    private final long[] rowShape;
    private final int d;
    private final int classes;
    private final int features;

    private OnnxClassifier(String path, OrtEnvironment env, OrtSession session, String input, long[] rowShape,
            int classes, int features) {
        this.path = path;
        this.env = env;
        this.session = session;
        this.input = input;
        this.rowShape = rowShape;
        long p = 1;
        for (long v : rowShape) {
            p *= v;
        }
        this.d = (int) p;
        this.classes = classes;
        this.features = features;
    }

    /** Opens {@code path}; the message of the IllegalArgumentException says what does not fit. */
    public static OnnxClassifier open(String path, byte[] bytes) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession s;
        try {
            OrtSession.SessionOptions o = new OrtSession.SessionOptions();
            o.setIntraOpNumThreads(1);
            s = env.createSession(bytes, o);
        } catch (OrtException e) {
            throw new IllegalArgumentException(path + " is not a valid ONNX model (" + e.getMessage().trim() + ")", e);
        }
        try {
            Map<String, NodeInfo> in = s.getInputInfo();
            Map<String, NodeInfo> out = s.getOutputInfo();
            if (in.size() != 1 || !out.containsKey(LOGITS) || !out.containsKey(FEATURES)) {
                throw new IllegalArgumentException(path + ": a classifier needs one input and outputs '" + LOGITS
                        + "' and '" + FEATURES + "', it has inputs " + in.keySet() + " and outputs " + out.keySet());
            }
            NodeInfo x = in.values().iterator().next();
            long[] shape = ((TensorInfo) x.getInfo()).getShape();
            long[] row = java.util.Arrays.copyOfRange(shape, 1, shape.length);
            for (long v : row) {
                if (v <= 0) {
                    throw new IllegalArgumentException(path + ": input '" + x.getName() + "' must have static dims after the batch axis");
                }
            }
            int k = (int) ((TensorInfo) out.get(LOGITS).getInfo()).getShape()[1];
            int f = (int) ((TensorInfo) out.get(FEATURES).getInfo()).getShape()[1];
            return new OnnxClassifier(path, env, s, x.getName(), row, k, f);
        } catch (OrtException | RuntimeException e) {
            try {
                s.close();
            } catch (OrtException ignored) {
                // report the signature problem
            }
            if (e instanceof IllegalArgumentException iae) {
                throw iae;
            }
            throw new IllegalArgumentException(path + ": cannot read the classifier's signature: " + e.getMessage(), e);
        }
    }

    public String path() {
        return path;
    }

    public int dim() {
        return d;
    }

    public int classes() {
        return classes;
    }

    public int featureDim() {
        return features;
    }

    /** Logits (n x K) and features (n x F) of n rows; {out[0], out[1]}. */
    public double[][] run(double[] x, int n) {
        double[] logits = new double[n * classes];
        double[] feats = new double[n * features];
        for (int from = 0; from < n; from += CHUNK) {
            int m = Math.min(CHUNK, n - from);
            FloatBuffer fb = ByteBuffer.allocateDirect(m * d * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
            for (int i = from * d; i < (from + m) * d; i++) {
                fb.put((float) x[i]);
            }
            fb.rewind();
            long[] shape = new long[rowShape.length + 1];
            shape[0] = m;
            System.arraycopy(rowShape, 0, shape, 1, rowShape.length);
            try (OnnxTensor t = OnnxTensor.createTensor(env, fb, shape);
                    OrtSession.Result r = session.run(Map.of(input, t), Set.of(LOGITS, FEATURES))) {
                FloatBuffer l = ((OnnxTensor) r.get(LOGITS).orElseThrow()).getFloatBuffer();
                FloatBuffer f = ((OnnxTensor) r.get(FEATURES).orElseThrow()).getFloatBuffer();
                for (int i = 0; i < m * classes; i++) {
                    logits[from * classes + i] = l.get(i);
                }
                for (int i = 0; i < m * features; i++) {
                    feats[from * features + i] = f.get(i);
                }
            } catch (OrtException e) {
                throw new IllegalStateException(path + ": ONNX Runtime failed: " + e.getMessage(), e);
            }
        }
        return new double[][] {logits, feats};
    }

    /** argmax of each row of logits (n x K). */
    public static int[] argmax(double[] logits, int n, int k) {
        int[] p = new int[n];
        for (int r = 0; r < n; r++) {
            int best = 0;
            for (int c = 1; c < k; c++) {
                if (logits[r * k + c] > logits[r * k + best]) {
                    best = c;
                }
            }
            p[r] = best;
        }
        return p;
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            // nothing to report at close
        }
    }
}
