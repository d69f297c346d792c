package io.piadm.model.onnx;

import ai.onnx.proto.OnnxMl;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXInitializer;
import org.tribuo.util.onnx.ONNXNode;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXPlaceholder;
import org.tribuo.util.onnx.ONNXRef;

import java.util.Map;

/**
 * An ONNX graph that computes the exact network output of the Gaussian target {@code N(mu, diag(s^2))}
 * under OU time (docs/ALGORITHMS.md section 2), so the ONNX path can be checked end to end against
 * {@link io.piadm.model.DiagonalGaussian}:
 * {@code score = -(x - alpha mu) / (alpha^2 s^2 + sigma^2)}, then eps = {@code sigma (x - alpha mu) / (alpha^2 s^2 + sigma^2)},
 * or x0 / v / score per {@link Parameterisation#fromScore}.
 *
 * <p>The arithmetic runs in float64 inside the graph (Cast in, Cast out): {@code 1 - e^{-t}} in float32
 * loses ~5 digits at t = 1e-3, which would swamp the comparison; so the only float32 effects left are the
 * rounding of x and of the output, as for any network.
 */
public final class GaussianOnnxGraph {
    private final double[] mean;
    private final double[] std;
    private Parameterisation param = Parameterisation.EPS;
    private String xName = "x";
    private String tName = "t";
    private String outName = "eps";
    private boolean timeRank1;
    private int timeWidth = 1;

    public GaussianOnnxGraph(double[] mean, double[] std) {
        if (mean.length == 0 || mean.length != std.length) {
            throw new IllegalArgumentException("mean and std must have the same positive length");
        }
        this.mean = mean.clone();
        this.std = std.clone();
    }

    public GaussianOnnxGraph param(Parameterisation p) {
        this.param = p;
        return this;
    }

    /** Input and output names (tests use wrong ones on purpose). */
    public GaussianOnnxGraph names(String x, String t, String out) {
        this.xName = x;
        this.tName = t;
        this.outName = out;
        return this;
    }

    /** Declares t as [B] instead of [B, 1]. */
    public GaussianOnnxGraph timeRank1(boolean r1) {
        this.timeRank1 = r1;
        return this;
    }

    /** Declares t as [B, w] and uses its first column (w > 1 makes a deliberately wrong signature). */
    public GaussianOnnxGraph timeWidth(int w) {
        this.timeWidth = w;
        return this;
    }

    public byte[] toBytes() {
        int d = mean.length;
        ONNXContext ctx = new ONNXContext();
        ctx.setName("gaussian_" + param.option());
        ONNXPlaceholder x = ctx.floatInput(xName, d);
        ONNXPlaceholder t = ctx.floatInput(tName, timeWidth);
        Map<String, Object> toDouble = Map.of("to", OnnxMl.TensorProto.DataType.DOUBLE.getNumber());
        ONNXRef<?> tcol = t;
        if (timeRank1) {
            tcol = t.apply(ONNXOperators.UNSQUEEZE, ctx.array("axes", new long[] {1}));
        } else if (timeWidth > 1) {
            tcol = t.apply(ONNXOperators.REDUCE_MIN, Map.of("axes", new int[] {1}, "keepdims", 1));
        }
        ONNXNode td = tcol.apply(ONNXOperators.CAST, toDouble);
        ONNXNode xd = x.apply(ONNXOperators.CAST, toDouble);
        ONNXInitializer half = ctx.array("minus_half", new double[] {-0.5}, false);
        ONNXInitializer one = ctx.array("one", new double[] {1.0}, false);
        double[] s2 = new double[d];
        for (int i = 0; i < d; i++) {
            s2[i] = std[i] * std[i];
        }
        ONNXInitializer mu = ctx.array("mu", mean, false);
        ONNXInitializer var0 = ctx.array("s2", s2, false);
        ONNXNode alpha = td.apply(ONNXOperators.MUL, half).apply(OnnxOps.EXP);          // e^{-t/2}
        ONNXNode a2 = td.apply(ONNXOperators.NEG).apply(OnnxOps.EXP);                   // e^{-t}
        ONNXNode sigma2 = one.apply(ONNXOperators.SUB, a2);                             // 1 - e^{-t}
        ONNXNode sigma = sigma2.apply(OnnxOps.SQRT);
        ONNXNode v = a2.apply(ONNXOperators.MUL, var0).apply(ONNXOperators.ADD, sigma2); // alpha^2 s^2 + sigma^2
        ONNXNode diff = xd.apply(ONNXOperators.SUB, alpha.apply(ONNXOperators.MUL, mu)); // x - alpha mu
        ONNXNode score = diff.apply(ONNXOperators.DIV, v).apply(ONNXOperators.NEG);
        ONNXNode eps = sigma.apply(ONNXOperators.MUL, score).apply(ONNXOperators.NEG);   // -sigma score
        ONNXNode x0 = xd.apply(ONNXOperators.ADD, sigma2.apply(ONNXOperators.MUL, score))
                .apply(ONNXOperators.DIV, alpha);                                       // (x + sigma^2 score)/alpha
        ONNXNode result;
        switch (param) {
            case EPS:
                result = eps;
                break;
            case X0:
                result = x0;
                break;
            case V:
                result = alpha.apply(ONNXOperators.MUL, eps)
                        .apply(ONNXOperators.SUB, sigma.apply(ONNXOperators.MUL, x0)); // alpha eps - sigma x0
                break;
            case SCORE:
            default:
                result = score;
                break;
        }
        ONNXNode f = result.apply(ONNXOperators.CAST, Map.of("to", OnnxMl.TensorProto.DataType.FLOAT.getNumber()));
        ctx.assignTo(f, ctx.floatOutput(outName, d));
        OnnxMl.GraphProto g = ctx.buildGraph();
        if (timeRank1) {
            g = OnnxGraphs.withRank1Input(g, tName);
        }
        return OnnxGraphs.modelBytes(g, "Exact " + param.option() + " of N(mu, diag(s^2)) under OU time",
                Map.of("param", param.option(), "time", "ou"));
    }

}
