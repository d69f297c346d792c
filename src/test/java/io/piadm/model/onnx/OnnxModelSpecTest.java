package io.piadm.model.onnx;

import io.piadm.config.AsFlags;

import ai.onnx.proto.OnnxMl;
import io.piadm.model.ScoreModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXPlaceholder;
import org.tribuo.util.onnx.ONNXRef;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OnnxModelSpecTest {
    @TempDir
    Path dir;

    static final double[] MU = {0.5, -1.0, 2.0};
    static final double[] SD = {1.0, 0.5, 0.25};

    Path gaussian(String name, GaussianOnnxGraph g) {
        return OnnxTestSupport.write(dir, name, g.toBytes());
    }

    static String error(String body) {
        return AsFlags.message(assertThrows(RuntimeException.class, () -> OnnxModelSpec.parse(body)));
    }

    @Test
    void parsesOptionsAndReadsTheDimension() {
        Path p = gaussian("g.onnx", new GaussianOnnxGraph(MU, SD));
        OnnxModelSpec s = OnnxModelSpec.parse(p + ",param=x0,time=ddpm-cosine,steps=500,d=3");
        assertEquals(3, s.dim());
        assertEquals(Parameterisation.X0, s.param());
        assertEquals(TimeMap.Kind.DDPM_COSINE, s.time());
        assertEquals(500, s.steps());
        assertEquals("onnx:" + p + ",param=x0,time=ddpm-cosine,steps=500,d=3", s.id());
        assertEquals(64, s.sha256().length());
        OnnxModelSpec dflt = OnnxModelSpec.parse(p.toString());
        assertEquals("onnx:" + p + ",param=eps,time=ou", dflt.id());
        assertEquals(1000, OnnxModelSpec.parse(p + ",time=ddpm-linear").steps());
    }

    @Test
    void notAnOnnxFileIsExplained() {
        Path p = OnnxTestSupport.write(dir, "junk.onnx", "this is not a protobuf".getBytes(StandardCharsets.UTF_8));
        String m = error(p.toString());
        assertTrue(m.startsWith("--model onnx:" + p + ": " + p + " is not a valid ONNX model"), m);
    }

    @Test
    void missingFileIsExplained() {
        String m = error(dir.resolve("nope.onnx").toString());
        assertTrue(m.contains("no such model file") && m.contains("nope.onnx"), m);
    }

    @Test
    void wrongInputNamesAreExplained() {
        Path p = gaussian("names.onnx", new GaussianOnnxGraph(MU, SD).names("input", "time", "out"));
        String m = error(p.toString());
        assertTrue(m.contains("cannot find the state input (x or sample) and the time input (t, timestep, timesteps):"
                + " name them with inputs=X:T[:LABEL]"), m);
        assertTrue(m.contains("'input' [B, 3] (float32)") && m.contains("'time' [B, 1] (float32)"), m);
        // named explicitly, the same graph loads
        assertEquals(3, OnnxModelSpec.parse(p + ",inputs=input:time").dim());
    }

    @Test
    void wrongDimensionIsExplained() {
        Path p = gaussian("d3.onnx", new GaussianOnnxGraph(MU, SD));
        String m = error(p + ",d=64");
        assertEquals("--model onnx:" + p + ",d=64: d=64 but input 'x' [B, 3] (float32) has d = 3 values per row "
                + "(the model declares inputs 'x' [B, 3] (float32), 't' [B, 1] (float32) and outputs 'eps' [B, 3] (float32))", m);
    }

    @Test
    void wrongTimeRankIsExplainedTogetherWithOtherProblems() {
        Path p = gaussian("t2.onnx", new GaussianOnnxGraph(MU, SD).timeWidth(2));
        String m = error(p + ",d=5");
        assertTrue(m.contains("d=5 but input 'x' [B, 3] (float32) has d = 3 values per row"), m);
        assertTrue(m.contains("input 't' [B, 2] (float32) must have shape [B] or [B, 1] with B dynamic"), m);
        assertEquals(1, m.split("--model").length - 1, "one message: " + m);
    }

    @Test
    void badOptionsNameTheOptionAndItsRange() {
        Path p = gaussian("o.onnx", new GaussianOnnxGraph(MU, SD));
        assertTrue(error(p + ",param=noise").contains("param must be one of eps|x0|v|score, got 'noise'"));
        assertTrue(error(p + ",time=edm").contains("time must be one of ou|ddpm-linear|ddpm-cosine, got 'edm'"));
        assertTrue(error(p + ",steps=100").contains("steps applies to time=ddpm-linear|ddpm-cosine only"));
        assertTrue(error(p + ",time=ddpm-linear,steps=1").contains("steps must be an integer in [2, 1000000], got '1'"));
        assertTrue(error(p + ",colour=red").contains("unknown option 'colour'"));
        assertTrue(error(p + ",param=eps,param=v").contains("option 'param' is given twice"));
        assertTrue(error(p + ",threads=0").contains("threads must be an integer in [1, 1024]"));
        assertTrue(error(p + ",gpu=abc").contains("gpu must be a CUDA device id"));
        assertTrue(error("").contains("needs a model path"));
    }

    @Test
    void gpuOptionsFailClearlyOrFallBack() {
        Path p = gaussian("gpu.onnx", new GaussianOnnxGraph(MU, SD));
        // The driver's check runs on the CPU; requireGpu is enforced where the model is built (executors).
        OnnxModelSpec noGpu = OnnxModelSpec.parse(p + ",requireGpu");
        String m0 = AsFlags.message(assertThrows(IllegalStateException.class, noGpu::build));
        assertTrue(m0.contains("requireGpu is set but no GPU was given"), m0);
        // This build has the CPU runtime (no -Pgpu): gpu=0 falls back with a warning, or fails under requireGpu.
        OnnxModelSpec gpu0 = OnnxModelSpec.parse(p + ",gpu=0,requireGpu");
        String m = AsFlags.message(assertThrows(IllegalStateException.class, gpu0::build));
        assertTrue(m.contains("requireGpu is set but the CUDA execution provider is not available for GPU 0"), m);
        OnnxScoreModel cpu = (OnnxScoreModel) OnnxModelSpec.parse(p + ",gpu=0").build();
        assertEquals("cpu", cpu.device());
    }

    @Test
    void specSurvivesJavaSerialisationAndHadoopPathsWork() throws Exception {
        Path p = gaussian("ser.onnx", new GaussianOnnxGraph(MU, SD));
        OnnxModelSpec s = OnnxModelSpec.parse("file://" + p + ",param=eps");
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bos)) {
            out.writeObject(s);
        }
        assertTrue(bos.size() < 2048, "spec is small: " + bos.size() + " bytes");
        OnnxModelSpec back;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bos.toByteArray()))) {
            back = (OnnxModelSpec) in.readObject();
        }
        assertEquals(s.id(), back.id());
        try (ScoreModel a = s.build(); ScoreModel b = back.build(new io.piadm.model.ExecutionContext(null, 1))) {
            double[] x = new double[s.dim()];
            for (int i = 0; i < x.length; i++) {
                x[i] = 0.3 - 0.2 * i;
            }
            double[] t = {0.7};
            double[] ga = new double[s.dim()];
            double[] gb = new double[s.dim()];
            a.score(x, t, 1, ga);
            b.score(x, t, 1, gb);
            assertArrayEquals(ga, gb, "the deserialised spec builds the same network");
        }
    }

    /** A graph whose output is t broadcast over d columns: checks the time the network receives. */
    Path timeEcho(boolean rank1) {
        ONNXContext ctx = new ONNXContext();
        ONNXPlaceholder x = ctx.floatInput("x", 2);
        ONNXPlaceholder t = ctx.floatInput("t", 1);
        ONNXRef<?> tc = rank1 ? t.apply(ONNXOperators.UNSQUEEZE, ctx.array("axes", new long[] {1})) : t;
        ONNXRef<?> out = x.apply(ONNXOperators.MUL, ctx.constant("zero", 0f)).apply(ONNXOperators.ADD, tc);
        ctx.assignTo(out, ctx.floatOutput("y", 2));
        OnnxMl.GraphProto g = ctx.buildGraph();
        if (rank1) {
            g = OnnxGraphs.withRank1Input(g, "t");
        }
        return OnnxTestSupport.write(dir, "echo" + rank1 + ".onnx", OnnxGraphs.modelBytes(g, null, Map.of()));
    }

    @Test
    void networkReceivesTheMappedTime() {
        for (boolean rank1 : new boolean[] {false, true}) {
            Path p = timeEcho(rank1);
            for (String time : new String[] {"ou", "ddpm-linear", "ddpm-cosine"}) {
                OnnxModelSpec s = OnnxModelSpec.parse(p + ",param=score,time=" + time);
                TimeMap map = s.timeMap();
                double[] t = {1e-3, 0.05, 0.7, 3.0, 9.0};
                double[] x = new double[10];
                double[] out = new double[10];
                s.build().score(x, t, 5, out);
                for (int i = 0; i < 5; i++) {
                    float want = (float) map.networkTime(t[i]);
                    assertEquals(want, out[2 * i], 0, time + " rank1=" + rank1 + " t=" + t[i]);
                    assertEquals(want, out[2 * i + 1], 0);
                }
            }
        }
    }

    @Test
    void nonPositiveTimesAreRejected() {
        Path p = gaussian("tpos.onnx", new GaussianOnnxGraph(MU, SD));
        ScoreModel m = OnnxModelSpec.parse(p.toString()).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> m.score(new double[3], new double[] {0.0}, 1, new double[3]));
        assertTrue(AsFlags.message(e).contains("forward time must be finite and > 0, got 0.0"));
    }
}
