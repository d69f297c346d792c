package io.piadm.train;

import ai.onnx.proto.OnnxMl;
import io.piadm.model.onnx.OnnxGraphs;
import io.piadm.model.onnx.OnnxOps;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXInitializer;
import org.tribuo.util.onnx.ONNXNode;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXPlaceholder;
import org.tribuo.util.onnx.ONNXRef;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A noise-prediction network {@code eps_theta(x, t)} at OU forward time t: an MLP with SiLU hidden layers
 * on the input {@code [x, sin(w_j ln t), cos(w_j ln t)]} (a sinusoidal embedding of log-time, since the
 * score changes on the scale of ln t near the data), with a linear output layer of width d.
 *
 * <p>Weights of layer l are {@code in_l x out_l} row-major, the layout of ONNX Gemm's B input, so the Java
 * forward pass and the exported graph compute the same products.
 */
public final class EpsMlp {
    final int d;
    final int[] widths;     // d + 2F, hidden..., d
    final double[] freqs;   // F frequencies of the log-time embedding
    final double[][] w;     // per layer: widths[l] x widths[l+1]
    final double[][] b;     // per layer: widths[l+1]

    EpsMlp(int d, int[] hidden, double[] freqs) {
        this.d = d;
        this.freqs = freqs.clone();
        this.widths = new int[hidden.length + 2];
        widths[0] = d + 2 * freqs.length;
        System.arraycopy(hidden, 0, widths, 1, hidden.length);
        widths[widths.length - 1] = d;
        int layers = widths.length - 1;
        w = new double[layers][];
        b = new double[layers][];
        for (int l = 0; l < layers; l++) {
            w[l] = new double[widths[l] * widths[l + 1]];
            b[l] = new double[widths[l + 1]];
        }
    }

    /** Geometric frequencies {@code w0, 2 w0, ..., 2^{F-1} w0}. */
    static double[] geometricFrequencies(int count, double first) {
        double[] f = new double[count];
        for (int j = 0; j < count; j++) {
            f[j] = first * Math.pow(2, j);
        }
        return f;
    }

    /** PyTorch's default Linear initialisation: U(-1/sqrt(in), 1/sqrt(in)) for weights and biases. */
    void initialise(SplittableRandom r) {
        for (int l = 0; l < w.length; l++) {
            double bound = 1 / Math.sqrt(widths[l]);
            for (int i = 0; i < w[l].length; i++) {
                w[l][i] = bound * (2 * r.nextDouble() - 1);
            }
            for (int i = 0; i < b[l].length; i++) {
                b[l][i] = bound * (2 * r.nextDouble() - 1);
            }
        }
    }

    public int dim() {
        return d;
    }

    public int layers() {
        return w.length;
    }

    public int parameterCount() {
        int n = 0;
        for (int l = 0; l < w.length; l++) {
            n += w[l].length + b[l].length;
        }
        return n;
    }

    /** A copy with every parameter rounded to float32, as the exported ONNX graph stores them. */
    public EpsMlp roundedToFloat() {
        EpsMlp m = copy();
        for (int l = 0; l < w.length; l++) {
            for (int i = 0; i < m.w[l].length; i++) {
                m.w[l][i] = (float) m.w[l][i];
            }
            for (int i = 0; i < m.b[l].length; i++) {
                m.b[l][i] = (float) m.b[l][i];
            }
        }
        return m;
    }

    EpsMlp copy() {
        int[] hidden = Arrays.copyOfRange(widths, 1, widths.length - 1);
        EpsMlp m = new EpsMlp(d, hidden, freqs);
        for (int l = 0; l < w.length; l++) {
            m.w[l] = w[l].clone();
            m.b[l] = b[l].clone();
        }
        return m;
    }

    /** All parameters flattened (layer by layer, weights then biases), e.g. to compare two runs. */
    public double[] parameters() {
        double[] p = new double[parameterCount()];
        int o = 0;
        for (int l = 0; l < w.length; l++) {
            System.arraycopy(w[l], 0, p, o, w[l].length);
            o += w[l].length;
            System.arraycopy(b[l], 0, p, o, b[l].length);
            o += b[l].length;
        }
        return p;
    }

    /** Writes the network input of one row: x then the log-time embedding. */
    void input(double[] x, int xOff, double t, double[] z, int zOff) {
        System.arraycopy(x, xOff, z, zOff, d);
        double c = StrictMath.log(t);
        int f = freqs.length;
        for (int j = 0; j < f; j++) {
            z[zOff + d + j] = StrictMath.sin(freqs[j] * c);
            z[zOff + d + f + j] = StrictMath.cos(freqs[j] * c);
        }
    }

    /** StrictMath so that the Java forward pass, and training, give the same bits on every JVM. */
    static double sigmoid(double v) {
        return 1 / (1 + StrictMath.exp(-v));
    }

    /** Predicted noise for n rows (x row-major n x d, t[n]) into out (n x d); double precision. */
    public void forward(double[] x, double[] t, int n, double[] out) {
        Activations a = new Activations(this, n);
        a.forward(this, x, t, n);
        System.arraycopy(a.h[w.length], 0, out, 0, n * d);
    }

    /** Per-layer buffers of a batch: pre-activations p[l] and activations h[l] (h[0] is the input). */
    static final class Activations {
        final double[][] h;
        final double[][] p;
        /** sigmoid(p) of hidden layers, kept for the backward pass. */
        final double[][] s;

        Activations(EpsMlp m, int n) {
            int layers = m.w.length;
            h = new double[layers + 1][];
            p = new double[layers + 1][];
            s = new double[layers + 1][];
            for (int l = 0; l <= layers; l++) {
                h[l] = new double[n * m.widths[l]];
                p[l] = new double[n * m.widths[l]];
                s[l] = new double[n * m.widths[l]];
            }
        }

        void forward(EpsMlp m, double[] x, double[] t, int n) {
            int in0 = m.widths[0];
            for (int r = 0; r < n; r++) {
                m.input(x, r * m.d, t[r], h[0], r * in0);
            }
            int layers = m.w.length;
            for (int l = 0; l < layers; l++) {
                int in = m.widths[l];
                int outW = m.widths[l + 1];
                double[] wl = m.w[l];
                double[] bl = m.b[l];
                double[] src = h[l];
                double[] pre = p[l + 1];
                double[] dst = h[l + 1];
                double[] sig = s[l + 1];
                for (int r = 0; r < n; r++) {
                    int po = r * outW;
                    System.arraycopy(bl, 0, pre, po, outW);
                    int so = r * in;
                    for (int k = 0; k < in; k++) {
                        double a = src[so + k];
                        int wo = k * outW;
                        for (int j = 0; j < outW; j++) {
                            pre[po + j] += a * wl[wo + j];
                        }
                    }
                    if (l < layers - 1) {
                        for (int j = 0; j < outW; j++) {
                            double z = pre[po + j];
                            double sg = sigmoid(z);
                            sig[po + j] = sg;
                            dst[po + j] = z * sg;
                        }
                    } else {
                        System.arraycopy(pre, po, dst, po, outW);
                    }
                }
            }
        }
    }

    /**
     * Backward pass of the loss whose gradient with respect to the output is {@code gOut} (n x d);
     * accumulates parameter gradients into gw/gb (which the caller zeroes). Fixed summation order.
     */
    void backward(Activations a, double[] gOut, int n, double[][] gw, double[][] gb) {
        int layers = w.length;
        double[] g = gOut; // gradient w.r.t. pre-activation of layer l+1 (the output is linear)
        for (int l = layers - 1; l >= 0; l--) {
            int in = widths[l];
            int outW = widths[l + 1];
            double[] src = a.h[l];
            double[] gwl = gw[l];
            double[] gbl = gb[l];
            for (int r = 0; r < n; r++) {
                int go = r * outW;
                for (int j = 0; j < outW; j++) {
                    gbl[j] += g[go + j];
                }
                int so = r * in;
                for (int k = 0; k < in; k++) {
                    double v = src[so + k];
                    int wo = k * outW;
                    for (int j = 0; j < outW; j++) {
                        gwl[wo + j] += v * g[go + j];
                    }
                }
            }
            if (l == 0) {
                break;
            }
            // gradient w.r.t. h[l], then through SiLU: d silu(z)/dz = s (1 + z (1 - s)), s = sigmoid(z)
            double[] wl = w[l];
            double[] pre = a.p[l];
            double[] sigl = a.s[l];
            double[] next = new double[n * in];
            double[] wt = new double[in * outW]; // W^T, so the inner loop below runs over contiguous memory
            for (int k = 0; k < in; k++) {
                for (int j = 0; j < outW; j++) {
                    wt[j * in + k] = wl[k * outW + j];
                }
            }
            for (int r = 0; r < n; r++) {
                int go = r * outW;
                int no = r * in;
                for (int j = 0; j < outW; j++) {
                    double gj = g[go + j];
                    int wo = j * in;
                    for (int k = 0; k < in; k++) {
                        next[no + k] += gj * wt[wo + k];
                    }
                }
                for (int k = 0; k < in; k++) {
                    double z = pre[no + k];
                    double sg = sigl[no + k];
                    next[no + k] *= sg * (1 + z * (1 - sg));
                }
            }
            g = next;
        }
    }

    /**
     * The ONNX graph of this network (float32 weights): inputs {@code x} [B, d] and {@code t} [B, 1],
     * output {@code eps} [B, d]; metadata records param=eps, time=ou.
     */
    public byte[] toOnnx(Map<String, String> metadata) {
        ONNXContext ctx = new ONNXContext();
        ctx.setName("eps_mlp");
        ONNXPlaceholder x = ctx.floatInput("x", d);
        ONNXPlaceholder t = ctx.floatInput("t", 1);
        float[] fr = new float[freqs.length];
        for (int j = 0; j < fr.length; j++) {
            fr[j] = (float) freqs[j];
        }
        ONNXNode phase = t.apply(OnnxOps.LOG).apply(ONNXOperators.MUL, ctx.array("freqs", fr)); // [B, F]
        ONNXNode sin = phase.apply(OnnxOps.SIN);
        ONNXNode cos = phase.apply(OnnxOps.COS);
        List<ONNXRef<?>> parts = List.of(x, sin, cos);
        ONNXRef<?> h = ctx.operation(ONNXOperators.CONCAT, parts, "z", Map.of("axis", 1));
        for (int l = 0; l < w.length; l++) {
            final double[] wl = w[l];
            ONNXInitializer wi = ctx.floatTensor("w" + l, List.of(widths[l], widths[l + 1]), fb -> {
                for (double v : wl) {
                    fb.put((float) v);
                }
            });
            final double[] bl = b[l];
            ONNXInitializer bi = ctx.floatTensor("b" + l, List.of(widths[l + 1]), fb -> {
                for (double v : bl) {
                    fb.put((float) v);
                }
            });
            ONNXNode pre = ctx.operation(ONNXOperators.GEMM, List.of(h, wi, bi), "gemm" + l, Map.of());
            h = l < w.length - 1 ? pre.apply(ONNXOperators.MUL, pre.apply(ONNXOperators.SIGMOID)) : pre;
        }
        ctx.assignTo(h, ctx.floatOutput("eps", d));
        OnnxMl.GraphProto g = ctx.buildGraph();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("param", "eps");
        meta.put("time", "ou");
        meta.putAll(metadata);
        return OnnxGraphs.modelBytes(g, "piadm-spark eps-prediction MLP (OU time, SiLU, log-time embedding)", meta);
    }
}
