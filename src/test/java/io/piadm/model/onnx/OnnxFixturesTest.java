package io.piadm.model.onnx;

import io.piadm.config.AsFlags;
import io.piadm.model.ClassConditional;
import io.piadm.model.ModelSpec;
import io.piadm.model.ModelSpecs;
import io.piadm.model.ScoreModel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The PyTorch-side exact-score fixtures (src/test/resources/onnx, fixtures.json): every graph returns the exact
 * DDPM eps of N(mu, 0.25 I) in [1, 8, 8] under the linear 1000-step schedule, so the scores piadm derives are
 * checked against the closed form {@code score = -(x - alpha_k mu) / (alpha_k^2 s^2 + sigma_k^2)} computed here
 * from the schedule's definition (numpy.linspace betas, cumulative product), independently of TimeMap.
 */
class OnnxFixturesTest {
    static final Path DIR = Paths.get("src/test/resources/onnx");
    static final double S2 = 0.25;
    static final int D = 64;

    static JsonNode fixtures() throws IOException {
        return new ObjectMapper().readTree(DIR.resolve("fixtures.json").toFile());
    }

    static String file(String name) {
        return DIR.resolve(name).toString();
    }

    /** abar_k = prod_{i<=k}(1 - beta_i), betas = linspace(1e-4, 0.02, 1000), in plain double arithmetic. */
    static double[] abar() {
        double[] a = new double[1000];
        double p = 1;
        for (int k = 0; k < 1000; k++) {
            double beta = 1e-4 + (0.02 - 1e-4) * k / 999.0;
            p *= 1 - beta;
            a[k] = p;
        }
        return a;
    }

    /** The probe rows of fixtures.json: x[r][p] = sin(p + 1) + 0.1 r. */
    static double[] probeX(int rows) {
        double[] x = new double[rows * D];
        for (int r = 0; r < rows; r++) {
            for (int p = 0; p < D; p++) {
                x[r * D + p] = Math.sin(p + 1) + 0.1 * r;
            }
        }
        return x;
    }

    /** mu_c[p] = 0.75 cos(pi (c + 1) (p + 0.5) / 64); the null label 10 has mean 0. */
    static double mu(long c, int p) {
        return c == 10 ? 0 : 0.75 * Math.cos(Math.PI * (c + 1) * (p + 0.5) / D);
    }

    static double exactScore(double x, double abar, double mu) {
        double alpha = Math.sqrt(abar);
        return -(x - alpha * mu) / (abar * S2 + (1 - abar));
    }

    /** Largest row-wise ||a - b|| / ||b|| (float32 rounding is relative to a row's scale). */
    static double relErr(double[] got, double[] want) {
        double m = 0;
        for (int r = 0; r < got.length / D; r++) {
            double num = 0;
            double den = 0;
            for (int p = 0; p < D; p++) {
                double e = got[r * D + p] - want[r * D + p];
                num += e * e;
                den += want[r * D + p] * want[r * D + p];
            }
            m = Math.max(m, Math.sqrt(num / den));
        }
        return m;
    }

    @Test
    void integerStepFixturesGiveTheExactScoreAtTrainingSteps() {
        double[] abar = abar();
        int[] ks = {0, 1, 7, 250, 500, 998, 999};
        Object[][] cases = {
            {"gauss-diffusers.onnx", 1e-6}, {"gauss-xt-int32.onnx", 1e-6}, {"gauss-float16.onnx", 2e-3}};
        for (Object[] c : cases) {
            OnnxModelSpec spec = OnnxModelSpec.parse(file((String) c[0]) + ",param=eps,time=ddpm-linear,steps=1000");
            assertEquals(D, spec.dim());
            assertTrue(spec.integerSteps(), "an integer t snaps the grid");
            double[] tk = spec.trainingTimes();
            assertEquals(1000, tk.length);
            double[] x = probeX(ks.length);
            double[] t = new double[ks.length];
            double[] want = new double[x.length];
            for (int r = 0; r < ks.length; r++) {
                t[r] = tk[ks[r]];
                assertEquals(-Math.log(abar[ks[r]]), t[r], 1e-12 * Math.max(1, t[r]), "t_k = -ln abar_k");
                for (int p = 0; p < D; p++) {
                    want[r * D + p] = exactScore(x[r * D + p], abar[ks[r]], 0);
                }
            }
            double[] got = new double[x.length];
            try (ScoreModel m = spec.build()) {
                m.score(x, t, ks.length, got);
            }
            double err = relErr(got, want);
            assertTrue(err < (double) c[1], c[0] + ": relative score error " + err);
        }
    }

    @Test
    void networkOutputsMatchTheFixturesProbes() throws IOException {
        for (JsonNode fx : fixtures().path("fixtures")) {
            String name = fx.path("file").asText();
            if (name.equals("gauss-float64.onnx") || name.equals("gauss-cond.onnx")) {
                continue;
            }
            boolean integer = fx.path("timestep").path("dtype").asText().startsWith("int");
            OnnxModelSpec spec = OnnxModelSpec.parse(file(name) + ",time=ddpm-linear,steps=1000");
            JsonNode probe = fx.path("probe");
            int rows = probe.path("t").size();
            double[] x = probeX(rows);
            double[] t = new double[rows];
            for (int r = 0; r < rows; r++) {
                double k = probe.path("t").get(r).asDouble();
                t[r] = integer ? spec.timeMap().stepTime((int) k) : spec.timeMap().ouTime(k);
            }
            OnnxScoreModel m = (OnnxScoreModel) spec.build();
            float[] out = m.network(x, t, 0, rows);
            m.close();
            double tol = name.contains("float16") ? 3e-3 : 2e-6;
            for (int r = 0; r < rows; r++) {
                for (int p = 0; p < 4; p++) {
                    double want = probe.path("expectedFirst4").get(r).get(p).asDouble();
                    assertEquals(want, out[r * D + p], tol * Math.max(1, Math.abs(want)), name + " row " + r + " p " + p);
                }
            }
        }
    }

    @Test
    void diffusersNamesAndImageShapeAreRecognised() {
        OnnxModelSpec spec = OnnxModelSpec.parse(file("gauss-diffusers.onnx"));
        OnnxSignature s = spec.signature();
        assertEquals("sample", s.xName());
        assertEquals("timestep", s.tName());
        assertEquals("out_sample", s.outName());
        assertArrayEquals(new long[] {1, 8, 8}, spec.rowShape());
        assertTrue(s.imageShaped());
        assertEquals(OnnxSignature.ElemType.INT64, s.tType());
        // time= omitted on an integer step index: the DDPM default is assumed and said so
        assertFalse(spec.timeGiven());
        assertEquals(TimeMap.Kind.DDPM_LINEAR, spec.time());
        assertTrue(String.valueOf(spec.describe().get("timeAssumed")).contains("assumed time=ddpm-linear,steps=1000"));
        // explicit names and shape are accepted; wrong ones are named
        OnnxModelSpec named = OnnxModelSpec.parse(file("gauss-diffusers.onnx") + ",inputs=sample:timestep,output=out_sample,shape=1x8x8");
        assertEquals(64, named.dim());
        String m = AsFlags.message(assertThrows(RuntimeException.class,
                () -> OnnxModelSpec.parse(file("gauss-diffusers.onnx") + ",inputs=img:timestep")));
        assertTrue(m.contains("inputs= names 'img' as the state input, but the model has no such input"), m);
        m = AsFlags.message(assertThrows(RuntimeException.class,
                () -> OnnxModelSpec.parse(file("gauss-diffusers.onnx") + ",shape=64")));
        assertTrue(m.contains("shape=64 has 1 dims but input 'sample' [B, 1, 8, 8] (float32) has 3"), m);
        m = AsFlags.message(assertThrows(RuntimeException.class,
                () -> OnnxModelSpec.parse(file("gauss-diffusers.onnx") + ",output=eps")));
        assertTrue(m.contains("output=eps names no output of the model"), m);
        m = AsFlags.message(assertThrows(RuntimeException.class,
                () -> OnnxModelSpec.parse(file("gauss-diffusers.onnx") + ",time=ou")));
        assertTrue(m.contains("'timestep' is int64, a DDPM step index, so time=ou cannot feed it"), m);
    }

    @Test
    void float64NetworkIsRejectedNamingItsDtype() {
        String m = AsFlags.message(assertThrows(RuntimeException.class,
                () -> OnnxModelSpec.parse(file("gauss-float64.onnx") + ",time=ddpm-linear")));
        assertTrue(m.startsWith("--model onnx:"), m);
        assertTrue(m.contains("input 'sample' [B, 1, 8, 8] (float64) has dtype float64: only float32 and float16"
                + " networks are supported"), m);
        assertFalse(m.contains("Could not find an implementation"), m);
    }

    @Test
    void conditionalFixtureWithGuidanceIsTheExactScoreOfTheGuidedMean() {
        double[] abar = abar();
        ModelSpec base = ModelSpecs.parse("onnx:" + file("gauss-cond.onnx") + ",time=ddpm-linear,null-label=10");
        long[] classes = ClassConditional.parseClasses("0..9");
        assertEquals(10, classes.length);
        int[] ks = {3, 120, 400, 700, 999};
        long[] ids = {0, 13, 27, 8, 101};
        for (double w : new double[] {0.0, 1.0, 2.0, 3.5}) {
            ModelSpec spec = ClassConditional.wrap(base, classes, w);
            assertTrue(spec.id().endsWith(",classes=0:1:2:3:4:5:6:7:8:9,guidance=" + w), spec.id());
            double[] x = probeX(ks.length);
            double[] t = new double[ks.length];
            double[] want = new double[x.length];
            for (int r = 0; r < ks.length; r++) {
                t[r] = spec.trainingTimes()[ks[r]];
                long c = ids[r] % 10;
                for (int p = 0; p < D; p++) {
                    // mu_null = 0, so eps_u + w (eps_c - eps_u) is the exact eps of N(w mu_c, s^2 I)
                    want[r * D + p] = exactScore(x[r * D + p], abar[ks[r]], w * mu(c, p));
                }
            }
            double[] got = new double[x.length];
            try (ScoreModel m = spec.build()) {
                m.score(x, t, ids, 0, ks.length, got);
                double err = relErr(got, want);
                assertTrue(err < 2e-6, "w=" + w + ": relative score error " + err);
                // rows scored one at a time, from an offset, give the same bits (ids are read at the row's index)
                double[] one = new double[x.length];
                for (int r = 0; r < ks.length; r++) {
                    m.score(x, t, ids, r, 1, one);
                }
                assertArrayEquals(got, one, 0.0);
                assertThrows(IllegalStateException.class, () -> m.score(x, t, null, 0, 1, new double[D]));
            }
        }
    }

    @Test
    void labelsAndGuidanceAreCheckedAgainstTheModel() {
        ModelSpec uncond = ModelSpecs.parse("onnx:" + file("gauss-diffusers.onnx"));
        String m = AsFlags.message(assertThrows(RuntimeException.class,
                () -> ClassConditional.wrap(uncond, new long[] {1}, null)));
        assertTrue(m.startsWith("--classes applies to a class-conditional network"), m);
        ModelSpec noNull = ModelSpecs.parse("onnx:" + file("gauss-cond.onnx"));
        m = AsFlags.message(assertThrows(RuntimeException.class,
                () -> ClassConditional.wrap(noNull, new long[] {1}, 2.0)));
        assertEquals("--guidance 2.0 needs the unconditional label: add null-label=N to --model", m);
        m = AsFlags.message(assertThrows(RuntimeException.class, () -> ClassConditional.parseClasses("3..1")));
        assertTrue(m.startsWith("--classes must be C, C1,C2,... or a range A..B"), m);
        assertArrayEquals(new long[] {0, 1, 2, 7}, ClassConditional.parseClasses("0..2, 7"));
        m = AsFlags.message(assertThrows(RuntimeException.class,
                () -> ModelSpecs.parse("onnx:" + file("gauss-diffusers.onnx") + ",null-label=3")));
        assertTrue(m.contains("null-label applies to a class-conditional network"), m);
    }
}
